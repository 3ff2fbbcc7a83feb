"""The recruitment plan (issue 19): the county administrator sets the year's plan and follows
it against the record: the admissions with their mix, the warnings, each township."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dangjian.recruitment.tests.helpers import new_applicant, walk

from .conftest import follow_nav

pytestmark = pytest.mark.browser


def test_county_sets_a_plan_and_follows_it(page, county, sign_in):
    walk(county, new_applicant(county, name="甲", migrant_worker=True), 17)  # 2023-11-20
    sign_in(page, "county")
    follow_nav(page, "发展党员")
    page.get_by_role("link", name="发展党员计划").click()
    form = page.get_by_test_id("plan-form")
    form.get_by_label("党委").select_option(label="示范县委")
    form.get_by_label("年度").fill("2023")
    form.get_by_label("计划发展党员").fill("3")
    form.get_by_label("45周岁以下占比不低于（%）").fill("80")
    form.get_by_label("外出务工经商人员不少于（名）").fill("1")
    form.get_by_role("button", name="保存计划").click()
    expect(page.locator(".alert-success")).to_contain_text("已保存发展党员计划")
    table = page.get_by_test_id("plan-table")
    expect(table.get_by_role("row", name="发展党员")).to_contain_text("3")
    expect(table.get_by_role("row", name="外出务工经商人员")).to_contain_text("1")
    expect(page.get_by_test_id("plan-warnings")).to_contain_text(
        "已发展 1 名，计划 3 名，尚差 2 名"
    )
    expect(page.get_by_test_id("plan-children")).to_contain_text("东镇党委")
