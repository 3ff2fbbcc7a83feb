"""Reads of dues. One function, `dues_accounts`, gives every figure of a member's months.

What a member owes follows the months they were on a roster with a dues profile, whether or
not anyone generated the ledger for a month (docs/dues.md). What a payment paid is stored
when it is recorded (`PaymentMonth`, decision 0071): the oldest open months first (补缴 before
预交), and it never moves afterwards.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeAlias

from django.db import connection
from django.db.models import (
    Case,
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
    When,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from dangjian.accounts.scope import scope_for
from dangjian.core import figures
from dangjian.core.dates import today
from dangjian.core.paths import child_on_path
from dangjian.members import selectors as member_selectors
from dangjian.members import subtrees
from dangjian.members.models import Member, Membership
from dangjian.members.selectors import roster_on
from dangjian.organizations.choices import BRANCH_KINDS
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
    # The farmers' amounts of the organizations of the member's rows, as read for the
    # account (`farmer_amounts`); None when no profile of the members read is a farmer's.
    farmer_amounts: dict[int, Decimal] | None = None

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


def dues_accounts(
    member_ids: Iterable[int], *, on: dt.date, ahead: int = 0, member: Member | None = None
) -> dict[int, Account]:
    """Each member's account on `on`: the one function behind every figure of owed months
    (the member page, the branch ledger, the report, the art. 9 alert, the dashboard).

    A member owes a month when, at the month's end, they are on a roster of this deployment,
    have joined (a probationary member from the branch meeting, RULES.md "Dues") and have a
    dues profile in force. The month's amount is its ledger row where one was generated,
    otherwise the profile under the rate table in force that month: a month nobody generated
    is owed all the same. What is paid on a month is what the payments made by `on` put on it
    when they were recorded (`PaymentMonth`); it never moves. `ahead` adds the months after
    `on`'s month up to that many, for a payment to be placed on. `member`, when it is the one
    member asked about, brings its membership rows as the member page read them
    (`members.selectors.memberships_of`): they are not read again.
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
        if member is not None and chunk == [member.pk]:
            # Newest first there: oldest first here, as the query below orders them.
            for row in reversed(member_selectors.memberships_of(member)):
                rows[member.pk].append((row.organization_id, row.started_on, row.ended_on))
                joined[member.pk] = member.joined_on
        else:
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
        farmers = any(p.category == DuesCategory.FARMER for mine in profiles.values() for p in mine)
        if farmers:
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
            account.farmer_amounts = farmer if farmers else None
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
    account = dues_accounts([member.pk], on=on, member=member)[member.pk]
    profiles = account.profiles
    profile = profile_in_force(profiles, month)
    calculation = None
    if profile is not None:
        farmer = None
        if profile.category == DuesCategory.FARMER:
            organization = member_organization(member)
            if organization is not None and account.farmer_amounts is not None:
                # Read for the account already: the organization is one of its rows'.
                farmer = account.farmer_amounts.get(organization.pk)
            elif organization is not None:
                farmer = farmer_amount_of(organization)
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
    of the subtree, each with every month they owe by then. Read in aggregate (decision 0210):
    a member whose account is their generated ledger alone has their figures summed in SQL;
    anyone else has their account taken (`_report_from_accounts`)."""
    first = dt.date(year, month or 1, 1)
    last = dt.date(year, month or 12, 1)
    period_end = rules.month_end(last)
    as_of = min(period_end, on or today())
    months = rules.months_between(first, last)
    payments = Payment.objects.within(organization).filter(
        paid_on__gte=first, paid_on__lte=period_end
    )
    totals = payments.aggregate(
        collected=Sum("amount"),
        voluntary=Sum("voluntary_amount"),
        to_central=Sum("voluntary_amount", filter=Q(to_central=True)),
        count=Count("pk"),
        **{
            f"m{index}": Sum("amount", filter=Q(paid_on__gte=m, paid_on__lte=rules.month_end(m)))
            for index, m in enumerate(months)
        },
    )
    collected = _sum(totals["collected"])
    voluntary = _sum(totals["voluntary"])
    to_central = _sum(totals["to_central"])
    subtree = Organization.objects.under(organization.path)
    in_subtree = dict(subtree.values_list("pk", "name"))
    candidates = (
        Membership.objects.within(organization)
        .filter(started_on__lte=period_end)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=first))
        .values("member_id")
        .distinct()
    )
    last_open = min(last, rules.month_of(as_of))
    read = _ReportRead(first, last_open, as_of, subtree.values("pk"))
    due_by_month, members_due, owing, others = read.figures(candidates)
    # The members whose account is more than their ledger: their accounts, in place of the
    # sums above for what their ledger rows gave.
    from_accounts = _report_from_accounts(others, first, last_open, as_of, set(in_subtree))
    for chunk in _chunks(sorted(others)):
        for m, total in (
            LedgerEntry.objects.filter(member_id__in=chunk, month__gte=first, month__lte=last_open)
            .filter(organization_id__in=subtree.values("pk"))
            .order_by()
            .values("month")
            .annotate(total=Sum("amount_due"))
            .values_list("month", "total")
        ):
            due_by_month[m] -= _sum(total)
    for m, due in from_accounts.due_by_month.items():
        due_by_month[m] += due
    members_due += len(from_accounts.members_due)
    homes: dict[int, tuple[str, int | None]] = {}
    for chunk in _chunks(sorted(owing)):
        homes.update(
            (pk, (name, home))
            for pk, name, home in Member.objects.filter(pk__in=chunk)
            .annotate(home=read.home())
            .values_list("pk", "name", "home")
        )
    for chunk in _chunks(sorted(from_accounts.owing)):
        homes.update(
            (pk, (name, from_accounts.owing[pk][1]))
            for pk, name in Member.objects.filter(pk__in=chunk).values_list("pk", "name")
        )
    arrears: list[ArrearsRow] = []
    for member_id, ledger in owing.items():
        name, home = homes.get(member_id, ("", None))
        arrears.append(ledger.row(member_id, name, in_subtree.get(home or 0, "")))
    for member_id, (account, home) in from_accounts.owing.items():
        name = homes.get(member_id, ("", None))[0]
        arrears.append(account_row(account, name, in_subtree.get(home or 0, "")))
    arrears.sort(key=lambda r: (-r.unpaid_months, -r.outstanding, r.name))
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
        payments=totals["count"] or 0,
        members_due=members_due,
        arrears=arrears,
        by_month=[
            (m, _sum(due_by_month.get(m)), _sum(totals[f"m{index}"]))
            for index, m in enumerate(months)
        ],
    )


# --- the report page: a cached figure of a committee's report (decision 0260) -----------------

PAGE_ROWS = 200  # the page lists this many of each table; the export has them all


@dataclass
class ReportPage:
    """What the report page shows: the report's figures, and the first `PAGE_ROWS` rows of the
    arrears table and of the art. 9 list with how many there are. As JSON it is the figure a
    committee's page reads from the cache (`report_page`)."""

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
    by_month: list[tuple[dt.date, Decimal, Decimal]]
    arrears: list[ArrearsRow]
    arrears_count: int
    unpaid: list[ArrearsRow]
    unpaid_count: int
    computed_at: dt.datetime | None = None  # when the cached figure was counted
    stale: bool = False  # a big subtree's kept figure, shown while the worker counts it again

    @classmethod
    def of(cls, report: Report, art9_months: int) -> ReportPage:
        unpaid = report.long_unpaid(art9_months)
        return cls(
            first_month=report.first_month,
            last_month=report.last_month,
            as_of=report.as_of,
            through=report.through,
            due=report.due,
            collected=report.collected,
            voluntary=report.voluntary,
            to_central=report.to_central,
            remit_upward=report.remit_upward,
            payments=report.payments,
            members_due=report.members_due,
            by_month=report.by_month,
            arrears=report.arrears[:PAGE_ROWS],
            arrears_count=len(report.arrears),
            unpaid=unpaid[:PAGE_ROWS],
            unpaid_count=len(unpaid),
        )

    def as_json(self) -> dict[str, Any]:
        def row(r: ArrearsRow) -> list[Any]:
            return [
                r.member_id,
                r.name,
                r.organization,
                str(r.due),
                str(r.paid),
                str(r.outstanding),
                _iso(r.paid_through),
                r.unpaid_months,
                r.unpaid_run,
                _iso(r.unpaid_since),
            ]

        return {
            "months": [_iso(d) for d in (self.first_month, self.last_month, self.through)],
            "as_of": self.as_of.isoformat(),
            "money": [
                str(self.due),
                str(self.collected),
                str(self.voluntary),
                str(self.to_central),
                str(self.remit_upward),
            ],
            "payments": self.payments,
            "members_due": self.members_due,
            "by_month": [[m.isoformat(), str(d), str(c)] for m, d, c in self.by_month],
            "arrears": [row(r) for r in self.arrears],
            "arrears_count": self.arrears_count,
            "unpaid": [row(r) for r in self.unpaid],
            "unpaid_count": self.unpaid_count,
        }

    @classmethod
    def from_json(cls, value: dict[str, Any], computed_at: dt.datetime | None) -> ReportPage:
        def row(r: list[Any]) -> ArrearsRow:
            return ArrearsRow(
                member_id=r[0],
                name=r[1],
                organization=r[2],
                due=Decimal(r[3]),
                paid=Decimal(r[4]),
                outstanding=Decimal(r[5]),
                paid_through=_from_iso(r[6]),
                unpaid_months=r[7],
                unpaid_run=r[8],
                unpaid_since=_from_iso(r[9]),
            )

        first, last, through = (dt.date.fromisoformat(d) for d in value["months"])
        due, collected, voluntary, to_central, remit = (Decimal(v) for v in value["money"])
        return cls(
            first_month=first,
            last_month=last,
            as_of=dt.date.fromisoformat(value["as_of"]),
            through=through,
            due=due,
            collected=collected,
            voluntary=voluntary,
            to_central=to_central,
            remit_upward=remit,
            payments=value["payments"],
            members_due=value["members_due"],
            by_month=[
                (dt.date.fromisoformat(m), Decimal(d), Decimal(c)) for m, d, c in value["by_month"]
            ],
            arrears=[row(r) for r in value["arrears"]],
            arrears_count=value["arrears_count"],
            unpaid=[row(r) for r in value["unpaid"]],
            unpaid_count=value["unpaid_count"],
            computed_at=computed_at,
        )


