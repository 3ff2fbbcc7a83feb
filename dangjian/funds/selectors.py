"""Reads of the work-fund ledgers: one organization's year, and a subtree's summary (the page,
the report and the alert read the same function)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Round

from dangjian.accounts.scope import ScopedQuerySet
from dangjian.core.dates import today
from dangjian.core.extensions import figures
from dangjian.members.selectors import roster_on
from dangjian.organizations.models import Organization

from .choices import Category, DuesUse, EntryKind
from .models import FundEntry, RetainedDuesUse

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


# --- the report's sums, counted in the database ----------------------------------------------------


@dataclass
class SubtreeTotals:
    """`subtree_summary` without its rows: the sums (`total`) and how many organizations are
    below the standard (`below`)."""

    total: Ledger
    below: int


def _money(value: Any) -> Decimal:
    """A sum read from the database as Decimal to the cent (SQLite sums without the scale)."""
    return ZERO if value is None else Decimal(value).quantize(CENT)


class _PerGroup(ExpressionWrapper):
    """An expression of a grouped query's group (a subquery correlated to the grouped column)
    that is not itself grouped by: Django groups by every expression it does not aggregate,
    and PostgreSQL then runs the subquery for every row before grouping (430,000 times at a
    tenth of a province) instead of once a group."""

    def get_group_by_cols(self) -> list[Any]:
        return []


def subtree_totals(
    organization: Organization, year: int, on: dt.date | None = None
) -> SubtreeTotals:
    """The sums of `subtree_summary` and the number of its organizations below the standard,
    counted in the database: the annual report reads only these, and at a province's scale
    building every organization's ledger took a second (issue 20, decision 0278). The same
    figures, in two queries:

    - the members on the roster on the day and, of the organizations with members, those whose
      allocations of the year up to the day are under members × the standard: one query
      grouping the roster by organization, each group's allocations a subquery, summed over
      the groups (compared in whole cents, so SQLite's floating sums compare exactly too);
    - the money: one query grouping the ledger lines by kind and category, this year's and
      earlier years' apart.

    A standard with fractions of a cent is rounded for each organization (`Ledger.standard`):
    then the ledgers are summed (`subtree_summary`). Organizations as there: the subtree's, not
    dissolved."""
    standard = per_member_standard()
    if standard != standard.quantize(CENT):
        summary = subtree_summary(organization, year, on)
        return SubtreeTotals(summary.total, len(summary.below))
    day = _day(year, on)
    start = dt.date(year, 1, 1)
    money: DecimalField[Any, Any] = DecimalField(max_digits=20, decimal_places=2)
    received = (
        FundEntry.objects.filter(
            organization_id=OuterRef("organization_id"),
            kind=EntryKind.ALLOCATION,
            on__gte=start,
            on__lte=day,
        )
        .order_by()
        .values("organization_id")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    counts = (
        roster_on(organization, day)
        .filter(organization__dissolved_on__isnull=True)
        .order_by()
        .values("organization_id")
        .annotate(
            members=Count("pk"),
            received_cents=_PerGroup(
                Round(Coalesce(Subquery(received), Value(ZERO), output_field=money) * 100),
                output_field=money,
            ),
        )
        .aggregate(
            on_roster=Sum("members"),
            below=Count(
                "organization_id",
                filter=Q(received_cents__lt=F("members") * Value(standard * 100)),
            ),
        )
    )
    members = counts["on_roster"] or 0
    total = Ledger(organization, year, day, members, (members * standard).quantize(CENT), ZERO)
    lines = (
        FundEntry.objects.within(organization)
        .filter(organization__dissolved_on__isnull=True, on__lte=day)
        .order_by()
        .values("kind", "category")
        .annotate(
            earlier=Sum("amount", filter=Q(on__lt=start)),
            this_year=Sum("amount", filter=Q(on__gte=start)),
        )
        .values_list("kind", "category", "earlier", "this_year")
    )
    for kind, category, earlier, this_year in lines:
        allocation = kind == EntryKind.ALLOCATION
        total.opening += _money(earlier) if allocation else -_money(earlier)
        if this_year is not None:
            (total.received if allocation else total.spent)[category] = _money(this_year)
    return SubtreeTotals(total, counts["below"])


def category_label(category: str) -> str:
    return str(Category(category).label)


# --- dues retained below (党费留存与使用) ------------------------------------------------------


def retained_share() -> Decimal:
    """The share of the dues it collects that an organization keeps for its own uses:
    DANGJIAN_RULES["dues_retained_share"], default 0.5. Local practice (本地做法): the 2008 rules
    leave the share handed up by grassroots committees and county committees to each province's
    committee (中组发〔2008〕3号); the county sets its own here."""
    value = getattr(settings, "DANGJIAN_RULES", {}).get("dues_retained_share", "0.5")
    return Decimal(str(value))


@dataclass
class RetainedDues:
    """One organization's retained dues in a year: the dues it collected, the share it keeps,
    what it used them for by category and what is left (earlier years carried over)."""

    organization: Organization
    year: int
    collected: Decimal
    retained: Decimal
    opening: Decimal
    used: dict[str, Decimal] = field(default_factory=dict)

    @property
    def used_total(self) -> Decimal:
        return sum(self.used.values(), ZERO)

    @property
    def balance(self) -> Decimal:
        return self.opening + self.retained - self.used_total


def _keep(amount: Decimal, share: Decimal) -> Decimal:
    return (amount * share).quantize(CENT, ROUND_HALF_UP)


def retained_dues(
    organizations: list[Organization], year: int, on: dt.date | None = None
) -> dict[int, RetainedDues]:
    """The retained dues of each organization for a year up to `on`: the share of the dues it
    collected itself (收缴党组织, so a committee and its branches are never counted twice), less
    the uses recorded. Without the dues app nothing is retained."""
    day = _day(year, on)
    start = dt.date(year, 1, 1)
    ids = [o.pk for o in organizations]
    share = retained_share()
    provider = figures("dues_remittable")
    earlier = provider(ids, None, start - dt.timedelta(days=1)) if provider else {}
    this_year = provider(ids, start, day) if provider else {}
    result = {
        o.pk: RetainedDues(
            o,
            year,
            this_year.get(o.pk, ZERO),
            _keep(this_year.get(o.pk, ZERO), share),
            _keep(earlier.get(o.pk, ZERO), share),
        )
        for o in organizations
    }
    rows = (
        RetainedDuesUse.objects.filter(organization_id__in=ids, on__lte=day)
        .values("organization_id", "category", "on__year")
        .annotate(total=Sum("amount"))
        .values_list("organization_id", "category", "on__year", "total")
    )
    for organization_id, category, use_year, amount in rows:
        found = result[organization_id]
        total = Decimal(amount).quantize(CENT)
        if use_year < year:
            found.opening -= total
        else:
            found.used[category] = found.used.get(category, ZERO) + total
    return result


def retained_for(organization: Organization, year: int, on: dt.date | None = None) -> RetainedDues:
    return retained_dues([organization], year, on)[organization.pk]


def dues_uses(organization: Organization, year: int) -> QuerySet[RetainedDuesUse]:
    return (
        RetainedDuesUse.objects.filter(organization=organization, on__year=year)
        .select_related("recorded_by")
        .order_by("on", "pk")
    )


@dataclass
class RetainedSummary:
    rows: list[RetainedDues]
    total: RetainedDues


def retained_summary(
    organization: Organization, year: int, on: dt.date | None = None
) -> RetainedSummary:
    """Every organization of the subtree that collected dues, kept some or used some, and the
    sums: the funds page's second table and its export read this."""
    organizations = list(
        Organization.objects.under(organization.path)
        .filter(dissolved_on__isnull=True)
        .order_by("path")
    )
    found = retained_dues(organizations, year, on)
    rows = [
        found[o.pk]
        for o in organizations
        if found[o.pk].collected or found[o.pk].opening or found[o.pk].used
    ]
    total = RetainedDues(
        organization,
        year,
        sum((r.collected for r in rows), ZERO),
        sum((r.retained for r in rows), ZERO),
        sum((r.opening for r in rows), ZERO),
    )
    for row in rows:
        for category, amount in row.used.items():
            total.used[category] = total.used.get(category, ZERO) + amount
    return RetainedSummary(rows, total)


def use_label(category: str) -> str:
    return str(DuesUse(category).label)


@dataclass
class RetainedTotals:
    """`retained_summary` without its rows: the sums (`total`) and whether it has any rows (an
    organization that collected dues, has retained dues carried over or used some)."""

    total: RetainedDues
    has_rows: bool


def retained_totals(
    organization: Organization, year: int, on: dt.date | None = None
) -> RetainedTotals:
    """The sums of `retained_summary`, the uses counted in the database (one query grouping
    them by category, this year's and earlier years' apart: issue 20, decision 0278). The dues
    collected come from the dues app's figures, by organization, as `retained_dues` reads them:
    the share kept is rounded for each organization, so it is summed over the organizations
    that collected any. Organizations as in `retained_summary`: the subtree's, not dissolved."""
    day = _day(year, on)
    start = dt.date(year, 1, 1)
    share = retained_share()
    organizations = Organization.objects.under(organization.path).filter(dissolved_on__isnull=True)
    provider = figures("dues_remittable")
    earlier: dict[int, Decimal] = {}
    this_year: dict[int, Decimal] = {}
    if provider is not None:
        ids = list(organizations.values_list("pk", flat=True))
        earlier = provider(ids, None, start - dt.timedelta(days=1))
        this_year = provider(ids, start, day)
    total = RetainedDues(
        organization,
        year,
        sum(this_year.values(), ZERO),
        sum((_keep(amount, share) for amount in this_year.values()), ZERO),
        sum((_keep(amount, share) for amount in earlier.values()), ZERO),
    )
    uses = (
        RetainedDuesUse.objects.within(organization)
        .filter(organization__dissolved_on__isnull=True, on__lte=day)
        .order_by()
        .values("category")
        .annotate(
            earlier=Sum("amount", filter=Q(on__lt=start)),
            this_year=Sum("amount", filter=Q(on__gte=start)),
        )
        .values_list("category", "earlier", "this_year")
    )
    for category, used_earlier, used_this_year in uses:
        total.opening -= _money(used_earlier)
        if used_this_year is not None:
            total.used[category] = _money(used_this_year)
    has_rows = bool(total.used) or any(this_year.values())
    if not has_rows and (earlier or total.opening):
        # Only carried-over dues and earlier uses: a row where they do not cancel out.
        used_before = dict(
            RetainedDuesUse.objects.filter(organization__in=organizations, on__lt=start)
            .order_by()
            .values("organization_id")
            .annotate(total=Sum("amount"))
            .values_list("organization_id", "total")
        )
        has_rows = any(
            _keep(earlier.get(pk, ZERO), share) != _money(used_before.get(pk))
            for pk in earlier.keys() | used_before.keys()
        )
    return RetainedTotals(total, has_rows)
