"""A branch secretary records a payment of three months and sees 党费交至 move."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from dangjian.core.dates import today
from dangjian.dues import rules, selectors, services
from dangjian.dues.choices import DuesCategory
from dangjian.site.testing import system_user

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("page", ["phone"], indirect=True)
def test_secretary_records_three_months_and_paid_through_moves(page, county, sign_in):
    actor = system_user()
    services.profile_set(
        actor=actor,
        member=county.zhang,
        category=DuesCategory.EMPLOYED,
        base=Decimal("3200"),
        effective_from=dt.date(2026, 1, 1),
    )
    for month in (1, 2, 3, 4):
        services.ledger_generate(
            actor=actor, organization=county.east_village, month=dt.date(2026, month, 1)
        )
    sign_in(page, "secretary")
    page.goto(f"/members/{county.zhang.pk}/")
    panel = page.get_by_test_id("dues-panel")
    expect(panel.get_by_test_id("paid-through")).to_have_text("—")
    # Every month ended since January is owed, generated or not (docs/dues.md).
    owed = len(rules.months_between(dt.date(2026, 1, 1), selectors.months_ended_by(today())))
    expect(panel).to_contain_text(f"{Decimal('32.00') * owed:.2f}")

    panel.get_by_role("link", name=re.compile("登记交纳")).click()
    page.get_by_role("link", name="登记交纳").click()
    expect(page.get_by_role("heading", name=re.compile("登记交纳党费"))).to_be_visible()
    page.get_by_label("交几个月").fill("3")
    page.get_by_label("方式").select_option(label="转账")
    page.get_by_label("收据号").fill("DJ-2026-0001")
    page.get_by_role("button", name="登记").click()

    expect(page.get_by_text("已登记党费")).to_be_visible()
    expect(page.get_by_test_id("paid-through")).to_have_text("2026-03")
    payments = page.get_by_test_id("payments")
    expect(payments).to_contain_text("96.00")
    expect(payments).to_contain_text("2026-01 – 2026-03")

    page.goto(f"/members/{county.zhang.pk}/")
    expect(page.get_by_test_id("dues-panel").get_by_test_id("paid-through")).to_have_text("2026-03")
    expect(page.get_by_test_id("timeline")).to_contain_text("交至 2026-03")
