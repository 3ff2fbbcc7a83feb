"""Alert rules over organizational life, dues, transfers and mobile members: both sides of each."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import time_machine

from dangjian.alerts.engine import RULES
from dangjian.certificates.services import certificate_issue
from dangjian.dues import services as dues_services
from dangjian.dues.choices import DuesCategory
from dangjian.site.testing import system_user
from dangjian.transfers import mobile
from dangjian.transfers.choices import OutflowReason
from dangjian.transfers.tests.helpers import issued


def subjects(rule: str, root: Any, on: dt.date) -> set[str]:
    return {case.subject for case in RULES[rule].find(root, on)}


def test_six_months_without_organizational_life(county: Any) -> None:
    # Nobody in the small county has attended anything: every member who joined more than six
    # months before is listed; 赵六 joined on 2026-06-01, within the window, and is not.
    found = subjects("no_life", county.county, dt.date(2026, 11, 24))
    assert f"member:{county.zhang.pk}" in found
    assert f"member:{county.zhao.pk}" not in found
    assert f"member:{county.zhao.pk}" in subjects("no_life", county.county, dt.date(2026, 12, 2))


def test_six_months_without_dues(county: Any) -> None:
    with time_machine.travel(dt.datetime(2026, 11, 15, 10, tzinfo=dt.UTC), tick=False):
        dues_services.profile_set(
            actor=system_user(),
            member=county.zhang,
            category=DuesCategory.EMPLOYED,
            base=Decimal("3200"),
            effective_from=dt.date(2026, 1, 1),
        )
        for month in range(1, 12):
            dues_services.ledger_generate(
                actor=system_user(), organization=county.county, month=dt.date(2026, month, 1)
            )
        # Paid January to April: May to October (6 months) unpaid on 2026-11-24.
        dues_services.payment_record(
            actor=system_user(),
            member=county.zhang,
            amount=Decimal("128.00"),
            paid_on=dt.date(2026, 11, 15),
            method="CASH",
        )
        assert f"member:{county.zhang.pk}" in subjects(
            "no_dues", county.county, dt.date(2026, 11, 24)
        )
        dues_services.payment_record(
            actor=system_user(),
            member=county.zhang,
            amount=Decimal("32.00"),
            paid_on=dt.date(2026, 11, 15),
            method="CASH",
        )
        assert f"member:{county.zhang.pk}" not in subjects(
            "no_dues", county.county, dt.date(2026, 11, 24)
        )


def test_letters_in_transit_too_long_and_about_to_expire(county: Any) -> None:
    transfer = issued(county.east_secretary, county.east_admin, county.li, county.west_village)
    assert transfer.issued_on is not None
    assert transfer.valid_until is not None
    long_after = transfer.issued_on + dt.timedelta(days=31)
    assert f"transfer:{transfer.pk}:long" in subjects("transfer", county.county, long_after)
    assert f"transfer:{transfer.pk}:long" not in subjects(
        "transfer", county.county, transfer.issued_on + dt.timedelta(days=30)
    )
    assert f"transfer:{transfer.pk}:expiring" in subjects(
        "transfer", county.county, transfer.valid_until - dt.timedelta(days=14)
    )
    assert f"transfer:{transfer.pk}:expiring" not in subjects(
        "transfer", county.county, transfer.valid_until - dt.timedelta(days=15)
    )


def test_mobile_members_silent_or_without_a_certificate(county: Any) -> None:
    mobile.outflow_create(
        actor=county.east_secretary,
        member=county.wang,
        region_code="440300",
        left_on=dt.date(2026, 1, 5),
        reason=OutflowReason.WORK,
    )
    subject = f"member:{county.wang.pk}"
    assert subject in subjects("mobile_no_card", county.county, dt.date(2026, 11, 24))
    certificate_issue(actor=county.east_secretary, member=county.wang)
    assert subject not in subjects("mobile_no_card", county.county, dt.date(2026, 11, 24))
    assert subject in subjects("mobile_silent", county.county, dt.date(2026, 7, 6))
    assert subject not in subjects("mobile_silent", county.county, dt.date(2026, 7, 4))


def test_compliance_behind_in_the_last_quarter(county: Any) -> None:
    found = subjects("compliance", county.county, dt.date(2026, 11, 24))
    # No meeting was recorded anywhere: every branch is behind for the third quarter.
    assert f"org:{county.east_village.pk}:2026-07-01" in found
    assert all(not s.startswith(f"org:{county.east.pk}:") for s in found)