def _iso(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


def _from_iso(value: str | None) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(value)


def report_page_key(year: int, month: int | None, on: dt.date, art9_months: int) -> str:
    """The figure's key: the period, the day it is counted on (arrears run to today) and the
    art. 9 run length (configurable) that picks the second list."""
    return f"dues-report:v1:{year}:{month or 0}:{on.isoformat()}:{art9_months}"


def report_page(
    organization: Organization,
    year: int,
    month: int | None = None,
    *,
    refresh: bool = False,
    younger_than: int | None = None,
) -> ReportPage | None:
    """The report page of `organization` (`organization_report`, cut to what the page shows);
    None while the worker counts a big subtree's never counted (decision 0287).

    A committee's is a cached figure (core.figures, decision 0100): a county's report sums
    every member's account of the year (about 1.7 s of CPU on the demo county), the figure
    cache is dropped by every write that can change it (payments, the ledger, dues profiles,
    the farmers' amount, the rate tables, memberships, members and organizations) and the
    worker counts it again ahead of the next visitor (`dues.tasks.report_warm`). A branch's is
    counted on every visit: a secretary expects to see the payment they just recorded."""
    art9 = rules.art9_months()
    on = today()

    def compute() -> dict[str, Any]:
        return ReportPage.of(organization_report(organization, year, month, on=on), art9).as_json()

    if organization.kind in BRANCH_KINDS:
        return ReportPage.from_json(compute(), None)
    key = report_page_key(year, month, on, art9)
    if younger_than is None and subtrees.is_big(organization):
        # A big subtree's page shows its kept figure even when a change below made it stale,
        # and queues one recount for the worker (decision 0283).
        from . import tasks

        kept = figures.kept(
            organization.path,
            key,
            compute,
            recount=lambda: tasks.report_recount.enqueue(organization.pk, year, month or 0),
            refresh=refresh,
        )
        if kept.pending:
            return None
        page = ReportPage.from_json(kept.value, kept.computed_at)
        page.stale = kept.stale
        return page
    value, computed_at = figures.cached(
        organization.path, key, compute, refresh=refresh, younger_than=younger_than
    )
    return ReportPage.from_json(value, computed_at)


def report_page_recount(organization: Organization, year: int, month: int | None) -> None:
    """The worker's recount of a kept report page a visitor found stale."""
    art9 = rules.art9_months()
    on = today()
    figures.recount_store(
        organization.path,
        report_page_key(year, month, on, art9),
        lambda: ReportPage.of(
            organization_report(organization, year, month, on=on), art9
        ).as_json(),
    )


def settled_dashboard_kept(organization: Organization, *, refresh: bool) -> dict[str, Any] | None:
    """The home card's dues figure (`settled_dashboard`): kept for a big subtree (decision
    0283; None while the worker counts one never counted, 0287), else from the figure cache,
    counted again when a change made it stale."""
    on = today()
    key = f"dues:{on.isoformat()}"
    if not subtrees.is_big(organization):
        value, _at = figures.cached(
            organization.path, key, lambda: settled_dashboard(organization, on), refresh=refresh
        )
        return dict(value)
    from . import tasks

    kept = figures.kept(
        organization.path,
        key,
        lambda: settled_dashboard(organization, on),
        recount=lambda: tasks.dashboard_recount.enqueue(organization.pk),
        refresh=refresh,
    )
    return None if kept.pending else dict(kept.value)


def settled_dashboard_recount(organization: Organization) -> None:
    on = today()
    figures.recount_store(
        organization.path, f"dues:{on.isoformat()}", lambda: settled_dashboard(organization, on)
    )


def settled_dashboard_warm(organization: Organization, *, younger_than: int) -> None:
    on = today()
    figures.cached(
        organization.path,
        f"dues:{on.isoformat()}",
        lambda: settled_dashboard(organization, on),
        younger_than=younger_than,
    )


@dataclass
class _FromAccounts:
    due_by_month: dict[dt.date, Decimal]
    members_due: set[int]
    owing: dict[int, tuple[Account, int | None]]


def account_row(account: Account, name: str, organization: str) -> ArrearsRow:
    """A member's line of the arrears table, from their account."""
    owed = [line for line in account.lines if line.month <= account.through]
    run, since = account.unpaid_run
    due = sum((line.due for line in owed), ZERO)
    return ArrearsRow(
        member_id=account.member_id,
        name=name,
        organization=organization,
        due=due,
        paid=due - account.outstanding,
        outstanding=account.outstanding,
        paid_through=account.paid_through,
        unpaid_months=account.unpaid_months,
        unpaid_run=run,
        unpaid_since=since,
    )


def _report_from_accounts(
    member_ids: Iterable[int], first: dt.date, last_open: dt.date, as_of: dt.date, subtree: set[int]
) -> _FromAccounts:
    """The report's figures of these members from their accounts (`dues_accounts`): what each
    owed in the months `first`..`last_open` to an organization of the subtree, and who of them
    has arrears (with the organization of their last such month)."""
    due_by_month: dict[dt.date, Decimal] = defaultdict(lambda: ZERO)
    members_due: set[int] = set()
    owing: dict[int, tuple[Account, int | None]] = {}
    for member_id, account in dues_accounts(member_ids, on=as_of).items():
        home = None
        for line in account.lines:
            if first <= line.month <= last_open and line.organization_id in subtree:
                due_by_month[line.month] += line.due
                members_due.add(member_id)
                home = line.organization_id
        if home is not None and account.arrears:
            owing[member_id] = (account, home)
    return _FromAccounts(due_by_month, members_due, owing)


@functools.lru_cache(maxsize=4096)
def _day(value: Any) -> dt.date | None:
    """A date from a raw row: SQLite gives ISO text, PostgreSQL a date (a county's rows hold
    a few hundred distinct ones, hence the cache)."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


@functools.lru_cache(maxsize=4096)
def _month_of_raw(value: Any) -> dt.date:
    day = _day(value)
    assert day is not None
    return rules.month_of(day)


def _money(value: Any) -> Decimal:
    """A sum of whole-fen amounts from a raw row (a float on SQLite) as yuan and fen."""
    return ZERO if value is None else Decimal(str(value)).quantize(rules.FEN)


def _month_count(low: dt.date, high: dt.date) -> int:
    return (high.year - low.year) * 12 + high.month - low.month + 1


@dataclass(slots=True)
class _LedgerFigures:
    """An owing member's figures from their generated ledger alone (see `_ReportRead`)."""

    unpaid_months: int
    outstanding: Decimal
    due: Decimal
    paid_through: dt.date | None
    unpaid_run: int
    unpaid_since: dt.date | None

    def row(self, member_id: int, name: str, organization: str) -> ArrearsRow:
        return ArrearsRow(
            member_id=member_id,
            name=name,
            organization=organization,
            due=self.due,
            paid=self.due - self.outstanding,
            outstanding=self.outstanding,
            paid_through=self.paid_through,
            unpaid_months=self.unpaid_months,
            unpaid_run=self.unpaid_run,
            unpaid_since=self.unpaid_since,
        )


@dataclass
class _ReportRead:
    """The county report in aggregate (decision 0210), for the members whose account is their
    generated ledger alone: their ledger up to `as_of`'s month runs unbroken over every month
    they owe by then (from their memberships, joining date and first dues profile, as
    `dues_accounts` counts them) and nothing they paid on a month ended by `as_of` lies outside
    it. Then the lines of their account up to that month are their ledger rows, and every
    figure is a sum over them in SQL, each row with what was paid on it by `as_of`. The others
    are returned for `_report_from_accounts`."""

    first: dt.date
    last_open: dt.date
    as_of: dt.date
    subtree: QuerySet[Any]

    def home(self) -> Subquery:
        """The organization of a member's last month of the period owed to the subtree."""
        return Subquery(
            LedgerEntry.objects.filter(
                member_id=OuterRef("pk"),
                month__gte=self.first,
                month__lte=self.last_open,
                organization_id__in=self.subtree,
            )
            .order_by("-month")
            .values("organization_id")[:1]
        )

    def figures(
        self, candidates: QuerySet[Any]
    ) -> tuple[dict[dt.date, Decimal], int, dict[int, _LedgerFigures], set[int]]:
        """(due by month from the candidates' ledger rows, members owing a month of the period
        by their ledger alone, their arrears figures by member, the members to take by account)."""
        horizon = rules.month_of(self.as_of)
        through = months_ended_by(self.as_of)
        in_period = Q(month__gte=self.first, month__lte=self.last_open) & Q(
            organization_id__in=self.subtree
        )
        due_by_month: dict[dt.date, Decimal] = defaultdict(lambda: ZERO)
        for m, total in (
            LedgerEntry.objects.filter(member_id__in=candidates)
            .filter(in_period)
            .order_by()
            .values("month")
            .annotate(total=Sum("amount_due"))
            .values_list("month", "total")
        ):
            due_by_month[m] += _sum(total)
        paid_months = PaymentMonth.objects.filter(
            member_id=OuterRef("member_id"), month=OuterRef("month")
        )
        if Payment.objects.filter(paid_on__gt=self.as_of).exists():
            paid_months = paid_months.filter(payment__paid_on__lte=self.as_of)
        paid = paid_months.order_by().values("member_id").annotate(total=Sum("amount"))
        rows = (
            LedgerEntry.objects.filter(member_id__in=candidates, month__lte=horizon)
            .order_by()
            .annotate(
                paid=Case(
                    When(
                        month__lte=through,
                        then=Coalesce(Subquery(paid.values("total")), Value(ZERO)),
                    ),
                    default=Value(ZERO),
                    output_field=DecimalField(),
                ),
                here=Case(When(in_period, then=Value(1)), default=Value(0)),
            )
            .values("paid", "here", m=F("member_id"), mo=F("month"), due=F("amount_due"))
        )
        memberships = (
            Membership.objects.filter(member_id__in=candidates)
            .order_by()
            .values(m=F("member_id"))
            .annotate(
                joined=Max("member__joined_on"),
                started=Min("started_on"),
                open=Count("pk", filter=Q(ended_on__isnull=True)),
                ended=Max("ended_on"),
            )
        )
        profiles = (
            DuesProfile.objects.filter(member_id__in=candidates)
            .order_by()
            .values(m=F("member_id"))
            .annotate(since=Min("effective_from"))
        )
        paid_range = (
            PaymentMonth.objects.filter(member_id__in=candidates, month__lte=through)
            .order_by()
            .values(m=F("member_id"))
            .annotate(low=Min("month"), high=Max("month"))
        )
        unsettled = "t.due > t.paid + 0.005"
        parts = {"ms": memberships, "pf": profiles, "pr": paid_range, "t": rows}
        compiled = {k: q.query.sql_with_params() for k, q in parts.items()}
        # The ledger rows are materialized first: each row's payments are summed once (the
        # planners would otherwise fold `t` into the GROUP BY and repeat its subquery).
        sql = f"""
            WITH t AS MATERIALIZED ({compiled["t"][0]})
            SELECT ms.m, ms.joined, ms.started, ms.open, ms.ended, pf.since, pr.low, pr.high,
                   lg.n, lg.low, lg.high, lg.owed, lg.unpaid, lg.outstanding, lg.first_unpaid,
                   lg.last_break, lg.last_here
            FROM ({compiled["ms"][0]}) ms
            LEFT JOIN ({compiled["pf"][0]}) pf ON pf.m = ms.m
            LEFT JOIN ({compiled["pr"][0]}) pr ON pr.m = ms.m
            LEFT JOIN (
                SELECT t.m AS m, COUNT(*) AS n, MIN(t.mo) AS low, MAX(t.mo) AS high,
                  SUM(CASE WHEN t.mo <= %s THEN t.due ELSE 0 END) AS owed,
                  SUM(CASE WHEN t.mo <= %s AND {unsettled} THEN 1 ELSE 0 END) AS unpaid,
                  SUM(CASE WHEN t.mo <= %s AND {unsettled} THEN t.due - t.paid ELSE 0 END)
                    AS outstanding,
                  MIN(CASE WHEN t.mo <= %s AND {unsettled} THEN t.mo END) AS first_unpaid,
                  MAX(CASE WHEN t.mo <= %s AND (t.due <= 0 OR t.paid > 0) THEN t.mo END)
                    AS last_break,
                  MAX(CASE WHEN t.here = 1 THEN t.mo END) AS last_here
                FROM t
                GROUP BY t.m
            ) lg ON lg.m = ms.m
        """  # noqa: S608 - the inner queries are Django's, the values are parameters
        params = [
            *compiled["t"][1],
            *compiled["ms"][1],
            *compiled["pf"][1],
            *compiled["pr"][1],
            *[through] * 5,
        ]
        members_due = 0
        owing: dict[int, _LedgerFigures] = {}
        others: set[int] = set()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            result = cursor.fetchall()
        for (
            member_id,
            joined,
            started,
            open_rows,
            ended,
            since,
            paid_low,
            paid_high,
            n,
            low_raw,
            high_raw,
            owed,
            unpaid,
            outstanding,
            first_unpaid,
            last_break,
            last_here,
        ) in result:
            low, high = _day(low_raw), _day(high_raw)
            if low is None or high is None:
                if since is not None:
                    others.add(member_id)  # owes months nobody generated, or nothing
                continue
            profile_from, joined_on = _day(since), _day(joined)
            simple = n == _month_count(low, high)
            if simple and paid_low is not None:
                # Nothing paid on an ended month outside the ledger (every month between its
                # first and last is generated).
                simple = low <= _month_of_raw(paid_low) and _month_of_raw(paid_high) <= high
            if simple and profile_from is not None and joined_on is not None:
                # Every month owed lies in [earliest, latest]; the ledger must cover that.
                earliest = max(profile_from, rules.month_of(joined_on), _month_of_raw(started))
                latest = horizon
                if not open_rows:
                    latest = min(latest, rules.add_months(_month_of_raw(ended), -1))
                simple = earliest > latest or (low <= earliest and latest <= high)
            if not simple:
                others.add(member_id)
                continue
            if last_here is None:
                continue
            members_due += 1
            if not unpaid:
                continue
            first_open = _day(first_unpaid)
            assert first_open is not None
            run, run_from = 0, None
            if high >= through:
                broke = _day(last_break)
                run_from = low if broke is None else max(low, rules.add_months(broke, 1))
                run = _month_count(run_from, through) if run_from <= through else 0
                run_from = run_from if run else None
            owing[member_id] = _LedgerFigures(
                unpaid_months=int(unpaid),
                outstanding=_money(outstanding),
                due=_money(owed),
                paid_through=rules.add_months(first_open, -1) if first_open > low else None,
                unpaid_run=run,
                unpaid_since=run_from,
            )
        return due_by_month, members_due, owing, others


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


# A period of payments: from its first day (None: ever) to its last, both included.
Period: TypeAlias = tuple[dt.date | None, dt.date]


def remittable_within(
    path: str, periods: Sequence[Period], *, dissolved: bool = True
) -> dict[int, tuple[Decimal, ...]]:
    """`remittable_by_organization` for every collecting organization of a subtree (the
    organization at `path` and everything below it) and several periods at once: one pass over
    the subtree's payments, a conditional sum per period (issue 20, decision 0278). Each
    organization with a payment in any period maps to its figures, one per period in the order
    given (zero where it received nothing there), rounded to the fen as
    `remittable_by_organization` rounds them. `dissolved=False` leaves out the organizations
    dissolved since. The funds app reads it through `figures("dues_remittable_within")`."""
    if not periods:
        return {}
    whens = [
        Q(paid_on__lte=last) if first is None else Q(paid_on__gte=first, paid_on__lte=last)
        for first, last in periods
    ]
    payments = Payment.objects.within(path).filter(functools.reduce(operator.or_, whens))
    if not dissolved:
        payments = payments.filter(organization__dissolved_on__isnull=True)
    sums: dict[str, Sum] = {}
    for n, when in enumerate(whens):
        sums[f"dues{n}"] = Sum("amount", filter=when)
        # A voluntary payment handed up to the central level is not the organization's.
        sums[f"voluntary{n}"] = Sum("voluntary_amount", filter=when & Q(to_central=False))
    rows = payments.order_by().values("organization_id").annotate(**sums)
    return {
        row["organization_id"]: tuple(
            _sum(row[f"dues{n}"]) + _sum(row[f"voluntary{n}"]) for n in range(len(periods))
        )
        for row in rows
    }
