"""The months each existing payment paid, replayed as the running total placed them before
decision 0071: the member's ledger rows in order, filled oldest first by their payments in
(paid_on, id) order. Money beyond the last ledger row goes to the following months at that
row's amount (the same profile, as the old projection assumed); a member with payments but no
ledger row has the payment's whole amount on the month it was paid. Reversible: going back
deletes the rows (the running total needs none)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db import migrations

ZERO = Decimal("0")


def _next(month: dt.date) -> dt.date:
    return dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    LedgerEntry = apps.get_model("dues", "LedgerEntry")
    Payment = apps.get_model("dues", "Payment")
    PaymentMonth = apps.get_model("dues", "PaymentMonth")
    ledger: dict[int, list[list]] = defaultdict(list)  # member → [month, remaining due]
    last_due: dict[int, Decimal] = {}
    for member_id, month, due in (
        LedgerEntry.objects.order_by("member_id", "month")
        .values_list("member_id", "month", "amount_due")
        .iterator(chunk_size=5000)
    ):
        ledger[member_id].append([month, due])
        last_due[member_id] = due
    rows = []
    for payment_id, member_id, paid_on, amount in (
        Payment.objects.filter(amount__gt=0)
        .order_by("member_id", "paid_on", "id")
        .values_list("id", "member_id", "paid_on", "amount")
        .iterator(chunk_size=5000)
    ):
        lines = ledger[member_id]
        left = amount
        for line in lines:
            if left <= 0:
                break
            part = min(line[1], left)
            if part > 0:
                rows.append(
                    PaymentMonth(
                        payment_id=payment_id, member_id=member_id, month=line[0], amount=part
                    )
                )
                line[1] -= part
                left -= part
        if left > 0 and lines:
            # Prepaid beyond the ledger: the following months at the last row's amount.
            month = lines[-1][0]
            monthly = last_due.get(member_id, ZERO)
            while left > 0 and monthly > 0:
                month = _next(month)
                step = min(monthly, left)
                lines.append([month, monthly - step])
                rows.append(
                    PaymentMonth(
                        payment_id=payment_id, member_id=member_id, month=month, amount=step
                    )
                )
                left -= step
        if left > 0:
            rows.append(
                PaymentMonth(
                    payment_id=payment_id,
                    member_id=member_id,
                    month=paid_on.replace(day=1),
                    amount=left,
                )
            )
        if len(rows) >= 5000:
            PaymentMonth.objects.bulk_create(rows, ignore_conflicts=True)
            rows = []
    PaymentMonth.objects.bulk_create(rows, ignore_conflicts=True)


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("dues", "PaymentMonth").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("dues", "0003_payment_months")]

    operations = [migrations.RunPython(forwards, backwards)]
