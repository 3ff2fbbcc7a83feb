"""Reads of dues. Amounts paid are derived, never stored per month.

How payments meet months (deterministic, docs/dues.md): a member's months are taken in order
(the ledger rows, then months projected from the dues profile for prepayments); the dues part
of all the member's payments is one running total, and a month is paid when the total covers
it and every month before it. So the oldest unpaid month is always filled first (补缴 before
预交), and the result does not depend on the order in which payments were entered.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.shortcuts import get_object_or_404

from dangjian.accounts.scope import scope_for
from dangjian.core.dates import today
from dangjian.core.paths import child_on_path
from dangjian.members import selectors as member_selectors
from dangjian.members.models import Member, Membership
from dangjian.members.selectors import roster_on
from dangjian.organizations.models import Organization

from . import rules
from .models import DuesProfile, LedgerEntry, OrganizationDuesSetting, Payment

ZERO = Decimal("0.00")
# How far ahead a prepayment may reach (months after the last ledger month).
PROJECTION_MONTHS = 120


def _sum(value: Decimal | None) -> Decimal:
    """A database sum as yuan and fen: SQLite returns Decimal("82") for 82.00."""
    return (value or ZERO).quantize(rules.FEN)


def _chunks(ids: list[int], size: int = 5000) -> Iterable[list[int]]:
    """Lists of ids small enough for one IN (…) on SQLite."""
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


# --- profiles and amounts --------------------------------------------------------


def profiles_by_member(member_ids: Iterable[int]) -> dict[int, list[DuesProfile]]:
    result: dict[int, list[DuesProfile]] = defaultdict(list)
    for chunk in _chunks(sorted(set(member_ids))):
        for profile in DuesProfile.objects.filter(member_id__in=chunk).order_by(
            "member_id", "effective_from"
        ):
            result[profile.member_id].append(profile)
    return result


def profile_in_force(profiles: list[DuesProfile], month: dt.date) -> DuesProfile | None:
    chosen = None
    for profile in profiles:
        if profile.effective_from <= month:
            chosen = profile
    return chosen


def farmer_amounts(organization_ids: Iterable[int]) -> dict[int, Decimal]:
    return dict(
        OrganizationDuesSetting.objects.filter(
            organization_id__in=list(organization_ids)
        ).values_list("organization_id", "farmer_amount")
    )


def farmer_amount_of(organization: Organization) -> Decimal | None:
    return farmer_amounts([organization.pk]).get(organization.pk)


def profile_calculation(
    profile: DuesProfile, month: dt.date, tables: rules.Tables, farmer_amount: Decimal | None
) -> rules.Calculation:
    """The profile's amount for a month; memoized on `tables`, since a county has few
    distinct (table, category, base) combinations per month and each carries its text."""
    table = tables.for_month(month)
    key = (table.pk, profile.category, profile.base, farmer_amount, profile.reduced_amount)
    cached = tables.memo.get(key)
    if cached is None:
        calculation = rules.calculate(
            table=table, category=profile.category, base=profile.base, farmer_amount=farmer_amount
        )
        cached = rules.apply_reduction(calculation, profile.reduced_amount)
        tables.memo[key] = cached
    return cached


def current_organization_ids(member_ids: Iterable[int]) -> dict[int, int]:
    result: dict[int, int] = {}
    for chunk in _chunks(sorted(set(member_ids))):
        result.update(
            Membership.objects.filter(member_id__in=chunk, ended_on__isnull=True).values_list(
                "member_id", "organization_id"
            )
        )
    return result


# --- months and payments --------------------------------------------------------


@dataclass(slots=True)
class MonthLine:
    month: dt.date
    due: Decimal
    paid: Decimal = ZERO  # how much of this month the running total covers
    projected: bool = False

    @property
    def settled(self) -> bool:
        return self.paid >= self.due


@dataclass
class Coverage:
    """What one member's payments cover, month by month."""

    lines: list[MonthLine] = field(default_factory=list)
    paid_total: Decimal = ZERO
    payment_months: dict[int, tuple[dt.date | None, dt.date | None]] = field(default_factory=dict)

    @property
    def paid_through(self) -> dt.date | None:
        """The last month of the unbroken run of settled months from the first one."""
        last = None
        for line in self.lines:
            if not line.settled:
                break
            last = line.month
        return last


