"""The home dashboard (issue 10) on a phone: a branch secretary follows 本月待办 to hold this
month's 主题党日 and sees it leave the list; a township sees its weakest branches by compliance."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from dangjian.activities import periods
from dangjian.activities.choices import ActivityKind, ActivityStatus
from dangjian.activities.models import Activity
from dangjian.core.dates import today

from .conftest import ARTIFACTS

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("page", ["phone"], indirect=True)
def test_branch_follows_its_todo_and_sees_it_done(page, county, sign_in):
    sign_in(page, "secretary")
    todos = page.get_by_test_id("todos")
    expect(todos).to_contain_text("本月还应召开：主题党日（0/1）")
    expect(todos).to_contain_text("本季度还应召开：支部党员大会（0/1）、党课（0/1）")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard-branch-todo.png"), full_page=True)

    todos.get_by_role("link", name=re.compile("本月还应召开")).click()
    expect(page.get_by_label("活动类型")).to_have_value(ActivityKind.THEME_DAY)
    page.get_by_label("主题").fill("重温入党誓词")
    page.get_by_label("日期").fill(today().isoformat())
    page.get_by_role("button", name="保存").click()
    page.get_by_role("link", name="记录召开情况").click()
    page.get_by_role("button", name="保存出席情况").click()
    expect(page.get_by_test_id("attendance-summary")).to_be_visible()

    page.goto("/")
    expect(page.get_by_test_id("todos")).not_to_contain_text("本月还应召开")
    expect(page.get_by_test_id("todos")).to_contain_text("本季度还应召开")
    assert Activity.objects.get(topic="重温入党誓词").status == ActivityStatus.HELD


def test_township_sees_the_branches_furthest_behind(page, county, sign_in):
    last = periods.quarter_of(periods.quarter_of(today()).start - dt.timedelta(days=1))
    for month in range(3):  # 东村 held every month's 主题党日 last quarter, 南村 nothing
        Activity.objects.create(
            organization=county.east_village,
            kind=ActivityKind.THEME_DAY,
            topic="主题党日",
            on=periods.month_start(last.start, month),
            status=ActivityStatus.HELD,
        )
    sign_in(page, "east")
    panel = page.get_by_test_id("dashboard-compliance")
    expect(panel).to_contain_text(f"{last.label}：党支部 2 个，全部完成 0 个")
    weakest = panel.get_by_test_id("compliance-weakest").locator("li")
    expect(weakest).to_have_count(2)
    expect(weakest.first).to_contain_text("南村党支部")
    expect(weakest.first).to_contain_text("主题党日 0/3")
    expect(weakest.nth(1)).not_to_contain_text("主题党日")
    expect(page.get_by_test_id("counted-at")).to_contain_text("统计")
    weakest.first.get_by_role("link").click()
    expect(page.get_by_role("heading", name=re.compile("南村党支部"))).to_be_visible()


def test_a_township_never_counted_sees_its_figures_come_by_themselves(
    page, county, sign_in, settings
):
    """A big township whose figures were never counted (decision 0287): its home card says
    they are being counted, and once the worker stored them the page reloads itself and shows
    them without the user doing anything."""
    from dangjian.site.testing import run_queued

    settings.DANGJIAN_BIG_SUBTREE_MEMBERS = 5  # 东镇 holds 5
    sign_in(page, "east")
    pending = page.get_by_test_id("figure-pending").first
    expect(pending).to_contain_text("正在后台统计本级及下级的数据")
    assert "dangjian.reports.tasks.overview_recount" in run_queued()  # the worker's round
    expect(page.get_by_test_id("overview-sentence")).to_contain_text("共有党员5名")
