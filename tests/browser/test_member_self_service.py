"""A mobile member, on a phone, tells the branch where they are and asks for help; the branch
secretary finds both under 本月待办 and takes the request up (issue 23).

Screenshots at 390×844 go to docs/screenshots/ with DANGJIAN_SCREENSHOTS=docs/screenshots.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from dangjian.care.models import HelpRequest, HelpStatus
from dangjian.core.dates import today
from dangjian.transfers import mobile
from dangjian.transfers.choices import OutflowReason
from dangjian.transfers.models import Outflow

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("DANGJIAN_SCREENSHOTS", "")


def shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"self-service-{name}.png"), full_page=True)


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, (
        f"{page.url} scrolls sideways on a phone"
    )


@pytest.mark.parametrize("page", ["phone"], indirect=True)
def test_a_mobile_member_reports_and_asks_for_help_and_the_secretary_takes_it_up(
    page, browser, live_server, county, sign_in
):
    mobile.outflow_create(
        actor=county.east_secretary,
        member=county.zhang,
        region_code="440300",
        left_on=today() - dt.timedelta(days=250),
        reason=OutflowReason.WORK,
        work_unit="深圳某电子厂",
    )
    sign_in(page, "zhangsan")
    page.goto("/me/")
    expect(page.get_by_test_id("portal-keep-in-touch")).to_contain_text("深圳")
    no_sideways_scroll(page)
    shot(page, "home")

    page.get_by_test_id("report-link").click()
    page.get_by_label("现在所在地（省、地市）").select_option("330200")
    page.get_by_label("工作单位（可不填）").fill("宁波港某物流公司")
    page.get_by_label("联系电话（可不填）").fill("13900002222")
    expect(page.get_by_label("一切安好")).to_be_checked()
    no_sideways_scroll(page)
    shot(page, "report")
    page.get_by_role("button", name="发送给支部").click()
    expect(page.get_by_text("已告诉支部，谢谢。")).to_be_visible()
    expect(page.get_by_test_id("portal-keep-in-touch")).to_contain_text("宁波")

    page.get_by_test_id("help-link").click()
    page.get_by_label("需要什么帮助").fill("母亲住院，需要帮忙联系护工")
    page.get_by_label("紧急", exact=True).check()
    no_sideways_scroll(page)
    shot(page, "help")
    page.get_by_role("button", name="提交求助").click()
    expect(page.get_by_test_id("portal-help")).to_contain_text("待处理")

    secretary = browser.new_context(
        locale="zh-CN",
        base_url=live_server.url,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )
    desk = secretary.new_page()
    sign_in(desk, "secretary")
    desk.goto("/")
    todos = desk.get_by_test_id("todos").first
    expect(todos).to_contain_text("1 份流动党员近况报告待查看")
    expect(todos).to_contain_text("1 条党员困难求助待受理，其中 1 条紧急")
    shot(desk, "todos")

    todos.get_by_role("link", name="1 份流动党员近况报告待查看").click()
    expect(desk.get_by_test_id("outflow-reports")).to_contain_text("宁波港某物流公司")
    expect(desk.get_by_test_id("outflow-reports")).to_contain_text("139******22")
    desk.get_by_role("button", name="已阅").click()
    expect(desk.get_by_test_id("outflow-reports")).to_contain_text("暂无近况报告")

    desk.goto("/")
    desk.get_by_test_id("todos").first.get_by_role("link", name="困难求助待受理").click()
    expect(desk.get_by_test_id("help-requests")).to_contain_text("母亲住院")
    desk.get_by_test_id("take-up").click()
    expect(desk.get_by_label("内容")).to_have_value("母亲住院，需要帮忙联系护工")
    desk.get_by_label("内容").fill("联系村卫生室护工，支部委员轮流探望")
    no_sideways_scroll(desk)
    shot(desk, "take-up")
    desk.get_by_role("button", name="受理并登记帮扶").click()
    expect(desk.get_by_test_id("help-requests")).to_contain_text("已受理")
    desk.goto("/")
    expect(desk.get_by_text("困难求助待受理")).to_have_count(0)
    secretary.close()

    page.goto("/me/")
    expect(page.get_by_test_id("portal-help")).to_contain_text("已受理")
    assert Outflow.objects.get(member=county.zhang).region_code == "330200"
    request = HelpRequest.objects.get(member=county.zhang)
    assert request.status == HelpStatus.TAKEN_UP
    assert request.assistance is not None
    assert request.assistance.description.startswith("联系村卫生室")
