"""The API's shared behaviour: sign-in, the error shape, idempotency keys, local docs."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.test import Client, RequestFactory

from dangjian.api.idempotency import IdempotencyMiddleware
from dangjian.api.models import IdempotencyRecord
from dangjian.core.api import _validation_error_body
from dangjian.core.errors import field_error


def test_me_needs_sign_in_and_answers_in_the_error_shape(client: Client, tree: Any) -> None:
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "unauthenticated"
    assert body["message"]
    assert body["fields"] == {}


def test_me_lists_the_roles_that_decide_the_scope(client: Client, tree: Any) -> None:
    client.force_login(tree.east_secretary)
    response = client.get("/api/v1/me")
    assert response.status_code == 200
    roles = response.json()["roles"]
    assert [(r["role"], r["organization_code"]) for r in roles] == [
        ("SECRETARY", tree.east_village.code)
    ]


def test_unknown_api_path_is_not_a_login_redirect(client: Client, tree: Any) -> None:
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    client.force_login(tree.county_admin)
    page = client.get("/no-such-page")
    assert page.status_code == 404
    assert page["Content-Type"].startswith("text/html")


def test_openapi_document_and_docs_are_served_without_a_cdn(client: Client, tree: Any) -> None:
    client.force_login(tree.county_admin)
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 200
    assert schema.json()["info"]["version"] == "1"
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "cdn." not in html
    assert "unpkg" not in html
    assert "/static/" in html


def test_service_errors_keep_their_code_and_field() -> None:
    body = _validation_error_body(field_error("on", "日期不对", code="bad_date"))
    assert body == {"code": "bad_date", "message": "日期不对", "fields": {"on": ["日期不对"]}}
    plain = _validation_error_body(ValidationError("不行", code="refused"))
    assert plain == {"code": "refused", "message": "不行", "fields": {}}


# --- idempotency -------------------------------------------------------------------------


class CountingView:
    """A real view that creates something each time it runs (counts its calls)."""

    def __init__(self, status: int = 201) -> None:
        self.calls = 0
        self.status = status

    def __call__(self, request: HttpRequest) -> HttpResponse:
        self.calls += 1
        return JsonResponse({"created": self.calls}, status=self.status)


def post(path: str, body: dict[str, Any], key: str | None) -> HttpRequest:
    headers = {"Idempotency-Key": key} if key else {}
    request = RequestFactory().post(
        path, json.dumps(body), content_type="application/json", headers=headers
    )
    request.user = AnonymousUser()
    return request


@pytest.mark.django_db
def test_a_retry_with_the_same_key_does_not_act_twice() -> None:
    view = CountingView()
    middleware = IdempotencyMiddleware(view)
    first = middleware(post("/api/v1/dues/payments", {"amount": "3.00"}, "k-1"))
    second = middleware(post("/api/v1/dues/payments", {"amount": "3.00"}, "k-1"))
    assert view.calls == 1
    assert first.status_code == second.status_code == 201
    assert json.loads(second.content) == {"created": 1}
    assert second["Idempotent-Replayed"] == "true"


@pytest.mark.django_db
def test_the_same_key_for_a_different_request_is_refused() -> None:
    view = CountingView()
    middleware = IdempotencyMiddleware(view)
    middleware(post("/api/v1/dues/payments", {"amount": "3.00"}, "k-2"))
    other = middleware(post("/api/v1/dues/payments", {"amount": "4.00"}, "k-2"))
    assert other.status_code == 422
    assert json.loads(other.content)["code"] == "idempotency_key_reused"
    assert view.calls == 1


@pytest.mark.django_db
def test_without_a_key_or_outside_the_api_every_call_acts() -> None:
    view = CountingView()
    middleware = IdempotencyMiddleware(view)
    middleware(post("/api/v1/dues/payments", {}, None))
    middleware(post("/api/v1/dues/payments", {}, None))
    middleware(post("/members/new", {}, "k-3"))
    middleware(post("/members/new", {}, "k-3"))
    assert view.calls == 4
    assert IdempotencyRecord.objects.count() == 0


@pytest.mark.django_db
def test_server_errors_are_not_kept_so_the_call_can_be_retried() -> None:
    view = CountingView(status=503)
    middleware = IdempotencyMiddleware(view)
    middleware(post("/api/v1/transfers/", {}, "k-4"))
    middleware(post("/api/v1/transfers/", {}, "k-4"))
    assert view.calls == 2
    assert IdempotencyRecord.objects.count() == 0


@pytest.mark.django_db
def test_a_call_still_running_answers_409() -> None:
    IdempotencyRecord.objects.create(
        principal="anonymous",
        key="k-5",
        method="POST",
        path="/api/v1/transfers/",
        body_sha256=hashlib.sha256(b"{}").hexdigest(),
    )
    view = CountingView()
    response = IdempotencyMiddleware(view)(post("/api/v1/transfers/", {}, "k-5"))
    assert response.status_code == 409
    assert json.loads(response.content)["code"] == "idempotency_in_progress"
    assert view.calls == 0
