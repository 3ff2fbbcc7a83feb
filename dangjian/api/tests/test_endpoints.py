"""API endpoints for organizations, members and the archive: in scope and out of scope, by token."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from dangjian.api import tokens
from dangjian.api.models import ApiToken
from dangjian.audit.models import AuditEvent
from dangjian.members.models import Member
from dangjian.site.testing import new_id_number


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def east_token(county: Any) -> str:
    return tokens.api_token_create(actor=county.east_admin, name="东镇对接", days=30)[1]


@pytest.fixture
def west_token(county: Any) -> str:
    return tokens.api_token_create(actor=county.west_admin, name="西镇对接", days=30)[1]


# --- tokens ------------------------------------------------------------------------------


def test_token_is_stored_hashed_and_shown_once(county: Any) -> None:
    record, token = tokens.api_token_create(actor=county.east_admin, name="对接", days=10)
    assert token.startswith("dj_")
    assert token not in {record.prefix, record.token_sha256}
    assert not ApiToken.objects.filter(token_sha256__contains=token[3:20]).exists()
    assert AuditEvent.objects.filter(action="CREATE", target_type="api.apitoken").count() == 1


def test_expired_and_revoked_tokens_are_refused(client: Client, county: Any) -> None:
    record, token = tokens.api_token_create(actor=county.east_admin, name="对接", days=10)
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    ApiToken.objects.filter(pk=record.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401
    ApiToken.objects.filter(pk=record.pk).update(expires_at=timezone.now() + dt.timedelta(days=1))
    tokens.api_token_revoke(actor=county.county_admin, token=record)
    response = client.get("/api/v1/me", headers=bearer(token))
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    assert client.get("/api/v1/me", headers=bearer("dj_not-a-token")).status_code == 401


def test_a_token_is_only_ever_for_oneself(county: Any) -> None:
    """Nobody mints a token acting as another user (issue 18): the service has no way to name
    one, and a token acts with its creator's own scope and audit trail. A member alone creates
    none; days are bounded."""
    from django.core.exceptions import PermissionDenied, ValidationError

    with pytest.raises(TypeError):
        tokens.api_token_create(  # type: ignore[call-arg]
            actor=county.county_admin, user=county.east_admin, name="代他人", days=10
        )
    with pytest.raises(PermissionDenied):
        tokens.api_token_create(actor=county.member_user, name="党员", days=10)
    with pytest.raises(ValidationError):
        tokens.api_token_create(actor=county.east_secretary, name="对接", days=400)
    record, _token = tokens.api_token_create(actor=county.east_secretary, name="对接", days=10)
    assert (record.user, record.created_by) == (county.east_secretary, county.east_secretary)
    event = AuditEvent.objects.get(action="CREATE", target_type="api.apitoken")
    assert event.actor == county.east_secretary
    assert event.detail["user_id"] == county.east_secretary.pk


# --- organizations -----------------------------------------------------------------------


def test_organizations_are_scoped(client: Client, county: Any, east_token: str) -> None:
    response = client.get("/api/v1/organizations/", headers=bearer(east_token))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert [o["code"] for o in body["items"]] == ["C0002", "C0003", "C0004"]
    assert (
        client.get("/api/v1/organizations/C0003", headers=bearer(east_token)).json()["parent_code"]
        == "C0002"
    )
    out = client.get("/api/v1/organizations/C0006", headers=bearer(east_token))
    assert out.status_code == 404
    assert out.json()["code"] == "not_found"


def test_organization_filters_and_ordering(client: Client, county: Any, east_token: str) -> None:
    children = client.get(
        "/api/v1/organizations/?parent=C0002&ordering=-founded_on", headers=bearer(east_token)
    ).json()
    assert {o["code"] for o in children["items"]} == {"C0003", "C0004"}
    named = client.get("/api/v1/organizations/?q=南村", headers=bearer(east_token)).json()
    assert [o["name"] for o in named["items"]] == ["南村党支部"]


# --- members -----------------------------------------------------------------------------


def test_member_list_is_scoped_and_masked(
    client: Client, county: Any, east_token: str, west_token: str
) -> None:
    east = client.get("/api/v1/members/", headers=bearer(east_token)).json()
    assert {m["name"] for m in east["items"]} == {"张三", "李四", "王五", "赵六", "钱七"}
    zhang = next(m for m in east["items"] if m["name"] == "张三")
    assert zhang["phone_masked"] == "138******78"
    assert "*" in zhang["id_number_masked"]
    assert zhang["organization_code"] == "C0003"
    west = client.get("/api/v1/members/", headers=bearer(west_token)).json()
    assert [m["name"] for m in west["items"]] == ["孙八"]
    assert client.get("/api/v1/members/?org=C0003", headers=bearer(west_token)).status_code == 404


def test_member_filters(client: Client, county: Any, east_token: str) -> None:
    probationary = client.get(
        "/api/v1/members/?category=PROBATIONARY", headers=bearer(east_token)
    ).json()
    assert [m["name"] for m in probationary["items"]] == ["赵六"]
    south = client.get("/api/v1/members/?org=C0004", headers=bearer(east_token)).json()
    assert [m["name"] for m in south["items"]] == ["钱七"]
    bad = client.get("/api/v1/members/?category=NOPE", headers=bearer(east_token))
    assert bad.status_code == 400
    assert set(bad.json()) == {"code", "message", "fields"}


def test_member_detail_and_archive_in_and_out_of_scope(
    client: Client, county: Any, east_token: str, west_token: str
) -> None:
    url = f"/api/v1/members/{county.zhang.public_id}"
    detail = client.get(url, headers=bearer(east_token))
    assert detail.status_code == 200
    assert detail.json()["memberships"][0]["organization_code"] == "C0003"
    archive = client.get(url + "/archive", headers=bearer(east_token)).json()
    assert archive["count"] >= 1
    assert archive["items"][0]["kind"] == "CREATED"
    for path in (url, url + "/archive"):
        assert client.get(path, headers=bearer(west_token)).status_code == 404
    assert (
        client.get(f"/api/v1/members/{uuid.uuid4()}", headers=bearer(east_token)).status_code == 404
    )


def test_reveal_is_audited_and_out_of_scope_is_404(
    client: Client, county: Any, east_token: str, west_token: str
) -> None:
    url = f"/api/v1/members/{county.zhang.public_id}/reveal"
    response = client.post(
        url, {"field": "phone"}, content_type="application/json", headers=bearer(east_token)
    )
    assert response.status_code == 200
    assert response.json()["value"] == "13812345678"
    assert AuditEvent.objects.filter(action="REVEAL", actor=county.east_admin).count() == 1
    other = client.post(
        url, {"field": "phone"}, content_type="application/json", headers=bearer(west_token)
    )
    assert other.status_code == 404
    bad = client.post(
        url, {"field": "address"}, content_type="application/json", headers=bearer(east_token)
    )
    assert bad.status_code == 400
    assert bad.json()["code"] == "bad_field"


def test_observer_may_not_reveal(client: Client, county: Any) -> None:
    token = tokens.api_token_create(actor=county.east_observer, name="只读", days=5)[1]
    url = f"/api/v1/members/{county.zhang.public_id}/reveal"
    response = client.post(
        url, {"field": "id_number"}, content_type="application/json", headers=bearer(token)
    )
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def new_member_body(**overrides: Any) -> dict[str, Any]:
    return {
        "organization_code": "C0003",
        "id_number": new_id_number(dt.date(1990, 3, 7), "M"),
        "name": "周九",
        "ethnicity": "01",
        "education": "21",
        "occupation": "WORKER",
        "category": "FULL",
        "joined_on": "2015-07-01",
        "full_member_on": "2016-07-01",
        **overrides,
    }


def test_create_member_is_idempotent_with_a_key(
    client: Client, county: Any, east_token: str
) -> None:
    body = new_member_body()
    headers = {**bearer(east_token), "Idempotency-Key": "create-zhou-1"}
    first = client.post("/api/v1/members/", body, content_type="application/json", headers=headers)
    assert first.status_code == 201, first.content
    second = client.post("/api/v1/members/", body, content_type="application/json", headers=headers)
    assert second.status_code == 201
    assert second.json() == first.json()
    assert Member.objects.filter(name="周九").count() == 1
    assert first.json()["organization_code"] == "C0003"


def test_create_member_errors_name_the_field(
    client: Client, county: Any, east_token: str, west_token: str
) -> None:
    body = new_member_body(joined_on="1980-01-01")
    response = client.post(
        "/api/v1/members/", body, content_type="application/json", headers=bearer(east_token)
    )
    assert response.status_code == 400
    assert "joined_on" in response.json()["fields"]
    out = client.post(
        "/api/v1/members/",
        new_member_body(),
        content_type="application/json",
        headers=bearer(west_token),
    )
    assert out.status_code == 404
    assert not Member.objects.filter(name="周九").exists()


def test_session_writes_need_csrf(county: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(county.east_admin)
    url = f"/api/v1/members/{county.zhang.public_id}/reveal"
    response = client.post(url, {"field": "phone"}, content_type="application/json")
    assert response.status_code in (401, 403)
    assert not AuditEvent.objects.filter(action="REVEAL").exists()


# --- the token page ----------------------------------------------------------------------


def test_token_page_creates_shows_once_and_revokes(client: Client, county: Any) -> None:
    """The page creates a token for the signed-in user; a `user` field posted along (another
    account) is ignored: the token acts as the creator."""
    client.force_login(county.east_admin)
    page = client.get("/api-tokens/")
    assert page.status_code == 200
    assert "user" not in page.context["form"].fields
    response = client.post(
        "/api-tokens/", {"user": county.east_secretary.pk, "name": "对接", "days": 30}
    )
    token = response.context["created"]
    assert token.startswith("dj_")
    assert token in response.content.decode()
    assert token not in client.get("/api-tokens/").content.decode()
    record = ApiToken.objects.get()
    assert record.user == county.east_admin
    assert client.get("/api/v1/me", headers=bearer(token)).json()["username"] == "east"
    client.post(f"/api-tokens/{record.pk}/revoke")
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_an_administrator_revokes_but_never_mints_for_users_in_scope(
    client: Client, county: Any
) -> None:
    """A secretary's own token may be revoked by the township administrator above (a leaked
    integration token), not by the other township's; a member alone has no token page."""
    record, token = tokens.api_token_create(actor=county.east_secretary, name="x", days=3)
    client.force_login(county.member_user)
    assert client.get("/api-tokens/").status_code == 403
    client.force_login(county.west_admin)
    assert token[:10] not in client.get("/api-tokens/").content.decode()
    assert client.post(f"/api-tokens/{record.pk}/revoke").status_code == 404
    record.refresh_from_db()
    assert record.revoked_at is None
    client.force_login(county.east_admin)
    assert record.prefix in client.get("/api-tokens/").content.decode()
    client.post(f"/api-tokens/{record.pk}/revoke")
    record.refresh_from_db()
    assert record.revoked_at is not None
    assert ApiToken.objects.filter(user=county.east_admin).count() == 0


def test_family_and_trips_in_the_api_are_scoped_and_masked(
    client: Client, county: Any, east_token: str, west_token: str
) -> None:
    """家庭成员 and 出国出境 through the API: added and listed in scope (the relative's name only
    masked), a 404 for the other township."""
    url = f"/api/v1/members/{county.zhang.public_id}"
    created = client.post(
        f"{url}/family",
        {"relation": "SPOUSE", "name": "欧阳秀英", "birth_year": 1982},
        content_type="application/json",
        headers=bearer(east_token),
    )
    assert created.status_code == 201
    assert created.json()["name_masked"] == "欧***"
    trip = client.post(
        f"{url}/trips",
        {"left_on": "2025-03-01", "destination": "日本", "purpose": "PRIVATE"},
        content_type="application/json",
        headers=bearer(east_token),
    )
    assert trip.status_code == 201
    listed = client.get(f"{url}/family", headers=bearer(east_token))
    assert "欧阳秀英" not in listed.content.decode()
    assert [
        t["destination"] for t in client.get(f"{url}/trips", headers=bearer(east_token)).json()
    ] == ["日本"]
    for path in ("family", "trips"):
        assert client.get(f"{url}/{path}", headers=bearer(west_token)).status_code == 404
