"""Work funds (issue 19): the county administrator reads the funds of the county against the
standard, opens a branch's ledger and sees it below the standard."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from dangjian.core.dates import today
from dangjian.funds import services
from dangjian.funds.choices import Category, EntryKind

from .conftest import follow_nav

pytestmark = pytest.mark.browser


def test_county_reads_the_funds_ledger(page, county, sign_in):
    for organization, amount in ((county.east_village, "200"), (county.south_village, "10")):
        services.entry_record(
            actor=county.county_admin,
            organization=organization,
            kind=EntryKind.ALLOCATION,
            category=Category.HIGHER_LEVEL,
            on=today(),
            amount=Decimal(amount),
            description="乡镇党委下拨党建工作经费",
        )
    sign_in(page, "county")
    follow_nav(page, "经费")
    table = page.get_by_test_id("funds-table")
    expect(table.locator('[data-below="true"]')).to_contain_text(["南村党支部", "西村党支部"])
    table.get_by_role("link", name="南村党支部").click()
    expect(page.get_by_test_id("funds-below")).to_contain_text(
        "收到拨付 10.00 元，低于标准 30.00 元"
    )
    # The work-funds form (the retained-dues form below it has a 保存 button of its own).
    form = page.get_by_test_id("funds-form")
    form.get_by_label("类型").select_option(label="支出")
    form.get_by_label("类别").select_option(label="组织活动")
    form.get_by_label("金额（元）").fill("4.50")
    form.get_by_label("摘要").fill("主题党日")
    form.get_by_role("button", name="保存").click()
    expect(page.locator(".alert-success")).to_contain_text("已记入经费台账")
    expect(page.get_by_test_id("funds-balance")).to_have_text("5.50")
