"""Statistics (issue 9): a township administrator opens the statistics, sees the charts drawn,
follows a number to the members behind it, and picks an earlier date.

Kept in tests/browser so it shares the session's one Playwright instance: a second `browser`
fixture defined in an app's test module starts a second Playwright in the same thread, which
fails when both run in one session."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import follow_nav

pytestmark = pytest.mark.browser


def test_statistics_charts_and_a_number_to_its_members(page, county, sign_in):
    sign_in(page, "east")
    follow_nav(page, "统计")
    expect(page.get_by_role("heading", name=re.compile("东镇党委 · 党内统计"))).to_be_visible()
    expect(page.get_by_test_id("report-summary")).to_contain_text("共有党员5名")
    for chart in ("pyramid", "education", "years", "kinds"):
        drawn = page.locator(f'.dj-chart[data-chart="{chart}"]')
        expect(drawn).to_have_attribute("data-ready", "true")
        expect(drawn.locator("svg")).to_have_count(1)  # ECharts drew it
    # 女 column of the total row: one woman, 王五.
    page.locator('[data-table="members"] [data-row="total"] td').nth(1).get_by_role("link").click()
    expect(page.get_by_test_id("result-count")).to_have_text("共 1 名党员")
    expect(page.get_by_role("link", name="王五")).to_be_visible()
    page.go_back()
    page.get_by_label("统计截止日").fill("2026-01-01")
    page.get_by_role("button", name="统计", exact=True).click()
    expect(page.get_by_test_id("report-summary")).to_contain_text("共有党员4名")


@pytest.mark.parametrize("page", ["phone"], indirect=True)
def test_statistics_on_a_phone(page, county, sign_in):
    sign_in(page, "east")
    page.goto(f"/reports/organizations/{county.east.pk}/report/")
    expect(page.get_by_test_id("report-summary")).to_be_visible()
    expect(page.locator('.dj-chart[data-chart="pyramid"]')).to_have_attribute("data-ready", "true")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1, "the page scrolls sideways on a phone"
