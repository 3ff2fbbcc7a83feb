"""The dues demo step, on the small county: a year of ledger rows and payments, in SQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from dangjian.core.extensions import DemoContext
from dangjian.dues import demo, rules, selectors
from dangjian.dues.models import DuesProfile, LedgerEntry, Payment
from dangjian.site.testing import system_user


def test_demo_step_writes_a_year_of_dues_the_selectors_can_read(county):
    members = [county.zhang, county.li, county.wang, county.zhao, county.qian, county.sun]
    context = DemoContext(
        builder=system_user(),
        reference_day=dt.date(2026, 10, 1),
        county=county.county,
        branches=[county.east_village, county.south_village, county.west_village],
        members_by_branch={
            county.east_village.pk: members[:4],
            county.south_village.pk: [county.qian],
            county.west_village.pk: [county.sun],
        },
        progress=lambda _text: None,
    )
    demo.build(context)
    assert DuesProfile.objects.count() == 6
    # Twelve months up to the reference day's month (November 2025 – October 2026) for the
    # five full members; 赵六 joined (branch meeting) on 2026-06-01 and owes June to October.
    assert LedgerEntry.objects.count() == 5 * 12 + 5
    assert LedgerEntry.objects.latest("month").month == dt.date(2026, 10, 1)
    assert LedgerEntry.objects.earliest("month").month == dt.date(2025, 11, 1)
    # No payment is dated on or after the reference day.
    assert not Payment.objects.filter(paid_on__gte=dt.date(2026, 10, 1)).exists()
    assert LedgerEntry.objects.filter(member=county.zhao).earliest("month").month == dt.date(
        2026, 6, 1
    )
    entry = LedgerEntry.objects.filter(member=county.zhang).first()
    assert entry is not None
    profile = DuesProfile.objects.get(member=county.zhang)
    assert entry.profile == profile
    expected = selectors.profile_calculation(
        profile, entry.month, rules.Tables(), selectors.farmer_amount_of(county.east_village)
    )
    assert entry.amount_due == expected.amount
    assert Payment.objects.filter(amount__gt=0).exists()
    paid = selectors.dues_paid_until_many(m.pk for m in members)
    assert any(value is not None for value in paid.values())
    report = selectors.organization_report(county.county, 2026)
    assert report.due > Decimal("0")
    assert report.collected == sum(
        (p.amount for p in Payment.objects.filter(paid_on__year=2026)), Decimal("0")
    )
