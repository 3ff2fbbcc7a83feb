"""软弱涣散 criteria (issue 19): the county administrator changes a line on a phone, is told in
Chinese when the value is out of range, and sees the change in the history."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dangjian.rectification.defaults import seed_criteria
from dangjian.rectification.models import Criterion

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("page", ["phone"], indirect=True)
def test_county_changes_a_criterion_and_sees_the_history(page, county, sign_in):
    seed_criteria(Criterion)  # a transactional test before this one flushed the seeded rows
    sign_in(page, "county")
    page.goto("/rectification/criteria")
    row = page.locator("[data-indicator=dues_rate]")
    expect(row).to_contain_text("本地做法")
    row.get_by_role("link", name="修改").click()
    expect(page.get_by_role("main")).to_contain_text("中组发〔2008〕3号")  # the source
    page.get_by_label("标准").fill("180")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("main")).to_contain_text("标准须在 0 到 100 之间")
    page.get_by_label("标准").fill("70")
    page.get_by_label("说明").fill("县委组织部部务会决定")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_test_id("criteria-history")).to_contain_text("80.0 → 70.0")
    expect(page.get_by_test_id("criteria-history")).to_contain_text("县委组织部部务会决定")
    assert Criterion.objects.get(indicator="dues_rate").threshold == 70