class _Context:
    """Loaded once for many members: tables, profiles, farmer settings, organizations."""

    def __init__(self, member_ids: list[int]) -> None:
        self.tables = rules.Tables()
        self.profiles = profiles_by_member(member_ids)
        self.organizations = current_organization_ids(member_ids)
        self.farmer = farmer_amounts(set(self.organizations.values()))

    @classmethod
    def of_one(
        cls,
        member: Member,
        *,
        tables: rules.Tables,
        profiles: list[DuesProfile],
        organization_id: int | None,
        farmer: Decimal | None,
    ) -> _Context:
        """The context of one member from what the caller has already loaded."""
        context = cls.__new__(cls)
        context.tables = tables
        context.profiles = {member.pk: profiles}
        context.organizations = {member.pk: organization_id} if organization_id else {}
        context.farmer = {organization_id: farmer} if organization_id and farmer is not None else {}
        return context

    def projected_due(self, member_id: int, month: dt.date) -> Decimal | None:
        profile = profile_in_force(self.profiles.get(member_id, []), month)
        if profile is None:
            return None
        farmer = self.farmer.get(self.organizations.get(member_id, 0))
        return profile_calculation(profile, month, self.tables, farmer).amount


def _cover(
    member_id: int,
    ledger: list[tuple[dt.date, Decimal]],
    payments: list[tuple[int, Decimal]],
    context: _Context | None,
    first_month: dt.date | None,
) -> Coverage:
    """Fill the member's months in order with the running total of their payments."""
    coverage = Coverage(lines=[MonthLine(month, due) for month, due in ledger])
    total = sum((amount for _pk, amount in payments), ZERO)
    coverage.paid_total = total
    # Prepayment beyond the ledger: project further months from the dues profile.
    if context is not None:
        owed = sum((line.due for line in coverage.lines), ZERO)
        if total > owed:
            start = rules.add_months(coverage.lines[-1].month, 1) if coverage.lines else first_month
            month = start
            for _step in range(PROJECTION_MONTHS if month else 0):
                assert month is not None
                due = context.projected_due(member_id, month)
                if not due:  # no profile, or nothing owed: prepaying it means nothing
                    break
                coverage.lines.append(MonthLine(month, due, projected=True))
                owed += due
                if owed >= total:
                    break
                month = rules.add_months(month, 1)
    remaining = total
    for line in coverage.lines:
        line.paid = min(line.due, remaining)
        remaining -= line.paid
    # Which months each payment completed, replaying them in order.
    running = ZERO
    for pk, amount in payments:
        before, running = running, running + amount
        first = last = None
        cumulative = ZERO
        for line in coverage.lines:
            cumulative += line.due
            if line.due and before < cumulative <= running:
                first = first or line.month
                last = line.month
        coverage.payment_months[pk] = (first, last)
    return coverage


def balances(
    members: QuerySet[Any], *, through: dt.date, paid_by: dt.date
) -> dict[int, tuple[Decimal, Decimal]]:
    """(due through a month, dues paid by a day) per member of a subquery, in two queries."""
    due = dict(
        LedgerEntry.objects.filter(member_id__in=members, month__lte=through)
        .values("member_id")
        .annotate(due_sum=Sum("amount_due"))
        .values_list("member_id", "due_sum")
    )
    paid = dict(
        Payment.objects.filter(member_id__in=members, paid_on__lte=paid_by)
        .values("member_id")
        .annotate(paid_sum=Sum("amount"))
        .values_list("member_id", "paid_sum")
    )
    return {
        member_id: (_sum(due.get(member_id)), _sum(paid.get(member_id)))
        for member_id in set(due) | set(paid)
    }


