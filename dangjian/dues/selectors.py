"""Reads of dues. One function, `dues_accounts`, gives every figure of a member's months.

What a member owes follows the months they were on a roster with a dues profile, whether or
not anyone generated the ledger for a month (docs/dues.md). What a payment paid is stored
when it is recorded (`PaymentMonth`, decision 0071): the oldest open months first (补缴 before
预交), and it never moves afterwards.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from dangjian.accounts.scope import scope_for
from dangjian.core.dates import today
from dangjian.core.paths import child_on_path
from dangjian.members import selectors as member_selectors
from dangjian.members.models import Member, Membership
from dangjian.members.selectors import roster_on
from dangjian.organizations.models import Organization

from . import rules
from .choices import BASE_SCHEDULE, DuesCategory, category_for_occupation
from .models import DuesProfile, LedgerEntry, OrganizationDuesSetting, Payment, PaymentMonth

ZERO = Decimal("0.00")
HALF_FEN = Decimal("0.005")  # amounts are whole fen; SQLite sums them as floats


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


# --- a member's months: the one account every page reads ----------------------------


def months_ended_by(on: dt.date) -> dt.date:
    """The last month that has ended by the end of `on` (`on`'s month on its last day)."""
    return rules.add_months(rules.month_of(on + dt.timedelta(days=1)), -1)


@dataclass(slots=True)
class MonthLine:
    """One month a member owes (or paid ahead): what is due and what their payments put on it."""

    month: dt.date
    due: Decimal
    paid: Decimal = ZERO
    organization_id: int | None = None
    projected: bool = False  # after the month of the day the account is taken on

    @property
    def settled(self) -> bool:
        return self.paid >= self.due

    @property
    def remaining(self) -> Decimal:
        return max(self.due - self.paid, ZERO)


@dataclass
class Account:
    """A member's dues on a day: the months owed and paid, as every page shows them.

    `through` is the last month that has ended by `on`: a month is in arrears (欠交) once it
    has ended and is not wholly paid; `on`'s own month is still open (本月应交)."""

    member_id: int
    on: dt.date
    through: dt.date
    lines: list[MonthLine] = field(default_factory=list)
    payment_months: dict[int, tuple[dt.date, dt.date]] = field(default_factory=dict)
    paid_total: Decimal = ZERO
    profiles: list[DuesProfile] = field(default_factory=list)

    @property
    def paid_through(self) -> dt.date | None:
        """党费交至: the last month of the unbroken run of settled months from the first one."""
        last = None
        for line in self.lines:
            if not line.settled:
                break
            last = line.month
        return last

    @property
    def arrears(self) -> list[MonthLine]:
        return [line for line in self.lines if line.month <= self.through and not line.settled]

    @property
    def unpaid_months(self) -> int:
        return len(self.arrears)

    @property
    def outstanding(self) -> Decimal:
        return sum((line.remaining for line in self.arrears), ZERO)

    @property
    def unpaid_run(self) -> tuple[int, dt.date | None]:
        """Consecutive months ending with `through` that were due and of which nothing was
        paid (党章 art. 9 counts these); a month with nothing due, or not owed, breaks it."""
        run, since, expected = 0, None, self.through
        for line in reversed([x for x in self.lines if x.month <= self.through]):
            if line.month != expected or line.due <= 0 or line.paid > 0:
                break
            run, since, expected = run + 1, line.month, rules.add_months(line.month, -1)
        return run, since

    def line(self, month: dt.date) -> MonthLine | None:
        return next((x for x in self.lines if x.month == month), None)

    def open_lines(self) -> list[MonthLine]:
        """Months not yet wholly paid, oldest first: where the next payment goes."""
        return [line for line in self.lines if not line.settled]


def dues_accounts(member_ids: Iterable[int], *, on: dt.date, ahead: int = 0) -> dict[int, Account]:
    """Each member's account on `on`: the one function behind every figure of owed months
    (the member page, the branch ledger, the report, the art. 9 alert, the dashboard).

    A member owes a month when, at the month's end, they are on a roster of this deployment,
    have joined (a probationary member from the branch meeting, RULES.md "Dues") and have a
    dues profile in force. The month's amount is its ledger row where one was generated,
    otherwise the profile under the rate table in force that month: a month nobody generated
    is owed all the same. What is paid on a month is what the payments made by `on` put on it
    when they were recorded (`PaymentMonth`); it never moves. `ahead` adds the months after
    `on`'s month up to that many, for a payment to be placed on.
    """
    ids = sorted(set(member_ids))
    current = rules.month_of(on)
    through = months_ended_by(on)
    horizon = rules.add_months(current, ahead)
    tables = rules.Tables()
    result: dict[int, Account] = {}
    for chunk in _chunks(ids):
        joined: dict[int, dt.date] = {}
        rows: dict[int, list[tuple[int, dt.date, dt.date | None]]] = defaultdict(list)
        for member_id, organization_id, started_on, ended_on, joined_on in (
            Membership.objects.filter(member_id__in=chunk)
            .order_by("member_id", "started_on", "pk")
            .values_list(
                "member_id", "organization_id", "started_on", "ended_on", "member__joined_on"
            )
        ):
            rows[member_id].append((organization_id, started_on, ended_on))
            joined[member_id] = joined_on
        profiles = profiles_by_member(chunk)
        # The farmers' amount is the branch's; read only when someone pays as a farmer.
        farmer: dict[int, Decimal] = {}
        if any(p.category == DuesCategory.FARMER for mine in profiles.values() for p in mine):
            farmer = farmer_amounts({o for mine in rows.values() for o, _s, _e in mine})
        ledger: dict[int, dict[dt.date, tuple[Decimal, int]]] = defaultdict(dict)
        for member_id, month, due, organization_id in LedgerEntry.objects.filter(
            member_id__in=chunk
        ).values_list("member_id", "month", "amount_due", "organization_id"):
            ledger[member_id][month] = (due, organization_id)
        paid: dict[int, dict[dt.date, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
        spans: dict[int, dict[int, tuple[dt.date, dt.date]]] = defaultdict(dict)
        for member_id, payment_id, month, amount in (
            PaymentMonth.objects.filter(member_id__in=chunk, payment__paid_on__lte=on)
            .order_by("member_id", "month")
            .values_list("member_id", "payment_id", "month", "amount")
        ):
            paid[member_id][month] += amount
            first, _last = spans[member_id].get(payment_id, (month, month))
            spans[member_id][payment_id] = (first, month)
        for member_id in chunk:
            account = Account(member_id, on, through)
            mine = profiles.get(member_id, [])
            account.profiles = mine
            months: dict[dt.date, MonthLine] = {}
            generated = ledger[member_id]
            member_joined = joined.get(member_id)
            if mine and member_joined is not None:
                first = max(mine[0].effective_from, rules.month_of(member_joined))
                for home, started_on, ended_on in rows[member_id]:
                    # The months whose last day lies in [started_on, ended_on).
                    last = horizon
                    if ended_on is not None:
                        last = min(last, rules.add_months(rules.month_of(ended_on), -1))
                    start = max(first, rules.month_of(started_on))
                    for month in rules.months_between(start, last) if start <= last else ():
                        if month in generated:
                            continue  # the generated row below is the record of that month
                        profile = profile_in_force(mine, month)
                        assert profile is not None
                        due = profile_calculation(profile, month, tables, farmer.get(home)).amount
                        months[month] = MonthLine(month, due, organization_id=home)
            for month, (due, organization_id) in generated.items():
                if month <= horizon:
                    months[month] = MonthLine(month, due, organization_id=organization_id)
            for month, amount in paid[member_id].items():
                if month not in months:  # paid ahead, or before leaving: still the member's
                    line = MonthLine(month, ledger[member_id].get(month, (amount, 0))[0])
                    profile = profile_in_force(mine, month)
                    if month not in ledger[member_id] and profile is not None:
                        latest = rows[member_id][-1][0] if rows[member_id] else 0
                        line.due = profile_calculation(
                            profile, month, tables, farmer.get(latest)
                        ).amount
                    months[month] = line
                months[month].paid = amount
            account.lines = [months[m] for m in sorted(months)]
            for line in account.lines:
                line.projected = line.month > current
            account.paid_total = sum(paid[member_id].values(), ZERO)
            account.payment_months = spans[member_id]
            result[member_id] = account
    return result


def members_owing(members: QuerySet[Any], *, on: dt.date) -> set[int]:
    """The members (a query of member ids) whose account on `on` has arrears: the members
    whose `dues_accounts(...)[m].arrears` is not empty, the same set, read in aggregate (a
    county's accounts month by month take seconds).

    A member is in arrears by aggregates alone when a generated month ended by `on` is not
    wholly paid (summed in SQL), or when a month they owe after their ledger's last has
    something due and nothing paid; settled when every generated month ended by then is paid,
    the ledger runs unbroken over every month they owe, and nothing was paid on an ended month
    outside the ledger. Anyone else has their account taken by `dues_accounts`.
    """
    through = months_ended_by(on)
    paid = (
        PaymentMonth.objects.filter(
            member_id=OuterRef("member_id"), month=OuterRef("month"), payment__paid_on__lte=on
        )
        .order_by()
        .values("member_id")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    owing = set(
        LedgerEntry.objects.filter(member_id__in=members, month__lte=through)
        .annotate(paid=Coalesce(Subquery(paid), Value(ZERO), output_field=DecimalField()))
        .filter(amount_due__gt=F("paid") + HALF_FEN)
        .order_by()
        .values_list("member_id", flat=True)
        .distinct()
    )
    ledger = {
        member_id: (low, high, count)
        for member_id, low, high, count in LedgerEntry.objects.filter(
            member_id__in=members, month__lte=through
        )
        .order_by()
        .values("member_id")
        .annotate(low=Min("month"), high=Max("month"), count=Count("pk"))
        .values_list("member_id", "low", "high", "count")
    }
    off_ledger = set(
        PaymentMonth.objects.filter(
            member_id__in=members, month__lte=through, payment__paid_on__lte=on
        )
        .exclude(
            Exists(
                LedgerEntry.objects.filter(member_id=OuterRef("member_id"), month=OuterRef("month"))
            )
        )
        .order_by()
        .values_list("member_id", flat=True)
        .distinct()
    )
    first_profile = dict(
        DuesProfile.objects.filter(member_id__in=members)
        .order_by()
        .values("member_id")
        .annotate(first=Min("effective_from"))
        .values_list("member_id", "first")
    )
    hull: dict[int, tuple[dt.date, dt.date]] = {}
    home: dict[int, int] = {}  # the organization owed the last month (the latest row's)
    for member_id, organization_id, started_on, ended_on, joined_on in (
        Membership.objects.filter(member_id__in=members)
        .order_by("member_id", "started_on", "pk")
        .values_list("member_id", "organization_id", "started_on", "ended_on", "member__joined_on")
    ):
        profile_from = first_profile.get(member_id)
        if member_id in owing or profile_from is None or joined_on is None:
            continue  # decided, or owes no month beyond the generated ones
        # As in `dues_accounts`: the months whose last day lies in [started_on, ended_on).
        last = through
        if ended_on is not None:
            last = min(last, rules.add_months(rules.month_of(ended_on), -1))
        start = max(profile_from, rules.month_of(joined_on), rules.month_of(started_on))
        if start > last:
            continue
        low, high = hull.get(member_id, (start, last))
        if last >= high:
            home[member_id] = organization_id
        hull[member_id] = (min(low, start), max(high, last))
    undecided = off_ledger - owing
    beyond: dict[int, dt.date] = {}  # a month owed after the ledger's last
    for member_id, (start, last) in hull.items():
        if member_id in off_ledger:
            continue
        low, high, count = ledger.get(member_id, (None, None, 0))
        if low is None or high is None or last > high:
            beyond[member_id] = last
        elif not (count == len(rules.months_between(low, high)) and low <= start):
            undecided.add(member_id)
    # A month owed after the ledger's last, with something due and nothing paid, is arrears.
    paid_on = set(
        PaymentMonth.objects.filter(
            member_id__in=members, month__in=set(beyond.values()), payment__paid_on__lte=on
        )
        .order_by()
        .values_list("member_id", "month")
        .distinct()
    )
    in_force: dict[int, DuesProfile] = {}
    for profile in DuesProfile.objects.filter(
        member_id__in=members, effective_from__lte=through
    ).order_by("member_id", "effective_from"):
        month = beyond.get(profile.member_id)
        if month is not None and profile.effective_from <= month:
            in_force[profile.member_id] = profile
    farmer: dict[int, Decimal] = {}
    if any(p.category == DuesCategory.FARMER for p in in_force.values()):
        farmer = farmer_amounts(set(home.values()))
    tables = rules.Tables()
    for member_id, month in beyond.items():
        chosen = in_force.get(member_id)
        due = ZERO
        if chosen is not None:
            due = profile_calculation(chosen, month, tables, farmer.get(home[member_id])).amount
        if due > 0 and (member_id, month) not in paid_on:
            owing.add(member_id)
        else:
            undecided.add(member_id)
    owing |= {m for m, a in dues_accounts(undecided, on=on).items() if a.arrears}
    return owing


def dues_paid_until_many(
    member_ids: Iterable[int], on: dt.date | None = None
) -> dict[int, dt.date | None]:
    """党费交至年月 for many members: the first day of the last month fully paid, or None."""
    return {pk: a.paid_through for pk, a in dues_accounts(member_ids, on=on or today()).items()}


def dues_paid_until(member: Member) -> dt.date | None:
    """党费交至年月 (for transfer letters): the first day of the last month fully paid."""
    return dues_paid_until_many([member.pk])[member.pk]


def allocate(lines: list[MonthLine], amount: Decimal) -> list[tuple[dt.date, Decimal]]:
    """Where a payment of `amount` goes: the open months oldest first (补缴 before 预交), each
    filled to its due before the next; a month the amount covers only in part takes what is
    left. Returns (month, amount) pairs summing to at most `amount`."""
    parts: list[tuple[dt.date, Decimal]] = []
    left = amount
    for line in lines:
        if left <= 0:
            break
        part = min(line.remaining, left)
        if part > 0:
            parts.append((line.month, part))
            left -= part
    return parts


# --- arrears ----------------------------------------------------------------------


def members_with_unpaid_months(
    organization: Organization, on: dt.date, months: int = 6
) -> list[Member]:
    """Members on the roster of the subtree on `on` with at least `months` consecutive months
    unpaid, ending with the last month ended by `on` (`Account.unpaid_run`).

    Each member carries `unpaid_months` (the run) and `unpaid_since`. An input for the 党章
    art. 9 alert: it never changes membership status.
    """
    # Anyone with a payment on one of the last `months` months has no such run: only the others
    # need their account taken (the same accounts, fewer of them).
    through = months_ended_by(on)
    paid_lately = PaymentMonth.objects.filter(
        month__gte=rules.add_months(through, -(months - 1)),
        month__lte=through,
        payment__paid_on__lte=on,
    ).values("member_id")
    roster = list(
        roster_on(organization, on)
        .exclude(member_id__in=paid_lately)
        .values_list("member_id", flat=True)
    )
    runs = {}
    for member_id, account in dues_accounts(roster, on=on).items():
        run, since = account.unpaid_run
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


@dataclass(frozen=True)
class CategoryBasis:
    """Which dues category applies and why: the occupation's, or the secretary's override.

    `pending`: the profile follows the occupation but the occupation now gives another
    category that needs what the profile lacks (a base of the other schedule) or a decision
    (an approved reduction was given for the old one). `upcoming`: a profile from a later
    month (a category that follows the occupation starts the month after the change)."""

    occupation: str
    derived: DuesCategory
    overridden: bool
    reason: str
    pending: bool
    needs_base: bool
    upcoming: DuesProfile | None


def category_basis(
    member: Member, profile: DuesProfile | None, profiles: list[DuesProfile]
) -> CategoryBasis:
    derived = category_for_occupation(member.occupation, member.is_retired)
    later = [p for p in profiles if profile is None or p.effective_from > profile.effective_from]
    upcoming = later[0] if later else None
    latest = upcoming or profile
    pending = latest is not None and not latest.category_overridden and latest.category != derived
    return CategoryBasis(
        occupation=str(_("离退休") if member.is_retired else member.get_occupation_display()),
        derived=derived,
        overridden=bool(profile and profile.category_overridden),
        reason=profile.override_reason if profile else "",
        pending=pending,
        needs_base=derived in BASE_SCHEDULE,
        upcoming=upcoming,
    )


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
    account: Account
    basis: CategoryBasis


def member_dues(member: Member, on: dt.date | None = None) -> MemberDues:
    """The member page's dues: profile, this month's amount, 交至, arrears (`dues_accounts`),
    and the payments with the months each paid."""
    on = on or today()
    month = rules.month_of(on)
    account = dues_accounts([member.pk], on=on)[member.pk]
    profiles = account.profiles
    profile = profile_in_force(profiles, month)
    calculation = None
    if profile is not None:
        farmer = None
        if profile.category == DuesCategory.FARMER:
            organization = member_organization(member)
            farmer = farmer_amount_of(organization) if organization else None
        calculation = profile_calculation(profile, month, rules.Tables(), farmer)
    payments = list(
        member.dues_payments.filter(paid_on__lte=on)
        .select_related("recorded_by", "organization")
        .order_by("-paid_on", "-pk")
    )
    return MemberDues(
        member=member,
        profile=profile,
        calculation=calculation,
        paid_through=account.paid_through,
        outstanding=account.outstanding,
        unpaid_months=account.unpaid_months,
        payments=[(p, *account.payment_months.get(p.pk, (None, None))) for p in payments],
        profiles=profiles,
        account=account,
        basis=category_basis(member, profile, profiles),
    )


def payment_months(payment: Payment) -> tuple[dt.date | None, dt.date | None]:
    """The first and last month a payment paid (None, None for a voluntary payment only)."""
    months = PaymentMonth.objects.filter(payment=payment).aggregate(
        first=Min("month"), last=Max("month")
    )
    return months["first"], months["last"]


def open_months(member: Member, on: dt.date, ahead: int) -> list[MonthLine]:
    """The member's months not yet wholly paid, oldest first, up to `ahead` months after
    `on`'s month: where a payment recorded on `on` goes."""
    return dues_accounts([member.pk], on=on, ahead=ahead)[member.pk].open_lines()


def amount_for_months(member: Member, months: int) -> Decimal:
    """What the member's next `months` unpaid months come to (the payment form's suggestion):
    arrears first, then this month and the months ahead, from the dues profile."""
    lines = open_months(member, today(), ahead=max(months, 1) + 12)
    return sum((line.remaining for line in lines[:months]), ZERO)


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
    unpaid_run: int
    unpaid_since: dt.date | None


@dataclass
class Report:
    organization: Organization
    first_month: dt.date
    last_month: dt.date
    as_of: dt.date
    through: dt.date
    due: Decimal
    collected: Decimal
    voluntary: Decimal
    to_central: Decimal
    remit_upward: Decimal
    payments: int
    members_due: int
    arrears: list[ArrearsRow]
    by_month: list[tuple[dt.date, Decimal, Decimal]]

    def long_unpaid(self, months: int = 6) -> list[ArrearsRow]:
        """The members of `arrears` with `months` or more consecutive months wholly unpaid,
        from the same accounts: the list can never contradict the arrears table."""
        rows = [r for r in self.arrears if r.unpaid_run >= months]
        return sorted(rows, key=lambda r: (-r.unpaid_run, r.name))


def organization_report(
    organization: Organization, year: int, month: int | None = None, *, on: dt.date | None = None
) -> Report:
    """Due vs collected in the subtree for a month or a year, arrears by member, and what is
    remitted upward: the dues collected (grassroots organizations pass dues up, RULES.md) with
    voluntary payments at or above the threshold going to the centre.

    Arrears are the members' accounts (`dues_accounts`) at the end of the period, or on `on`
    (today) while the period runs: members who owed a month of the period to an organization
    of the subtree, each with every month they owe by then."""
    first = dt.date(year, month or 1, 1)
    last = dt.date(year, month or 12, 1)
    period_end = rules.month_end(last)
    as_of = min(period_end, on or today())
    payments = Payment.objects.within(organization).filter(
        paid_on__gte=first, paid_on__lte=period_end
    )
    collected_by_month: dict[dt.date, Decimal] = defaultdict(lambda: ZERO)
    for paid_on, amount in payments.values_list("paid_on", "amount"):
        collected_by_month[rules.month_of(paid_on)] += amount
    totals = payments.aggregate(collected=Sum("amount"), voluntary=Sum("voluntary_amount"))
    to_central = _sum(
        payments.filter(to_central=True).aggregate(total=Sum("voluntary_amount"))["total"]
    )
    collected = _sum(totals["collected"])
    voluntary = _sum(totals["voluntary"])
    in_subtree = dict(Organization.objects.under(organization.path).values_list("pk", "name"))
    candidates = (
        Membership.objects.within(organization)
        .filter(started_on__lte=period_end)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=first))
        .values_list("member_id", flat=True)
        .distinct()
    )
    accounts = dues_accounts(candidates, on=as_of)
    last_open = min(last, rules.month_of(as_of))
    due_by_month: dict[dt.date, Decimal] = defaultdict(lambda: ZERO)
    owing: dict[int, tuple[Account, int | None]] = {}
    members_due: set[int] = set()
    for member_id, account in accounts.items():
        home = None
        for line in account.lines:
            if first <= line.month <= last_open and line.organization_id in in_subtree:
                due_by_month[line.month] += line.due
                members_due.add(member_id)
                home = line.organization_id
        if home is not None and account.arrears:
            owing[member_id] = (account, home)
    names: dict[int, str] = {}
    for chunk in _chunks(sorted(owing)):
        names.update(Member.objects.filter(pk__in=chunk).values_list("pk", "name"))
    arrears: list[ArrearsRow] = []
    for member_id, (account, home) in owing.items():
        owed = [line for line in account.lines if line.month <= account.through]
        run, since = account.unpaid_run
        due = sum((line.due for line in owed), ZERO)
        arrears.append(
            ArrearsRow(
                member_id=member_id,
                name=names.get(member_id, ""),
                organization=in_subtree.get(home or 0, ""),
                due=due,
                paid=due - account.outstanding,
                outstanding=account.outstanding,
                paid_through=account.paid_through,
                unpaid_months=account.unpaid_months,
                unpaid_run=run,
                unpaid_since=since,
            )
        )
    arrears.sort(key=lambda r: (-r.unpaid_months, -r.outstanding, r.name))
    months = rules.months_between(first, last)
    return Report(
        organization=organization,
        first_month=first,
        last_month=last,
        as_of=as_of,
        through=months_ended_by(as_of),
        due=_sum(sum(due_by_month.values(), ZERO)),
        collected=collected,
        voluntary=voluntary,
        to_central=to_central,
        remit_upward=collected + voluntary - to_central,
        payments=payments.count(),
        members_due=len(members_due),
        arrears=arrears,
        by_month=[(m, _sum(due_by_month.get(m)), collected_by_month.get(m, ZERO)) for m in months],
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
    for account in dues_accounts(member_ids, on=on).values():
        if account.arrears:
            behind += 1
            continue
        line = account.line(month)
        if line is not None and not line.settled:
            due_now += 1
    return MonthDue(ready, len(member_ids), due_now, behind)


# --- the committee dashboard --------------------------------------------------------------


def _any_dues_rows(member_ids: list[int], on: dt.date) -> bool:
    """Whether one of the members has a generated month up to `on`'s or a month paid by `on`
    (either is a line of their account)."""
    current = rules.month_of(on)
    return any(
        LedgerEntry.objects.filter(member_id__in=chunk, month__lte=current).exists()
        or PaymentMonth.objects.filter(member_id__in=chunk, payment__paid_on__lte=on).exists()
        for chunk in _chunks(sorted(set(member_ids)))
    )


def settled_dashboard(organization: Organization, on: dt.date, *, limit: int = 6) -> dict[str, Any]:
    """Dues on a committee's home card, as JSON for the figure cache: how many members on the
    roster on `on` have paid every month ended by then (`dues_accounts`: no arrears), and the
    child organizations with the lowest share, weakest first. `month` is the last month
    counted."""
    roster = roster_on(organization, on)
    member_paths = list(roster.values_list("member_id", "organization__path"))
    member_ids = [m for m, _p in member_paths]
    # Someone has a month on their account when a ledger row or a payment is there; only
    # without either are the accounts taken to see whether a profile gives one.
    if not _any_dues_rows(member_ids, on) and not any(
        account.lines for account in dues_accounts(member_ids, on=on).values()
    ):
        return {"month": None}  # nobody has a dues profile yet: nothing to show
    owing = members_owing(roster.values("member_id"), on=on)
    children: dict[int, dict[str, Any]] = {
        pk: {"id": pk, "name": name, "members": 0, "owing": 0}
        for pk, name in Organization.objects.filter(
            parent=organization, dissolved_on__isnull=True
        ).values_list("id", "name")
    }
    members = 0
    for member_id, path in member_paths:
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
        "month": months_ended_by(on).isoformat(),
        "members": members,
        "owing": len(owing),
        "percent": round(100 * (members - len(owing)) / members) if members else 100,
        "children": ranked[:limit],
    }


def remittable_by_organization(
    organization_ids: Iterable[int], first: dt.date | None, last: dt.date
) -> dict[int, Decimal]:
    """Dues each collecting organization (收缴党组织) received from `first` (None: ever) to
    `last`, as the report counts what goes upward: dues plus voluntary payments, less the single
    voluntary payments of 1000 yuan or more that go to the central level. The funds app reads it
    through `core.extensions.figures("dues_remittable")` to work out the retained dues."""
    payments = Payment.objects.filter(organization_id__in=list(organization_ids), paid_on__lte=last)
    if first is not None:
        payments = payments.filter(paid_on__gte=first)
    rows = payments.values("organization_id", "to_central").annotate(
        dues=Sum("amount"), voluntary=Sum("voluntary_amount")
    )
    result: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for row in rows:
        part = _sum(row["dues"]) + (ZERO if row["to_central"] else _sum(row["voluntary"]))
        result[row["organization_id"]] += part
    return {key: value.quantize(Decimal("0.01")) for key, value in result.items()}
