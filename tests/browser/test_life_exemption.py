"""A branch secretary records that an old member is excused from organizational life."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from dangjian.activities.models import LifeExemption
from dangjian.core.dates import today

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("page", ["phone"], indirect=True)
def test_secretary_excuses_an_old_member_from_the_member_page(page, county, sign_in):
    sign_in(page, "secretary")
    page.goto(f"/members/{county.li.pk}/")
    page.get_by_role("link", name=re.compile("登记支部决定")).click()
    expect(page.get_by_role("heading", name=re.compile("免于参加组织生活"))).to_be_visible()
    page.get_by_label("原因").select_option(label="年老体弱")
    page.get_by_label("具体情况").fill("92岁，行动不便")
    page.get_by_label("支部决定").fill("支部委员会会议决定")
    decided = today() - dt.timedelta(days=3)
    page.get_by_label("决定日期").fill(decided.isoformat())
    page.get_by_label("复核日期").fill((decided + dt.timedelta(days=400)).isoformat())
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("alert")).to_contain_text("复核日期最迟为决定后一年")
    assert not LifeExemption.objects.exists()

    page.get_by_label("复核日期").fill((decided + dt.timedelta(days=180)).isoformat())
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("已登记免于参加组织生活的决定")).to_be_visible()
    expect(page.get_by_test_id("life-exemption")).to_contain_text("年老体弱")
    expect(page.get_by_test_id("timeline")).to_contain_text("免于参加组织生活")
