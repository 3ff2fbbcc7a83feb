"""A member uses the portal on a phone to ask for a correction; the branch secretary approves it.

The screenshots this test takes at 390×844 are the ones in docs/screenshots/ (set
DANGJIAN_SCREENSHOTS=docs/screenshots to refresh them).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from dangjian.members.models import Member

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("DANGJIAN_SCREENSHOTS", "")


def shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"portal-{name}.png"), full_page=True)


@pytest.mark.parametrize("page", ["phone"], indirect=True)
def test_member_requests_a_correction_and_the_secretary_approves(
    page, browser, live_server, county, sign_in
):
    sign_in(page, "zhangsan")
    page.goto("/me/")
    expect(page.get_by_test_id("my-card")).to_contain_text("张三")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, (
        "the portal scrolls sideways on a phone"
    )
    shot(page, "home")
    page.get_by_role("link", name="我的信息与更正申请").click()
    expect(page.get_by_test_id("my-info")).to_contain_text("138******78")
    shot(page, "info")
    page.get_by_role("link", name="申请更正").click()
    page.get_by_label("要更正的项目").select_option(label="工作单位")
    page.get_by_label("应更正为").fill("宁都县东村村民委员会")
    page.get_by_label("说明（可不填）").fill("2025年起在村委会工作")
    shot(page, "correction")
    page.get_by_role("button", name="提交申请").click()
    expect(page.get_by_test_id("my-corrections")).to_contain_text("待处理")

    secretary = browser.new_context(locale="zh-CN", base_url=live_server.url)
    desk = secretary.new_page()
    sign_in(desk, "secretary")
    desk.goto(county.east_village.get_absolute_url())
    panel = desk.get_by_test_id("panel-corrections")
    expect(panel).to_contain_text("宁都县东村村民委员会")
    panel.get_by_role("link", name="处理").click()
    expect(desk.get_by_label("更正后的内容")).to_have_value("宁都县东村村民委员会")
    desk.get_by_role("button", name="核实无误，更正").click()
    expect(desk.get_by_test_id("pending-corrections")).to_contain_text("没有待处理的更正申请")
    desk.goto(county.zhang.get_absolute_url())
    timeline = desk.get_by_test_id("timeline")
    expect(timeline).to_contain_text("本人申请更正工作单位")
    expect(timeline).to_contain_text("更正申请已采纳")
    secretary.close()

    page.goto("/me/info")
    expect(page.get_by_test_id("my-corrections")).to_contain_text("已更正")
    expect(page.get_by_test_id("my-info")).to_contain_text("宁都县东村村民委员会")
    shot(page, "info-after")
    assert Member.objects.get(pk=county.zhang.pk).work_unit == "宁都县东村村民委员会"
