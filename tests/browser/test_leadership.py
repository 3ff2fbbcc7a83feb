"""Leadership teams (issue 19): on a phone, the county administrator opens the roster of
secretaries and party-affairs staff, then the county's 民主生活会 and marks a follow-up done."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from dangjian.activities import services as activity_services
from dangjian.activities.choices import ActivityKind, ActivityStatus
from dangjian.activities.models import Activity
from dangjian.core.dates import today
from dangjian.members.choices import PositionTitle
from dangjian.members.services import position_assign

from .conftest import ARTIFACTS

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("page", ["phone"], indirect=True)
def test_county_reads_the_roster_and_a_democratic_life_meeting(page, county, sign_in):
    position_assign(
        actor=county.county_admin,
        organization=county.east_village,
        member=county.zhang,
        title=PositionTitle.SECRETARY,
        started_on=dt.date(2020, 1, 1),
    )
    meeting = Activity.objects.create(
        organization=county.county,
        kind=ActivityKind.DEMOCRATIC_LIFE,
        status=ActivityStatus.HELD,
        topic="年度专题民主生活会",
        on=today() - dt.timedelta(days=30),
    )
    activity_services.follow_up_add(
        actor=county.county_admin,
        activity=meeting,
        text="党务干部普遍轮训一次",
        responsible="组织委员",
        deadline=today() + dt.timedelta(days=60),
    )
    sign_in(page, "county")
    page.goto("/leadership/")
    expect(page.get_by_test_id("leadership-roster")).to_contain_text("张三")
    expect(page.get_by_test_id("secretary-distribution")).to_contain_text("5年至不满10年")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.goto(f"/activities/{meeting.pk}/")
    items = page.get_by_test_id("follow-ups")
    expect(items).to_contain_text("党务干部普遍轮训一次")
    items.get_by_role("button", name="标记完成").click()
    expect(page.locator(".alert-success")).to_contain_text("已标记整改完成")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "leadership-phone.png"), full_page=True)