def coverage_many(
    member_ids: Iterable[int], *, paid_by: dt.date | None = None, project: bool = True
) -> dict[int, Coverage]:
    """Each member's coverage from their ledger and payments (paid on or before `paid_by`)."""
    ids = sorted(set(member_ids))
    ledger: dict[int, list[tuple[dt.date, Decimal]]] = defaultdict(list)
    payments: dict[int, list[tuple[int, Decimal]]] = defaultdict(list)
    for chunk in _chunks(ids):
        for member_id, month, due in (
            LedgerEntry.objects.filter(member_id__in=chunk)
            .order_by("member_id", "month")
            .values_list("member_id", "month", "amount_due")
        ):
            ledger[member_id].append((month, due))
        paid = Payment.objects.filter(member_id__in=chunk, amount__gt=0)
        if paid_by is not None:
            paid = paid.filter(paid_on__lte=paid_by)
        for member_id, pk, amount in paid.order_by("member_id", "paid_on", "pk").values_list(
            "member_id", "pk", "amount"
        ):
            payments[member_id].append((pk, amount))
    needs_projection = [
        m for m in ids if sum(a for _p, a in payments[m]) > sum(d for _m, d in ledger[m])
    ]
    context = _Context(needs_projection) if project and needs_projection else None
    result: dict[int, Coverage] = {}
    for member_id in ids:
        first_month = None
        if context is not None and not ledger[member_id]:
            profiles = context.profiles.get(member_id, [])
            first_month = profiles[0].effective_from if profiles else None
        result[member_id] = _cover(
            member_id, ledger[member_id], payments[member_id], context, first_month
        )
    return result


def dues_paid_until_many(member_ids: Iterable[int]) -> dict[int, dt.date | None]:
    """党费交至年月 for many members: the first day of the last month fully paid, or None."""
    return {pk: c.paid_through for pk, c in coverage_many(member_ids).items()}


def dues_paid_until(member: Member) -> dt.date | None:
    """党费交至年月 (for transfer letters): the first day of the last month fully paid."""
    return dues_paid_until_many([member.pk])[member.pk]


# --- arrears ----------------------------------------------------------------------


def members_with_unpaid_months(
    organization: Organization, on: dt.date, months: int = 6
) -> list[Member]:
    """Members on the roster of the subtree on `on` with at least `months` consecutive months
    unpaid, counted back from the month before `on` (the current month is still open).

    A month counts as unpaid when its due is above zero and nothing of it is covered; a month
    with nothing due (exempt) breaks the run. Each member carries `unpaid_months` and
    `unpaid_since`. An input for the 党章 art. 9 alert: it never changes membership status.
    """
    last_closed = rules.add_months(rules.month_of(on), -1)
    roster = roster_on(organization, on).values("member_id")
    # Only members who owe anything at all need their months looked at.
    owing = [
        member_id
        for member_id, (due, paid) in balances(roster, through=last_closed, paid_by=on).items()
        if due > paid
    ]
    ledger: dict[int, list[tuple[dt.date, Decimal]]] = defaultdict(list)
    paid: dict[int, Decimal] = {}
    for chunk in _chunks(sorted(owing)):
        for member_id, month, due in (
            LedgerEntry.objects.filter(member_id__in=chunk, month__lte=last_closed)
            .order_by("member_id", "month")
            .values_list("member_id", "month", "amount_due")
        ):
            ledger[member_id].append((month, due))
        paid.update(
            Payment.objects.filter(member_id__in=chunk, paid_on__lte=on)
            .values("member_id")
            .annotate(paid_sum=Sum("amount"))
            .values_list("member_id", "paid_sum")
        )
    runs: dict[int, tuple[int, dt.date]] = {}
    for member_id, lines in ledger.items():
        total = paid.get(member_id) or ZERO
        cumulative = ZERO
        uncovered: list[tuple[dt.date, Decimal]] = []
        for month, due in lines:
            if total <= cumulative:
                uncovered.append((month, due))
            cumulative += due
        run = 0
        since = None
        expected = last_closed
        for month, due in reversed(uncovered):
            if month != expected or due <= 0:
                break
            run += 1
            since = month
            expected = rules.add_months(month, -1)
        if run >= months and since is not None:
            runs[member_id] = (run, since)
    members = list(Member.objects.filter(pk__in=runs).order_by("name_pinyin", "pk"))
    for member in members:
        member.unpaid_months, member.unpaid_since = runs[member.pk]  # type: ignore[attr-defined]
    return members


# --- scoped reads for the pages ------------------------------------------------------


