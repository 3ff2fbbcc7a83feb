"""A host branch checks in a guest of another deployment on a phone and sends the receipt home
(docs/attendance-receipt.md)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from dangjian.activities import services as activity_services
from dangjian.activities.choices import ActivityKind
from dangjian.certificates import services
from dangjian.certificates.tests.federation import OTHER_ISSUER, other_card, trust_other
from dangjian.core.dates import today
from dangjian.exchange import documents

from .conftest import follow_nav

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _fresh_revocation_index() -> Any:
    services.revocation_index_clear()
    yield
    services.revocation_index_clear()


@pytest.mark.parametrize("page", ["phone"], indirect=True)
def test_a_guest_of_another_deployment_is_checked_in_and_the_receipt_exported(
    page: Any, county: Any, sign_in: Any
) -> None:
    trust_other()
    activity = activity_services.activity_create(
        actor=county.county_admin,
        organization=county.east_village,
        data={
            "kind": ActivityKind.THEME_DAY,
            "topic": "周五活动日",
            "on": today() - dt.timedelta(days=1),
        },
    )
    activity_services.activity_record(actor=county.east_secretary, activity=activity)
    text, claims = other_card(name="周游", organization_code="O0042")

    sign_in(page, "secretary")
    page.goto(f"/cards/checkin/{activity.pk}/")
    page.get_by_label("电子活动证二维码内容").fill(text)
    page.get_by_role("button", name="核验并登记").click()
    guest = page.get_by_test_id("visiting-guest")
    expect(guest).to_contain_text("周游")
    expect(guest).to_contain_text(OTHER_ISSUER)
    expect(guest).to_contain_text("回执待导出")

    page.get_by_role("button", name="菜单").click()
    follow_nav(page, "出席回执")
    expect(page.get_by_test_id("receipts-pending")).to_contain_text(OTHER_ISSUER)
    with page.expect_download() as download:
        page.get_by_role("button", name="导出出席回执").click()
    document = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    verified = documents.verify(document, "dangjian-attendance-receipt/1", what="t")
    (entry,) = verified.payload["entries"]
    assert (verified.payload["to"], entry["name"], entry["serial"]) == (
        OTHER_ISSUER,
        "周游",
        claims.serial_hex,
    )
    page.goto(f"/activities/{activity.pk}/")
    expect(page.get_by_test_id("visiting-guest")).to_contain_text("回执已导出")


@pytest.mark.parametrize("page", ["phone"], indirect=True)
def test_a_mobile_members_places_open_again_without_network(
    page: Any, county: Any, sign_in: Any
) -> None:
    """/me/ lists the host places where the member went, and once loaded opens offline."""
    from dangjian.places import services as place_services
    from dangjian.transfers import mobile
    from dangjian.transfers.choices import OutflowReason

    place_services.place_save(
        actor=county.east_admin,
        organization=county.east,
        data={
            "name": "红岩家园党员服务中心",
            "kind": "centre",
            "address": "深圳市南山区",
            "region_code": "440305",
            "week_of_month": 5,
            "weekday": 5,
            "contact": "0755-1234567",
            "active": True,
        },
    )
    mobile.outflow_create(
        actor=county.east_secretary,
        member=county.zhang,
        region_code="440300",
        left_on=today() - dt.timedelta(days=30),
        reason=OutflowReason.WORK,
    )
    sign_in(page, "zhangsan")
    page.goto("/me/")
    expect(page.get_by_test_id("places-panel")).to_contain_text("红岩家园党员服务中心")
    # Kept by the worker, and the worker in control of the page: signing in lands on /me/, which
    # registers the worker, so this page's navigation began before the worker was active and only
    # its claim (on the page's message, me-sw.js) puts it in control. The predicate must return
    # a plain value: wait_for_function takes a promise as a truthy answer and stops waiting (it
    # did, and the page went offline with its copy still being fetched: net::ERR_FAILED).
    page.wait_for_function(
        """() => {
          caches.match("/me/").then((kept) => { window.meKept = Boolean(kept); });
          return navigator.serviceWorker.controller !== null && window.meKept === true;
        }""",
        polling=100,
    )
    page.context.set_offline(True)
    # Opened again as a member does (the bookmark or the address): Chromium 156 sends a reload
    # past the service worker, so `page.reload()` fails offline even with the page kept.
    page.goto("/me/")
    expect(page.get_by_test_id("places-panel")).to_contain_text("红岩家园党员服务中心")
    expect(page.get_by_test_id("places-panel")).to_contain_text("下一次")
