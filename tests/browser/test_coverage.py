"""Coverage (issue 19): the county administrator registers a unit with its credit code and sees
the units with members but no party organization."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dangjian.members.models import Member

from .conftest import follow_nav

pytestmark = pytest.mark.browser


def test_county_sees_units_without_an_organization(page, county, sign_in):
    Member.objects.filter(pk__in=[county.zhang.pk, county.li.pk, county.wang.pk]).update(
        work_unit="宏达建材有限公司"
    )
    sign_in(page, "county")
    follow_nav(page, "覆盖")
    form = page.get_by_test_id("unit-form")
    form.get_by_label("单位名称").fill("宏达建材有限公司")
    form.get_by_label("统一社会信用代码").fill("91110000600037341M")
    form.get_by_label("单位类别").select_option(label="非公有制企业")
    form.get_by_role("button", name="保存").click()
    expect(page.get_by_test_id("unit-form")).to_contain_text("统一社会信用代码有误")
    page.get_by_test_id("unit-form").get_by_label("统一社会信用代码").fill("91110000600037341L")
    page.get_by_test_id("unit-form").get_by_role("button", name="保存").click()
    expect(page.locator(".alert-success")).to_contain_text("已登记单位")
    expect(page.get_by_test_id("units-standalone")).to_contain_text("宏达建材有限公司")
    expect(page.get_by_test_id("units-standalone")).to_contain_text("正式党员 3 名")
    expect(page.get_by_test_id("coverage-kinds")).to_contain_text("0%")