def dues_organizations(user: Any) -> QuerySet[Organization]:
    return Organization.objects.restrict(user).order_by("path")


def organization_get(*, user: Any, pk: int) -> Organization:
    organization = get_object_or_404(Organization, pk=pk)
    scope_for(user).require_read(organization)
    return organization


def member_get(*, user: Any, pk: int) -> Member:
    """A member whose latest organization is in the user's scope (or themselves), or 404."""
    return get_object_or_404(Member.objects.restrict(user), pk=pk)


def member_organization(member: Member) -> Organization | None:
    """The organization of the member's latest membership row (shared with the member page)."""
    membership = member_selectors.latest_membership(member)
    return membership.organization if membership else None


@dataclass
class MemberDues:
    member: Member
    profile: DuesProfile | None
    calculation: rules.Calculation | None
    paid_through: dt.date | None
    outstanding: Decimal
    unpaid_months: int
    payments: list[tuple[Payment, dt.date | None, dt.date | None]]
    profiles: list[DuesProfile]


def member_dues(member: Member, on: dt.date | None = None) -> MemberDues:
    """The member page's dues: profile, this month's amount, 交至, arrears, payment history.

    The same figures as `coverage_many` for one member, from what the page loads anyway: the
    payments once (the history is the coverage's input), and the profiles, organization and
    rate tables once for both this month's amount and any prepaid months."""
    on = on or today()
    month = rules.month_of(on)
    profiles = list(member.dues_profiles.order_by("effective_from"))
    profile = profile_in_force(profiles, month)
    organization = member_organization(member)
    farmer = farmer_amount_of(organization) if organization else None
    tables = rules.Tables()
    payments = list(
        member.dues_payments.select_related("recorded_by", "organization").order_by(
            "-paid_on", "-pk"
        )
    )
    ledger = list(member.dues_ledger.order_by("month").values_list("month", "amount_due"))
    paid = [
        (p.pk, p.amount) for p in sorted(payments, key=lambda p: (p.paid_on, p.pk)) if p.amount > 0
    ]
    # Prepaid months are priced as coverage_many prices them: at the open row's organization
    # (the latest row's, when there is an open row).
    open_row = member_selectors.open_membership(member)
    context = _Context.of_one(
        member,
        tables=tables,
        profiles=profiles,
        organization_id=open_row.organization_id if open_row else None,
        farmer=farmer,
    )
    first_month = profiles[0].effective_from if profiles and not ledger else None
    coverage = _cover(member.pk, ledger, paid, context, first_month)
    calculation = None
    if profile is not None:
        calculation = profile_calculation(profile, month, tables, farmer)
    due_so_far = sum(
        (line.due for line in coverage.lines if line.month <= month and not line.projected), ZERO
    )
    unpaid = [
        line
        for line in coverage.lines
        if line.month <= month and not line.projected and not line.settled
    ]
    return MemberDues(
        member=member,
        profile=profile,
        calculation=calculation,
        paid_through=coverage.paid_through,
        outstanding=max(due_so_far - coverage.paid_total, ZERO),
        unpaid_months=len(unpaid),
        payments=[(p, *coverage.payment_months.get(p.pk, (None, None))) for p in payments],
        profiles=profiles,
    )


def amount_for_months_after(member: Member, after: dt.date | None, count: int) -> Decimal:
    """What `count` months after the month `after` come to, projected from the dues profile
    (from the profile's first month when `after` is None)."""
    context = _Context([member.pk])
    if after is None:
        profiles = context.profiles.get(member.pk, [])
        month = profiles[0].effective_from if profiles else rules.month_of(today())
    else:
        month = rules.add_months(after, 1)
    amount = ZERO
    for _step in range(count):
        amount += context.projected_due(member.pk, month) or ZERO
        month = rules.add_months(month, 1)
    return amount


def amount_for_months(member: Member, months: int) -> Decimal:
    """What the member's next `months` unpaid months come to (the payment form's suggestion)."""
    coverage = coverage_many([member.pk])[member.pk]
    open_lines = [line for line in coverage.lines if not line.settled]
    amount = sum((line.due - line.paid for line in open_lines[:months]), ZERO)
    missing = months - len(open_lines)
    if missing > 0:
        last = coverage.lines[-1].month if coverage.lines else None
        amount += amount_for_months_after(member, last, missing)
    return amount


