"""Organizational life (issue 6): a branch secretary records a branch general meeting with two
absentees and one guest, and votes; the month calendar on a phone.

It lives here, not in dangjian/activities/tests/, so that it shares this directory's session-wide
Chromium: a second Playwright instance in the same process fails ("Sync API inside the asyncio
loop") once the first one is running."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from dangjian.activities.models import Activity, Attendance, Vote
from dangjian.core.dates import today
from dangjian.site.testing import build_member

from .conftest import ARTIFACTS

pytestmark = pytest.mark.browser


def test_secretary_records_a_general_meeting(page, county, sign_in):
    for name in ("周一", "吴二", "郑三"):
        build_member(organization=county.east_village, name=name)
    day = today() - dt.timedelta(days=1)
    sign_in(page, "secretary")
    page.get_by_role("navigation").get_by_role("link", name="组织生活").click()
    page.get_by_role("link", name="新建活动").click()
    page.get_by_label("活动类型").select_option(label="支部党员大会")
    page.get_by_label("主题").fill("讨论接收预备党员")
    page.get_by_label("日期").fill(day.isoformat())
    page.get_by_label("地点").fill("村委会议室")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("heading", name=re.compile("讨论接收预备党员"))).to_be_visible()

    page.get_by_role("link", name="记录召开情况").click()
    rows = page.get_by_test_id("attendance").locator("li")
    expect(rows).to_have_count(7)
    for name in ("李四", "王五"):
        page.locator(f'li[data-member="{name}"]').get_by_text("缺席").click()
    page.get_by_label("会议记录").fill("会议由书记主持，讨论接收赵六为预备党员。")
    page.get_by_role("button", name="保存出席情况").click()
    expect(page.get_by_test_id("attendance-summary")).to_have_text(
        "应到 7 人，实到 5 人，请假 0 人，缺席 2 人，列席 0 人。"
    )
    # Six full members entitled to vote (赵六 is probationary), four present: a quorum.
    expect(page.get_by_test_id("quorum")).to_contain_text("符合法定人数")

    # A bare ID number of a member outside the secretary's scope (孙八, 西村) is refused without
    # saying whether or where the person is a member (issue 18): a guest from elsewhere shows
    # their electronic activity certificate instead.
    page.get_by_label("来宾的公民身份号码").fill(county.sun.id_number)
    page.get_by_role("button", name="登记来宾").click()
    expect(page.get_by_text("该身份证号码不在您的管理范围内").first).to_be_visible()
    expect(page.get_by_test_id("guests")).not_to_contain_text("孙八")
    expect(page.get_by_test_id("attendance-summary")).to_contain_text("列席 0 人")

    page.get_by_label("表决事项").fill("接收赵六为预备党员")
    page.get_by_label("赞成").fill("4")
    page.get_by_role("button", name="记录表决").click()
    expect(page.get_by_test_id("votes")).to_contain_text("通过")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "activity-general-meeting.png"), full_page=True)

    meeting = Activity.objects.get(topic="讨论接收预备党员")
    absent = set(meeting.attendance.filter(status="ABSENT").values_list("member__name", flat=True))
    assert absent == {"李四", "王五"}
    assert not Attendance.objects.filter(activity=meeting, is_guest=True).exists()
    vote = Vote.objects.get(activity=meeting)
    assert (vote.entitled, vote.present, vote.in_favour, vote.passed) == (6, 4, 4, True)


@pytest.mark.parametrize("page", ["phone"], indirect=True)
def test_calendar_on_a_phone(page, county, sign_in):
    from dangjian.activities import services

    services.activity_create(
        actor=county.east_secretary,
        organization=county.east_village,
        data={"kind": "THEME_DAY", "topic": "重温入党誓词", "on": today()},
    )
    sign_in(page, "secretary")
    page.goto("/activities/calendar/")
    expect(page.get_by_test_id("month-grid")).to_be_visible()
    agenda = page.get_by_test_id("agenda")
    expect(agenda).to_be_visible()
    expect(agenda).to_contain_text("主题党日")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "activity-calendar-phone.png"), full_page=True)
