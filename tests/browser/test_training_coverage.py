"""Training coverage (issue 19): the county administrator sees who has had no training this year
by group and organization."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from dangjian.activities import services
from dangjian.activities.choices import TrainingForm
from dangjian.core.dates import today
from dangjian.members.choices import PositionTitle
from dangjian.members.services import position_assign

from .conftest import follow_nav

pytestmark = pytest.mark.browser


def test_county_sees_who_is_untrained(page, county, sign_in):
    position_assign(
        actor=county.east_admin,
        organization=county.east_village,
        member=county.zhang,
        title=PositionTitle.SECRETARY,
        started_on=dt.date(2024, 1, 1),
    )
    day = today().replace(month=1, day=1) if today().month > 1 else today()
    course = services.course_create(
        actor=county.county_admin,
        organization=county.county,
        title="县委党校轮训",
        form=TrainingForm.PARTY_SCHOOL,
        starts_on=day,
        ends_on=day,
    )
    services.session_add(
        actor=county.county_admin,
        course=course,
        on=day,
        topic="党章",
        hours=Decimal(4),
        participants=[county.li, county.sun],
    )
    sign_in(page, "county")
    follow_nav(page, "组织生活")
    page.get_by_role("link", name="教育培训").click()
    page.get_by_role("link", name="培训覆盖：谁还没有参训").click()
    groups = page.get_by_test_id("coverage-groups")
    expect(groups.locator('[data-group="SECRETARY"]')).to_contain_text("1")
    expect(groups.locator('[data-group="MEMBER"] td').nth(2)).to_have_text("4")  # of 6
    expect(page.get_by_test_id("untrained-secretary")).to_contain_text("张三")
    untrained = page.get_by_test_id("untrained-member")
    expect(untrained).to_contain_text("王五")
    expect(untrained).not_to_contain_text("李四")
    expect(page.get_by_test_id("coverage-organizations")).to_contain_text("南村党支部")