# --- reports ---------------------------------------------------------------------------


@dataclass
class ArrearsRow:
    member_id: int
    name: str
    organization: str
    due: Decimal
    paid: Decimal
    outstanding: Decimal
    paid_through: dt.date | None
    unpaid_months: int


@dataclass
class Report:
    organization: Organization
    first_month: dt.date
    last_month: dt.date
    due: Decimal
    collected: Decimal
    voluntary: Decimal
    to_central: Decimal
    remit_upward: Decimal
    payments: int
    members_due: int
    arrears: list[ArrearsRow]
    by_month: list[tuple[dt.date, Decimal, Decimal]]


def organization_report(organization: Organization, year: int, month: int | None = None) -> Report:
    """Due vs collected in the subtree for a month or a year, arrears by member at the end of
    the period, and what is remitted upward: the dues collected (grassroots organizations pass
    dues up, RULES.md) with voluntary payments at or above the threshold going to the centre."""
    first = dt.date(year, month or 1, 1)
    last = dt.date(year, month or 12, 1)
    period_end = rules.month_end(last)
    ledger = LedgerEntry.objects.within(organization).filter(month__gte=first, month__lte=last)
    payments = Payment.objects.within(organization).filter(
        paid_on__gte=first, paid_on__lte=period_end
    )
    due_by_month = {
        month_start: _sum(total)
        for month_start, total in ledger.values("month")
        .annotate(total=Sum("amount_due"))
        .values_list("month", "total")
    }
    collected_by_month: dict[dt.date, Decimal] = defaultdict(lambda: ZERO)
    for paid_on, amount in payments.values_list("paid_on", "amount"):
        collected_by_month[rules.month_of(paid_on)] += amount
    totals = payments.aggregate(collected=Sum("amount"), voluntary=Sum("voluntary_amount"))
    to_central = _sum(
        payments.filter(to_central=True).aggregate(total=Sum("voluntary_amount"))["total"]
    )
    collected = _sum(totals["collected"])
    voluntary = _sum(totals["voluntary"])
    # Arrears at the end of the period, for the members whose ledger lies in the subtree:
    # totals in SQL first, month detail only for those who owe.
    in_period = ledger.values("member_id")
    totals_by_member = balances(in_period, through=last, paid_by=period_end)
    owing = [m for m, (due, paid) in totals_by_member.items() if due > paid]
    coverage = coverage_many(owing, paid_by=period_end, project=False)
    names: dict[int, str] = {}
    org_names: dict[int, str] = {}  # the organization of the member's latest month
    for chunk in _chunks(owing):
        names.update(Member.objects.filter(pk__in=chunk).values_list("pk", "name"))
        org_names.update(
            ledger.filter(member_id__in=chunk)
            .order_by("member_id", "month")
            .values_list("member_id", "organization__name")
        )
    arrears: list[ArrearsRow] = []
    for member_id, cov in coverage.items():
        lines = [line for line in cov.lines if line.month <= last]
        due, paid = totals_by_member[member_id]
        arrears.append(
            ArrearsRow(
                member_id=member_id,
                name=names.get(member_id, ""),
                organization=org_names.get(member_id, ""),
                due=due,
                paid=paid,
                outstanding=due - paid,
                paid_through=cov.paid_through,
                unpaid_months=sum(1 for line in lines if not line.settled),
            )
        )
    arrears.sort(key=lambda r: (-r.unpaid_months, -r.outstanding, r.name))
    months = rules.months_between(first, last)
    return Report(
        organization=organization,
        first_month=first,
        last_month=last,
        due=_sum(sum(due_by_month.values(), ZERO)),
        collected=collected,
        voluntary=voluntary,
        to_central=to_central,
        remit_upward=collected + voluntary - to_central,
        payments=payments.count(),
        members_due=ledger.values("member_id").distinct().count(),
        arrears=arrears,
        by_month=[(m, due_by_month.get(m, ZERO), collected_by_month.get(m, ZERO)) for m in months],
    )


