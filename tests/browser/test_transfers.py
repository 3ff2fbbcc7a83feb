"""A transfer walked from draft to received in the browser, as the county's administrator.

It lives here, beside the browser harness, because a second copy of the session-wide browser
fixture in an app's tests cannot start while this one runs (one Playwright per session).
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from dangjian.members.models import Membership

pytestmark = pytest.mark.browser


def test_a_transfer_from_draft_to_received(page: Any, county: Any, sign_in: Any) -> None:
    sign_in(page, "county")
    page.goto(f"/members/{county.zhang.pk}/")
    page.get_by_role("link", name="转出组织关系").click()

    page.get_by_label("接收党组织（本系统内）").select_option(label="西村党支部")
    page.get_by_label("转接原因").fill("工作调动")
    page.get_by_role("button", name="确定").click()
    expect(page.get_by_test_id("state")).to_have_text("草稿")

    page.get_by_role("button", name="报上级审批").click()
    expect(page.get_by_test_id("state")).to_have_text("待转出方审批")
    page.get_by_role("button", name="审批同意").click()
    expect(page.get_by_test_id("state")).to_have_text("已审批，待开介绍信")

    page.get_by_label("党费交至（年-月）").fill("2026/9")
    page.get_by_role("button", name="开具介绍信").click()
    expect(page.get_by_role("alert").first).to_contain_text("年-月")
    page.get_by_label("党费交至（年-月）").fill("2026-09")
    page.get_by_role("button", name="开具介绍信").click()
    expect(page.get_by_test_id("state")).to_have_text("转出中")
    expect(page.get_by_role("link", name="打印介绍信（PDF）")).to_be_visible()

    page.get_by_role("button", name="接收", exact=True).click()
    expect(page.get_by_test_id("state")).to_have_text("已接收")
    expect(page.get_by_text("已办理，并记入转接记录和电子档案。")).to_be_visible()

    page.get_by_role("link", name="张三").first.click()
    expect(page.get_by_test_id("transfer-panel")).to_contain_text("已接收")
    current = Membership.objects.get(member=county.zhang, ended_on__isnull=True)
    assert current.organization == county.west_village
