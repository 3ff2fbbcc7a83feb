"""Recruitment in the browser: from application to probationary member, one step refused, the
admission vote taken at a recorded meeting picked from the list."""

from __future__ import annotations

from typing import Any

import pytest

from dangjian.members.choices import MemberCategory
from dangjian.recruitment.models import Applicant
from dangjian.recruitment.tests.helpers import PATH, held_meeting

from .conftest import follow_nav

pytestmark = pytest.mark.browser


def _record(tab: Any, step: int, **fields: Any) -> None:
    """Fill the step form (the next step is preselected) and wait for the record to show it."""
    tab.locator("#id_on").fill(PATH[step].isoformat())
    for name, value in fields.items():
        if name == "members":
            tab.locator("#id_members").select_option(label=value)
        elif name == "meeting":
            tab.locator("#id_meeting").select_option(str(value))
        else:
            tab.locator(f"#id_{name}").fill(str(value))
    tab.get_by_role("button", name="记录此步骤").click()
    tab.locator(f'[data-step="{step}"][data-recorded]').wait_for()


def test_application_to_probationary_member(page: Any, sign_in: Any, county: Any) -> None:
    sign_in(page, "east")
    page.goto("/")
    follow_nav(page, "发展党员")
    page.get_by_role("link", name="登记入党申请").click()
    page.locator("#id_organization").select_option(label="东村党支部")
    page.locator("#id_name").fill("陈小明")
    page.locator("#id_id_number").fill("110101199805010010")
    page.locator("#id_applied_on").fill(PATH[1].isoformat())
    page.get_by_role("button", name="保存").click()
    page.get_by_test_id("stage").wait_for()
    assert page.get_by_test_id("stage").inner_text() == "入党申请人"

    # Choosing an activist before the talk is refused, naming the step that is due.
    # The choice reloads the form (htmx): wait for the new form, or the date typed next is lost.
    page.locator("#id_step").select_option("4")
    page.locator('#step-form[data-selected-step="4"]').wait_for()
    page.locator("#id_on").fill(PATH[4].isoformat())
    page.get_by_role("button", name="记录此步骤").click()
    errors = page.get_by_test_id("step-errors")
    errors.wait_for()
    assert "步骤顺序不对" in errors.inner_text()
    assert "（2）党组织派人谈话" in errors.inner_text()

    page.reload()
    _record(page, 2, people="张三")
    for step in (3, 4):
        _record(page, step)
    _record(page, 5, members=["李四"])
    _record(page, 6)
    for step in (7, 8):
        _record(page, step)
    _record(page, 9, members=["李四", "王五"])
    _record(page, 10)
    _record(page, 11, training_hours=24)
    # The vote is taken at the general meeting recorded under 组织生活: the secretary picks it
    # (its roll shows 应到 3, 实到 3) and types only the ballot.
    meeting = held_meeting(county, PATH[15])
    for step in (12, 13, 14):
        _record(page, step)
    page.locator('#step-form[data-selected-step="15"]').wait_for()
    assert "应到 3 人，实到 3 人" in page.locator("#id_meeting").inner_text()
    assert page.locator("#id_entitled").count() == 0
    _record(page, 15, meeting=meeting.pk, votes_for=3)
    assert "人数取自会议出席记录" in page.locator('[data-step="15"]').inner_text()
    _record(page, 16, people="镇党委组织委员")
    _record(page, 17)

    assert page.get_by_test_id("stage").inner_text() == "预备党员"
    applicant = Applicant.objects.get(name="陈小明")
    assert applicant.member is not None
    assert applicant.member.category == MemberCategory.PROBATIONARY
    assert applicant.member.joined_on == PATH[15]
    page.get_by_role("link", name="党员档案").click()
    page.get_by_test_id("timeline").wait_for()
    assert "新发展" in page.get_by_test_id("timeline").inner_text()