def month_summary(organization: Organization, month: dt.date) -> tuple[Decimal, Decimal, int]:
    """(due, collected, members in the ledger) of one month in the subtree: the panel figures."""
    ledger = (
        LedgerEntry.objects.within(organization)
        .filter(month=month)
        .aggregate(total=Sum("amount_due"), members=Count("pk"))
    )
    collected = (
        Payment.objects.within(organization)
        .filter(paid_on__gte=month, paid_on__lte=rules.month_end(month))
        .aggregate(total=Sum("amount"))["total"]
    )
    return (_sum(ledger["total"]), _sum(collected), ledger["members"] or 0)


def confirmation_rows(organization: Organization, year: int) -> list[dict[str, Any]]:
    """The 核定 page: members on the branch's roster on 1 January with the profile in force
    in December of the year before (last year's base)."""
    on = dt.date(year, 1, 1)
    members = list(
        Member.objects.filter(
            pk__in=roster_on(organization, on).filter(organization=organization).values("member_id")
        ).order_by("name_pinyin", "pk")
    )
    profiles = profiles_by_member(m.pk for m in members)
    december = dt.date(year - 1, 12, 1)
    rows = []
    for member in members:
        mine = profiles.get(member.pk, [])
        rows.append(
            {
                "member": member,
                "last_year": profile_in_force(mine, december),
                "this_year": profile_in_force(mine, on),
            }
        )
    return rows


# --- what a branch has due (本月待办) ---------------------------------------------------


@dataclass
class MonthDue:
    """A branch's dues for the month: whether its ledger has the month, and how many members
    on the roster still owe it (`due_now`) or owe an earlier month (`behind`)."""

    ledger_ready: bool
    members: int
    due_now: int
    behind: int


def month_due(organization: Organization, on: dt.date) -> MonthDue:
    month = rules.month_of(on)
    member_ids = list(roster_on(organization, on).values_list("member_id", flat=True))
    ready = LedgerEntry.objects.within(organization).filter(month=month).exists()
    due_now = behind = 0
    for coverage in coverage_many(member_ids, project=False).values():
        first_open = next(
            (line.month for line in coverage.lines if line.month <= month and not line.settled),
            None,
        )
        if first_open is None:
            continue
        if first_open < month:
            behind += 1
        else:
            due_now += 1
    return MonthDue(ready, len(member_ids), due_now, behind)


# --- the committee dashboard --------------------------------------------------------------


def settled_dashboard(organization: Organization, on: dt.date, *, limit: int = 6) -> dict[str, Any]:
    """Dues on a committee's home card, as JSON for the figure cache: for the latest month with
    a ledger (not after `on`'s month), how many members on the roster have paid everything due
    through it, and the child organizations with the lowest share, weakest first.

    A member is settled when their payments made by the month's end cover their ledger through
    the month (`balances`); a member with nothing due is settled."""
    month = (
        LedgerEntry.objects.within(organization)
        .filter(month__lte=rules.month_of(on))
        .order_by("-month")
        .values_list("month", flat=True)
        .first()
    )
    if month is None:
        return {"month": None}
    end = rules.month_end(month)
    roster = roster_on(organization, end)
    owing = {
        member_id
        for member_id, (due, paid) in balances(
            roster.values("member_id"), through=month, paid_by=end
        ).items()
        if paid < due
    }
    children: dict[int, dict[str, Any]] = {
        pk: {"id": pk, "name": name, "members": 0, "owing": 0}
        for pk, name in Organization.objects.filter(
            parent=organization, dissolved_on__isnull=True
        ).values_list("id", "name")
    }
    members = 0
    for member_id, path in roster.values_list("member_id", "organization__path"):
        members += 1
        child_pk = child_on_path(organization.path, path)
        child = children.get(child_pk) if child_pk is not None else None
        if child is not None:
            child["members"] += 1
            child["owing"] += member_id in owing
    ranked = [c for c in children.values() if c["members"]]
    for c in ranked:
        c["percent"] = round(100 * (c["members"] - c["owing"]) / c["members"])
    ranked.sort(key=lambda c: (c["percent"], c["name"]))
    return {
        "month": month.isoformat(),
        "members": members,
        "owing": len(owing),
        "percent": round(100 * (members - len(owing)) / members) if members else 100,
        "children": ranked[:limit],
    }
