"""Dues retained below: the share of the dues an organization collected, its uses by category
(decided collectively, never beyond the balance), beside the work funds; the ledger and the
subtree's table export the page's figures, audited."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client, override_settings
from django.urls import reverse
from python_calamine import CalamineWorkbook

from dangjian.audit.models import AuditEvent
from dangjian.core.dates import today
from dangjian.dues.models import Payment
from dangjian.funds import selectors, services
from dangjian.funds.choices import Category, DuesUse, EntryKind

YEAR = today().year


def pay(county: Any, member: Any, on: dt.date, amount: str, voluntary: str = "0") -> None:
    Payment.objects.create(
        member=member,
        organization=county.east_village,
        paid_on=on,
        amount=Decimal(amount),
        voluntary_amount=Decimal(voluntary),
        to_central=Decimal(voluntary) >= 1000,
        method="CASH",
    )


def use(county: Any, amount: str, on: dt.date | None = None, **extra: Any) -> Any:
    values = {
        "actor": county.east_secretary,
        "organization": county.east_village,
        "category": DuesUse.HARDSHIP,
        "on": on or today(),
        "amount": Decimal(amount),
        "description": "春节慰问生活困难党员",
        "decided_by": "支部委员会",
    } | extra
    return services.dues_use_record(**values)


def sheets(body: bytes) -> list[list[list[Any]]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(body))
    return [book.get_sheet_by_index(i).to_python() for i in range(len(book.sheet_names))]


@override_settings(DANGJIAN_RULES={"dues_retained_share": "0.4"})
def test_retained_dues_and_their_uses(county: Any) -> None:
    pay(county, county.zhang, dt.date(YEAR - 1, 6, 1), "100")  # last year: 40 kept
    pay(county, county.li, today(), "200", voluntary="50")  # 250 remitted-able: 100 kept
    pay(county, county.li, today(), "10", voluntary="1000")  # the 1000 goes to the centre
    use(county, "15", on=dt.date(YEAR - 1, 12, 1))
    use(county, "30")
    kept = selectors.retained_for(county.east_village, YEAR)
    assert kept.collected == Decimal("260.00")
    assert kept.retained == Decimal("104.00")
    assert kept.opening == Decimal("25.00")  # 40 kept, 15 used
    assert kept.used == {DuesUse.HARDSHIP: Decimal("30.00")}
    assert kept.balance == Decimal("99.00")
    with pytest.raises(ValidationError) as refused:
        use(county, "99.01")
    assert refused.value.error_dict["amount"][0].code == "insufficient_balance"
    with pytest.raises(ValidationError):
        use(county, "5", decided_by=" ")
    with pytest.raises(PermissionDenied):
        use(county, "5", actor=county.west_admin)
    # The township (which collected nothing itself) sums its branches.
    total = selectors.retained_summary(county.east, YEAR).total
    assert (total.retained, total.balance) == (Decimal("104.00"), Decimal("99.00"))


@override_settings(DANGJIAN_RULES={"dues_retained_share": "0.5"})
def test_the_exports_hold_the_page_figures_and_are_audited(county: Any) -> None:
    pay(county, county.zhang, today(), "80")
    use(county, "12.50", category=DuesUse.TRAINING)
    services.entry_record(
        actor=county.east_admin,
        organization=county.east_village,
        kind=EntryKind.ALLOCATION,
        category=Category.HIGHER_LEVEL,
        on=today(),
        amount=Decimal("120"),
        description="乡镇下拨",
    )
    client = Client()
    client.force_login(county.east_admin)
    page = client.get(reverse("funds:ledger", args=[county.east_village.pk]))
    assert page.context["kept"].balance == Decimal("27.50")
    summary, entries, uses = sheets(
        client.get(reverse("funds:ledger_export", args=[county.east_village.pk])).content
    )
    figures = {row[0]: row[1] for row in summary[3:]}
    assert figures["收到拨付合计"] == 120
    assert figures["按比例留存"] == 40
    assert figures["留存党费结余"] == 27.5
    assert entries[3][:4] == [today(), "拨付收入", "上级党组织拨付", 120]
    assert uses[3][1:3] == ["培训党员", 12.5]
    index = client.get(reverse("funds:index"), {"org": county.east.pk})
    funds_table, kept_table = sheets(
        client.get(reverse("funds:export"), {"org": county.east.pk}).content
    )
    rows = {row[0]: row for row in funds_table[3:]}
    page_rows = {r.organization.name: r for r in index.context["summary"].rows}
    assert rows["东村党支部"][4] == float(page_rows["东村党支部"].received_total)
    assert rows["合计"][2] == float(index.context["summary"].total.standard)
    assert kept_table[-1][1:] == [80, 40, 0, 12.5, 27.5]
    assert AuditEvent.objects.filter(action="EXPORT", actor=county.east_admin).count() == 2
    other = Client()
    other.force_login(county.west_admin)
    export = reverse("funds:ledger_export", args=[county.east_village.pk])
    assert other.get(export).status_code == 404
