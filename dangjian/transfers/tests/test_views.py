"""Transfer and mobile-member pages and API, for users in and out of scope."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from dangjian.core.dates import today
from dangjian.core.extensions import render_panels
from dangjian.transfers import mobile
from dangjian.transfers.choices import OutflowReason, TransferState
from dangjian.transfers.models import Outflow, Transfer

from .helpers import draft, issued

pytestmark = pytest.mark.django_db


def login(client: Client, user: Any) -> Client:
    client.force_login(user)
    return client


def body(response: Any) -> str:
    return response.content.decode()


def test_lists_show_each_side_its_transfers(
    county: Any, client: Client, django_assert_max_num_queries: Any
) -> None:
    issued(county.east_secretary, county.east_admin, county.zhang, county.west_village)
    login(client, county.west_admin)
    with django_assert_max_num_queries(12):
        incoming = client.get("/transfers/?list=incoming")
    assert "张三" in body(incoming)
    assert "转出中" in body(incoming)
    assert "张三" not in body(client.get("/transfers/?list=outgoing"))
    partial = client.get("/transfers/?list=in_transit", HTTP_HX_REQUEST="true")
    assert "<html" not in body(partial)
    assert "张三" in body(partial)
    assert client.get("/transfers/?list=nonsense").status_code == 404


def test_list_queries_do_not_grow_with_rows(
    county: Any, client: Client, django_assert_max_num_queries: Any
) -> None:
    for member in (county.zhang, county.li, county.wang):
        draft(county.east_secretary, member, county.west_village)
    login(client, county.east_admin)
    with django_assert_max_num_queries(12):
        assert client.get("/transfers/?list=outgoing").status_code == 200


def test_detail_is_a_404_out_of_scope(county: Any, client: Client) -> None:
    transfer = draft(county.east_secretary, county.zhang, county.south_village)
    response = login(client, county.west_admin).get(f"/transfers/{transfer.pk}/")
    assert response.status_code == 404
    assert "张三" not in body(response)
    response = login(client, county.east_observer).get(f"/transfers/{transfer.pk}/")
    assert response.status_code == 200
    assert "报上级审批" not in body(response)  # an observer takes no step


def test_walk_through_the_pages_from_draft_to_received(county: Any, client: Client) -> None:
    login(client, county.east_secretary)
    response = client.post(
        f"/transfers/new/?member={county.zhang.pk}",
        {"kind": "WITHIN", "to_organization": county.west_village.pk, "reason": "工作调动"},
    )
    transfer = Transfer.objects.get(member=county.zhang)
    assert response.status_code == 302
    assert response["Location"] == f"/transfers/{transfer.pk}/"
    client.post(f"/transfers/{transfer.pk}/submit/")
    login(client, county.east_admin).post(f"/transfers/{transfer.pk}/approve/")
    login(client, county.east_secretary)
    bad = client.post(f"/transfers/{transfer.pk}/issue/", {"dues_paid_until": "2026/9"})
    assert bad.status_code == 400
    assert "年-月" in body(bad)
    client.post(f"/transfers/{transfer.pk}/issue/", {"dues_paid_until": "2026-09"})
    # The west side cannot act on a transfer it cannot see… until it is the receiver.
    response = login(client, county.west_admin).get(f"/transfers/{transfer.pk}/")
    assert "接收" in body(response)
    client.post(f"/transfers/{transfer.pk}/receive/")
    transfer.refresh_from_db()
    assert transfer.state == TransferState.RECEIVED
    again = client.post(f"/transfers/{transfer.pk}/receive/", follow=True)
    assert "不能办理此操作" in body(again)


def test_forms_refuse_out_of_scope_users(county: Any, client: Client) -> None:
    login(client, county.west_admin)
    assert client.get(f"/transfers/new/?member={county.zhang.pk}").status_code == 404
    assert client.get(f"/transfers/mobile/new/?member={county.zhang.pk}").status_code == 404
    login(client, county.east_observer)
    assert client.get(f"/transfers/new/?member={county.zhang.pk}").status_code == 403


def test_the_member_page_shows_the_transfer_and_the_organization_page_the_panel(
    county: Any, client: Client, rf: Any
) -> None:
    transfer = issued(county.east_secretary, county.east_admin, county.zhang, county.west_village)
    response = login(client, county.east_secretary).get(f"/members/{county.zhang.pk}/")
    assert "转出中" in body(response)
    assert f"/transfers/{transfer.pk}/" in body(response)
    request = rf.get("/")
    request.user = county.east_admin
    placeholder = render_panels(request, "organization", county.east)
    assert f"/transfers/organizations/{county.east.pk}/panel/" in placeholder
    panel = body(
        login(client, county.east_admin).get(f"/transfers/organizations/{county.east.pk}/panel/")
    )
    assert "转出中" in panel
    assert "张三" in panel
    out_of_scope = login(client, county.west_admin).get(
        f"/transfers/organizations/{county.east.pk}/panel/"
    )
    assert out_of_scope.status_code == 404


def test_mobile_pages(county: Any, client: Client) -> None:
    login(client, county.east_secretary)
    response = client.post(
        f"/transfers/mobile/new/?member={county.wang.pk}",
        {
            "region_code": "440300",
            "left_on": (today() - dt.timedelta(days=400)).isoformat(),
            "reason": OutflowReason.WORK,
            "city": "宝安区",
        },
    )
    assert response.status_code == 302
    outflow = Outflow.objects.get(member=county.wang)
    listing = body(client.get("/transfers/mobile/"))
    assert "广东省深圳市" in listing
    assert "未知" not in listing  # the certificates app answers: 有效 or 无
    assert 'class="text-danger">无<' in listing
    assert "王五" in body(client.get("/transfers/mobile/?quiet=1"))
    assert "王五" in body(client.get("/transfers/mobile/?region=440000"))
    assert "王五" not in body(client.get("/transfers/mobile/?region=350000"))
    # who still has no certificate: listed until one is issued
    assert "王五" in body(client.get("/transfers/mobile/?no_card=1"))
    from dangjian.certificates.services import certificate_issue

    certificate_issue(actor=county.east_secretary, member=county.wang)
    assert "王五" not in body(client.get("/transfers/mobile/?no_card=1"))
    assert "王五" in body(client.get("/transfers/mobile/"))
    client.post(f"/transfers/mobile/{outflow.pk}/contact/", {"on": today().isoformat()})
    assert "王五" not in body(client.get("/transfers/mobile/?quiet=1"))
    assert (
        login(client, county.west_admin).get(f"/transfers/mobile/{outflow.pk}/return/").status_code
        == 404
    )
    assert "王五" not in body(client.get("/transfers/mobile/"))


def test_inflow_pages(county: Any, client: Client) -> None:
    login(client, county.west_admin)
    response = client.post(
        "/transfers/mobile/inflows/new/",
        {
            "host_organization": county.west_village.pk,
            "name": "外来",
            "home_organization_name": "湖南省某村党支部",
            "arrived_on": today().isoformat(),
            "reason": OutflowReason.WORK,
        },
    )
    assert response.status_code == 302
    assert "外来" in body(client.get("/transfers/mobile/inflows/"))
    assert "外来" not in body(login(client, county.east_admin).get("/transfers/mobile/inflows/"))


# --- API -------------------------------------------------------------------------------------


def api_post(client: Client, path: str, data: dict[str, Any], **headers: str) -> Any:
    return client.post(path, json.dumps(data), content_type="application/json", headers=headers)


def test_api_create_is_idempotent_and_steps_follow(county: Any, client: Client) -> None:
    login(client, county.east_secretary)
    payload = {"member_id": county.zhang.pk, "to_organization_id": county.west_village.pk}
    first = api_post(client, "/api/v1/transfers/", payload, **{"Idempotency-Key": "t-1"})
    second = api_post(client, "/api/v1/transfers/", payload, **{"Idempotency-Key": "t-1"})
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert Transfer.objects.filter(member=county.zhang).count() == 1
    transfer_id = first.json()["id"]
    assert first.json()["actions"] == ["submit", "cancel"]
    assert (
        api_post(client, f"/api/v1/transfers/{transfer_id}/submit", {}).json()["state"]
        == "AWAITING_APPROVAL"
    )
    refused = api_post(client, f"/api/v1/transfers/{transfer_id}/approve", {})
    assert refused.status_code == 403
    login(client, county.east_admin)
    assert (
        api_post(client, f"/api/v1/transfers/{transfer_id}/approve", {}).json()["state"]
        == "APPROVED"
    )
    bad = api_post(client, f"/api/v1/transfers/{transfer_id}/issue", {"dues_paid_until": "9月"})
    assert bad.status_code == 400
    assert bad.json()["code"] == "bad_year_month"
    assert "dues_paid_until" in bad.json()["fields"]
    issued_body = api_post(
        client, f"/api/v1/transfers/{transfer_id}/issue", {"dues_paid_until": "2026-09"}
    ).json()
    assert issued_body["letter_number"].startswith("CN-TEST-")
    login(client, county.west_admin)
    assert client.get("/api/v1/transfers/?which=incoming").json()["items"][0]["id"] == transfer_id
    assert (
        api_post(client, f"/api/v1/transfers/{transfer_id}/receive", {}).json()["state"]
        == "RECEIVED"
    )


def test_api_out_of_scope_is_a_404(county: Any, client: Client) -> None:
    transfer = draft(county.east_secretary, county.zhang, county.south_village)
    login(client, county.west_admin)
    response = client.get(f"/api/v1/transfers/{transfer.pk}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert (
        api_post(client, f"/api/v1/transfers/{transfer.pk}/cancel", {"reason": "x"}).status_code
        == 404
    )
    created = api_post(
        client,
        "/api/v1/transfers/",
        {"member_id": county.zhang.pk, "to_organization_id": county.west_village.pk},
    )
    assert created.status_code == 404
    assert client.get("/api/v1/transfers/?which=outgoing").json() == {"items": [], "count": 0}


def test_api_outflows(county: Any, client: Client) -> None:
    login(client, county.east_secretary)
    payload = {
        "member_id": county.li.pk,
        "region_code": "350200",
        "left_on": (today() - dt.timedelta(days=10)).isoformat(),
        "reason": "BUSINESS",
    }
    first = api_post(
        client, "/api/v1/transfers/mobile/outflows", payload, **{"Idempotency-Key": "o-1"}
    )
    again = api_post(
        client, "/api/v1/transfers/mobile/outflows", payload, **{"Idempotency-Key": "o-1"}
    )
    assert first.status_code == again.status_code == 201
    assert Outflow.objects.filter(member=county.li).count() == 1
    rows = client.get("/api/v1/transfers/mobile/outflows").json()["items"]
    assert rows[0]["region_name"] == "福建省厦门市"
    assert rows[0]["has_valid_certificate"] is False  # the certificates app answers: none issued
    assert (
        login(client, county.west_admin).get("/api/v1/transfers/mobile/outflows").json()["count"]
        == 0
    )
    mobile.outflow_return(
        actor=county.east_secretary, outflow=Outflow.objects.get(member=county.li), on=today()
    )
