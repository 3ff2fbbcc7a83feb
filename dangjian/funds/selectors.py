"""Reads of the work-fund ledgers: one organization's year, and a subtree's summary (the page,
the report and the alert read the same function)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, QuerySet, Sum

from dangjian.accounts.scope import ScopedQuerySet
from dangjian.core.dates import today
from dangjian.members.selectors import roster_on
from dangjian.organizations.models import Organization

from .choices import Category, EntryKind
from .models import FundEntry

ZERO = Decimal("0.00")
CENT = Decimal("0.01")


def per_member_standard() -> Decimal:
    """The yearly work funds an organization should receive per member: DANGJIAN_RULES
    ["funds_per_member_yearly"], default 30 yuan (the seed: 党员每年人均不低于30元)."""
    value = getattr(settings, "DANGJIAN_RULES", {}).get("funds_per_member_yearly", 30)
    return Decimal(str(value))


def check_day(year: int) -> dt.date:
    """From this day an organization that has received less than its standard is an alert
    (DANGJIAN_RULES["funds_check_month"], default 7: the second half of the year)."""
    month = getattr(settings, "DANGJIAN_RULES", {}).get("funds_check_month", 7)
    return dt.date(year, month, 1)


def scoped_entries(user: Any) -> ScopedQuerySet[FundEntry]:
    return FundEntry.objects.restrict(user)


@dataclass
class Ledger:
    """One organization's year: its own members and standard, what it received and spent."""

    organization: Organization
    year: int
    on: dt.date
    members: int
    standard: Decimal
    opening: Decimal
    received: dict[str, Decimal] = field(default_factory=dict)
    spent: dict[str, Decimal] = field(default_factory=dict)

    @property
    def received_total(self) -> Decimal:
        return sum(self.received.values(), ZERO)

    @property
    def spent_total(self) -> Decimal:
        return sum(self.spent.values(), ZERO)

    @property
    def balance(self) -> Decimal:
        return self.opening + self.received_total - self.spent_total

    @property
    def shortfall(self) -> Decimal:
        return max(self.standard - self.received_total, ZERO)

    @property
    def below_standard(self) -> bool:
        return self.members > 0 and self.received_total < self.standard


def _day(year: int, on: dt.date | None) -> dt.date:
    return min(on or today(), dt.date(year, 12, 31))


def ledgers(
    root: Organization, organizations: list[Organization], year: int, on: dt.date | None = None
) -> dict[int, Ledger]:
    """The ledgers of organizations of `root`'s subtree for a year up to `on` (two queries).
    An organization's standard counts its own members on the roster on the day (直属党员)."""
    day = _day(year, on)
    ids = [o.pk for o in organizations]
    members: dict[int, int] = defaultdict(int)
    counts = (
        roster_on(root, day)
        .filter(organization_id__in=ids)
        .values("organization_id")
        .annotate(n=Count("id"))
        .values_list("organization_id", "n")
    )
    members.update(dict(counts))
    standard = per_member_standard()
    result = {
        o.pk: Ledger(o, year, day, members[o.pk], (members[o.pk] * standard).quantize(CENT), ZERO)
        for o in organizations
    }
    start = dt.date(year, 1, 1)
    rows = (
        FundEntry.objects.filter(organization_id__in=ids, on__lte=day)
        .values("organization_id", "kind", "category", "on__year")
        .annotate(total=Sum("amount"))
        .values_list("organization_id", "kind", "category", "on__year", "total")
    )
    for organization_id, kind, category, entry_year, amount in rows:
        ledger = result[organization_id]
        total = Decimal(amount).quantize(CENT)  # SQLite sums without the scale
        sign = 1 if kind == EntryKind.ALLOCATION else -1
        if entry_year < start.year:
            ledger.opening += sign * total
        elif kind == EntryKind.ALLOCATION:
            ledger.received[category] = ledger.received.get(category, ZERO) + total
        else:
            ledger.spent[category] = ledger.spent.get(category, ZERO) + total
    return result


def ledger(organization: Organization, year: int, on: dt.date | None = None) -> Ledger:
    return ledgers(organization, [organization], year, on)[organization.pk]


def entries(organization: Organization, year: int) -> QuerySet[FundEntry]:
    return (
        FundEntry.objects.filter(organization=organization, on__year=year)
        .select_related("recorded_by")
        .order_by("on", "pk")
    )


@dataclass
class Summary:
    rows: list[Ledger]
    total: Ledger

    @property
    def below(self) -> list[Ledger]:
        return [r for r in self.rows if r.below_standard]


def subtree_summary(organization: Organization, year: int, on: dt.date | None = None) -> Summary:
    """Every organization of the subtree that has members or ledger lines, with its ledger,
    and the sums."""
    organizations = list(
        Organization.objects.under(organization.path)
        .filter(dissolved_on__isnull=True)
        .order_by("path")
    )
    found = ledgers(organization, organizations, year, on)
    rows = [
        found[o.pk]
        for o in organizations
        if found[o.pk].members or found[o.pk].received or found[o.pk].spent or found[o.pk].opening
    ]
    total = Ledger(
        organization,
        year,
        _day(year, on),
        sum(r.members for r in rows),
        sum((r.standard for r in rows), ZERO),
        sum((r.opening for r in rows), ZERO),
    )
    for row in rows:
        for category, amount in row.received.items():
            total.received[category] = total.received.get(category, ZERO) + amount
        for category, amount in row.spent.items():
            total.spent[category] = total.spent.get(category, ZERO) + amount
    return Summary(rows, total)


def category_label(category: str) -> str:
    return str(Category(category).label)
