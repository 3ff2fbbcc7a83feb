"""Migration 0004 stores the months of payments recorded before decision 0071, as the old
running total placed them: the ledger's months oldest first, then beyond it at the last amount."""

from __future__ import annotations

import datetime as dt
import importlib
from decimal import Decimal

from django.apps import apps

from dangjian.dues.models import Payment, PaymentMonth

from .conftest import generate

backfill = importlib.import_module("dangjian.dues.migrations.0004_payment_months_backfill")
JAN, FEB, MAR, APR, MAY = (dt.date(2026, m, 1) for m in range(1, 6))


def _old_payment(member, amount: str, paid_on: dt.date) -> Payment:
    """A payment as the old code wrote it: no months stored."""
    return Payment.objects.create(
        member=member,
        organization_id=member.memberships.get(is_latest=True).organization_id,
        paid_on=paid_on,
        amount=Decimal(amount),
        method="CASH",
    )


def test_backfill_replays_the_running_total_and_goes_back_cleanly(dues):
    generate(dues, JAN, FEB, MAR)
    later = _old_payment(dues.zhang, "48.00", dt.date(2026, 3, 5))  # entered first
    first = _old_payment(dues.zhang, "112.00", dt.date(2026, 2, 5))  # dated earlier
    backfill.forwards(apps, None)
    months = lambda p: list(  # noqa: E731
        PaymentMonth.objects.filter(payment=p).values_list("month", "amount")
    )
    # (paid_on, id) order: the February payment pays January to March and half of April.
    assert months(first) == [
        (JAN, Decimal("32.00")),
        (FEB, Decimal("32.00")),
        (MAR, Decimal("32.00")),
        (APR, Decimal("16.00")),
    ]
    # Beyond the ledger, at March's amount: the rest of April, then May.
    assert months(later) == [(APR, Decimal("16.00")), (MAY, Decimal("32.00"))]
    backfill.backwards(apps, None)
    assert not PaymentMonth.objects.exists()
