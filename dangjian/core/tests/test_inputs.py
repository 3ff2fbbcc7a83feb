"""A NUL character in a request is a 400 before any view runs: PostgreSQL cannot hold it.

Found by schemathesis on PostgreSQL (`GET /api/v1/members/?org=…%00…` was a 500).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("get", "/api/v1/members/", {"org": "C00\x0003"}),
        ("get", "/members/", {"q": "张\x00三"}),
        ("post", "/members/new/", "name=%E5%BC%A0%00%E4%B8%89"),
    ],
)
def test_a_nul_in_the_query_or_the_form_is_a_400(
    client: Client, county: Any, method: str, path: str, data: Any
) -> None:
    client.force_login(county.east_admin)
    if isinstance(data, str):  # a url-encoded form, as a browser sends it
        response = client.post(path, data, content_type="application/x-www-form-urlencoded")
    else:
        response = getattr(client, method)(path, data)
    assert response.status_code == 400
    if path.startswith("/api/"):
        assert response.json()["code"] == "invalid"
    else:
        assert "请求有误" in response.content.decode()


def test_a_nul_inside_a_json_body_is_refused_on_its_field(client: Client, county: Any) -> None:
    client.force_login(county.east_admin)
    body = {
        "member_id": county.zhang.pk,
        "paid_on": "2026-11-15",
        "method": "CASH",
        "amount": "1",
        "note": "备\u0000注",
    }
    response = client.post(
        "/api/v1/dues/payments", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 400
    assert "note" in response.json()["fields"]


def test_a_nul_in_a_multipart_form_is_a_field_error(client: Client, county: Any) -> None:
    """Multipart bodies are streamed, not read by the guard: Django's CharField refuses it."""
    from dangjian.members.models import Member

    client.force_login(county.east_admin)
    before = Member.objects.count()
    response = client.post(f"/members/new/?org={county.east_village.pk}", {"name": "张\x00三"})
    assert response.status_code == 200
    assert Member.objects.count() == before


def test_ordinary_input_passes(client: Client, county: Any) -> None:
    client.force_login(county.east_admin)
    assert client.get("/members/", {"q": "张三"}).status_code == 200
