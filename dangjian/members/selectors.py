"""Scoped reads of members. Every query starts from the user's scope."""

from __future__ import annotations

import bisect
import datetime as dt
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.models import (
    Count,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)
from django.db.models.functions import Collate
from django.shortcuts import get_object_or_404

from dangjian.accounts.scope import Scope, ScopedQuerySet, scope_for
from dangjian.core import crypto
from dangjian.core.dates import add_years, birth_date_range_for_age, today
from dangjian.organizations.models import Organization

from .choices import EDUCATION_BANDS, ON_ROSTER_STATUSES, AgeBand, Ethnicity, Sex
from .idnumbers import normalize_id_number
from .models import FamilyMember, MassOrganizationYear, Member, Membership, TripAbroad

ID_NUMBER_PATTERN = re.compile(r"^\d{17}[\dX]$")

# A list over more organizations than this (a city, a province: some 100,000 members and more)
# is a large scope (decision 0286): a name is searched by its start, from an index, and the
# list counts and pages at most LIST_CAP members. A county (about 1,000 organizations) keeps
# searching anywhere in the name and counting everyone.
LARGE_SCOPE_ORGANIZATIONS = 5_000
LIST_CAP = 1_000
# A search typed in a large scope counts at most this many (decision 0288): a surname matches
# tens of thousands of a city's members, whose count walked ~14,000 entries of the name index
# for 1,001 (220 ms of the database's CPU, every keystroke); the first 25 need ~350.
SEARCH_CAP = 100


def scoped_memberships(scope: Scope, *, current_only: bool = True) -> ScopedQuerySet[Membership]:
    """Membership rows (latest per member) whose organization is in the scope."""
    queryset = Membership.objects.filter(is_latest=True)
    if current_only:
        queryset = queryset.filter(ended_on__isnull=True)
    return queryset.restrict(scope)


def scoped_members(user: Any) -> ScopedQuerySet[Member]:
    """Every member the user may read: through the latest membership row, or themselves."""
    return Member.objects.restrict(user)


def with_organization(queryset: QuerySet[Member]) -> QuerySet[Member]:
    """Annotate the organization of each member's latest membership row."""
    # One row per member is latest: no ordering (the default one joins the member table again).
    latest = Membership.objects.filter(member=OuterRef("pk"), is_latest=True).order_by()
    return queryset.annotate(
        organization_id=Subquery(latest.values("organization_id")[:1]),
        organization_name=Subquery(latest.values("organization__name")[:1]),
    )


@dataclass(frozen=True)
class MemberFilters:
    q: str = ""
    status: str = ""  # "" = on the roster; "ALL" = everyone including removed
    category: str = ""
    sex: str = ""
    organization: Organization | None = None
    age_band: str = ""
    education_band: str = ""
    ethnicity: str = ""  # a GB 3304 code, or "MINORITY" for every ethnicity but 汉族
    occupation: str = ""
    joined_from: dt.date | None = None
    joined_to: dt.date | None = None


def is_number_search(q: str) -> bool:
    """Whether a search asks for a whole ID number or something as long as a phone number
    (shorter digits, typed on the way, cannot be a whole number a reader sees masked)."""
    compact = normalize_id_number(q.strip())
    return bool(ID_NUMBER_PATTERN.match(compact)) or (compact.isdigit() and len(compact) >= 7)


def search_condition(q: str, *, scope: Scope) -> Q:
    """Name, full pinyin (zhangsan), initials (zs), ID number or phone number.

    Numbers match whole values only, except a phone number among members whose numbers the
    scope may reveal: part of a number would otherwise tell a reader who sees it masked the
    hidden digits, a few searches at a time."""
    q = q.strip()
    if not q:
        return Q()
    compact = normalize_id_number(q)
    if ID_NUMBER_PATTERN.match(compact):
        return Q(id_number_hash=crypto.lookup_hash(compact))
    if compact.isdigit():
        whole = Q(phone=compact)
        if scope.reveals_all_it_reads:
            return Q(phone__contains=compact)
        if scope.reveals_anything:
            revealed = Member.objects.restrict(scope, "reveal").values("pk")
            return whole | Q(phone__contains=compact, pk__in=revealed)
        return whole
    letters = "".join(q.lower().split())
    if letters.isascii() and letters.isalpha():
        return Q(name_initials__startswith=letters) | Q(name_pinyin__startswith=letters)
    return Q(name__contains=q)


def large_scope_organizations() -> int:
    return int(getattr(settings, "DANGJIAN_LARGE_SCOPE_ORGANIZATIONS", LARGE_SCOPE_ORGANIZATIONS))


def is_large_scope(user: Any, organization: Organization | None = None) -> bool:
    """Whether a member list of `organization` (or of the user's whole scope) spans more than
    `large_scope_organizations()` organizations: counted up to one past that, from the path
    index, so the question costs a few milliseconds even for a province."""
    limit = large_scope_organizations()
    organizations = (
        Organization.objects.restrict(user)
        if organization is None
        else Organization.objects.under(organization.path)
    )
    return organizations.order_by().values("pk")[: limit + 1].count() > limit


def list_cap(*, large: bool, q: str) -> int | None:
    """How many members the list counts at most: all of them in a county or below; in a large
    scope `LIST_CAP` when browsing, `SEARCH_CAP` for a name, pinyin or initials typed (a whole
    ID or phone number finds one or two)."""
    if not large:
        return None
    return SEARCH_CAP if q.strip() and not is_number_search(q) else LIST_CAP


def is_name_search(q: str) -> bool:
    """A search by a name in characters: what `search_condition` matches with `name__contains`
    (not an ID number, not digits, not pinyin letters)."""
    q = q.strip()
    compact = normalize_id_number(q)
    if not q or ID_NUMBER_PATTERN.match(compact) or compact.isdigit():
        return False
    letters = "".join(q.lower().split())
    return not (letters.isascii() and letters.isalpha())


def _name_starts(queryset: QuerySet[Member], q: str) -> tuple[QuerySet[Member], tuple[Any, ...]]:
    """Members whose name starts with `q`, and the order that the name index serves: code
    points ("C" collation on PostgreSQL, SQLite's own BINARY order), then the primary key."""
    if connections[queryset.db].vendor == "postgresql":
        queryset = queryset.alias(name_c=Collate("name", "C")).filter(name_c__startswith=q)
        return queryset, (Collate("name", "C"), "pk")
    return queryset.filter(name__startswith=q), ("name", "pk")


def member_list(
    *, user: Any, filters: MemberFilters, large: bool | None = None
) -> QuerySet[Member]:
    """The members the filters ask for, in the user's scope. In a large scope (`is_large_scope`,
    passed as `large` when the caller knows it) a name matches by its start (a city's or a
    province's search is an index range, not a scan of millions of names)."""
    scope = scope_for(user)
    queryset = scoped_members(user)
    if filters.organization is not None:
        scope.require_read(filters.organization)
        queryset = queryset.within(filters.organization)
    if filters.status == "ALL":
        pass
    elif filters.status:
        queryset = queryset.filter(status=filters.status)
    else:
        queryset = queryset.filter(status__in=ON_ROSTER_STATUSES)
    if filters.category:
        queryset = queryset.filter(category=filters.category)
    if filters.sex:
        queryset = queryset.filter(sex=filters.sex)
    if filters.age_band:
        low, high = AgeBand(filters.age_band).bounds
        earliest, latest = birth_date_range_for_age(low, high, today())
        if earliest:
            queryset = queryset.filter(birth_date__gte=earliest)
        if latest:
            queryset = queryset.filter(birth_date__lte=latest)
    if filters.education_band:
        queryset = queryset.filter(education__in=EDUCATION_BANDS[filters.education_band])
    if filters.ethnicity == "MINORITY":
        queryset = queryset.exclude(ethnicity=Ethnicity.HAN)
    elif filters.ethnicity:
        queryset = queryset.filter(ethnicity=filters.ethnicity)
    if filters.occupation:
        queryset = queryset.filter(occupation=filters.occupation)
    if filters.joined_from:
        queryset = queryset.filter(joined_on__gte=filters.joined_from)
    if filters.joined_to:
        queryset = queryset.filter(joined_on__lte=filters.joined_to)
    if is_number_search(filters.q) and not scope.reveals_all_it_reads:
        from . import services  # services read through these selectors

        services.member_number_search_record(actor=user)
    if is_name_search(filters.q):
        if large is None:
            large = is_large_scope(user, filters.organization)
        if large:
            starting, order = _name_starts(queryset, filters.q.strip())
            return with_organization(starting).order_by(*order)
    queryset = queryset.filter(search_condition(filters.q, scope=scope))
    return with_organization(queryset).order_by("name_pinyin", "pk")


def member_get(*, user: Any, pk: int) -> Member:
    """One member in the user's scope, or 404."""
    return get_object_or_404(with_organization(scoped_members(user)), pk=pk)


def member_timeline(*, member: Member) -> QuerySet[Any]:
    return member.archive.select_related("actor").order_by("-at", "-id")


def member_memberships(*, member: Member) -> QuerySet[Membership]:
    return member.memberships.select_related("organization").order_by("-started_on", "-id")


def memberships_of(member: Member) -> list[Membership]:
    """The member's membership rows with their organizations, newest first.

    Read once per member object and kept on it (as a prefetch), so the member page and each
    of its panels share one query. For reading only: a service that moves the member reads
    the rows itself, under its lock.
    """
    if "memberships" not in getattr(member, "_prefetched_objects_cache", {}):
        rows = Membership.objects.select_related("organization").order_by("-started_on", "-id")
        prefetch_related_objects([member], Prefetch("memberships", queryset=rows))
    return list(member.memberships.all())


def latest_membership(member: Member) -> Membership | None:
    """The row that places the member (the open one, or the last for a removed member)."""
    return next((m for m in memberships_of(member) if m.is_latest), None)


def open_membership(member: Member) -> Membership | None:
    """The member's open row (None for a removed member)."""
    return next((m for m in memberships_of(member) if m.ended_on is None), None)


def roster_is_today(on: dt.date) -> bool:
    """Whether the roster on `on` is today's: no membership starts after today (the services
    refuse a later date), so on today or later it is `roster_members`, one pass of the member
    table instead of a join of every membership row with its member (decisions 0291, 0292)."""
    return on >= today()


def roster_members(organization: Organization | str) -> QuerySet[Member]:
    """Today's roster of the subtree (an organization or its path) as member rows: under its
    path, on the roster by status (decisions 0290, 0291). The member list counts the same."""
    return Member.objects.within(organization).filter(status__in=ON_ROSTER_STATUSES).order_by()


def roster_on(organization: Organization, on: dt.date) -> QuerySet[Membership]:
    """Membership rows in the subtree on a date: started on or before, not ended by then."""
    return (
        Membership.objects.within(organization)
        .filter(started_on__lte=on)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=on))
    )


# --- the 家庭成员 and 出国出境 information sets ---------------------------------------------------


def family_of(member: Member) -> list[FamilyMember]:
    """The member's relatives (the member comes from a scoped selector)."""
    return list(member.family.order_by("id"))


def trips_of(member: Member) -> list[TripAbroad]:
    """The member's stays abroad, latest first."""
    return list(member.trips.order_by("-left_on", "-id"))


# --- 群团组织 (党建带团建) --------------------------------------------------------------------------

# 青年党员: aged 35 or younger (the 35 of the statistics' age bands "30 and under, 31–35" and of
# 中长期青年发展规划（2016—2025年）, youth 14–35). 团青比例 = young members ÷ members on the roster.
YOUNG_AGE = 35
YOUNG_SHARE_FLOOR_PERCENT = 10  # the seed's "团青比例不到10%"


@dataclass(frozen=True)
class MassFigures:
    """An organization's (or subtree's) 党建带团建 figures for a year."""

    members: int
    young_members: int
    women_members: int
    record: MassOrganizationYear | None = None

    @property
    def young_share_percent(self) -> str:
        """团青比例 as shown: one decimal, rounded half-up (as reports.numbers.percent)."""
        if self.members == 0:
            return "0.0"
        share = Decimal(self.young_members) * 100 / Decimal(self.members)
        return f"{share.quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}"

    @property
    def young_share_low(self) -> bool:
        return self.members > 0 and self.young_members * 100 < (
            YOUNG_SHARE_FLOOR_PERCENT * self.members
        )


def figures_as_of(year: int) -> dt.date:
    """The date a year's figures are counted on: 31 December, or today in the current year."""
    return min(dt.date(year, 12, 31), today())


def roster_by_path(path: str, as_of: dt.date) -> dict[str, tuple[int, int, int]]:
    """(members, young members, women) on the roster on `as_of` per organization path of the
    subtree: one grouped query."""
    young_born_after = add_years(as_of, -(YOUNG_AGE + 1))
    rows = (
        Membership.objects.within(path)
        .filter(started_on__lte=as_of)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=as_of))
        .values_list("organization__path")
        .annotate(
            n=Count("id"),
            young=Count("id", filter=Q(member__birth_date__gt=young_born_after)),
            women=Count("id", filter=Q(member__sex=Sex.FEMALE)),
        )
        .order_by()
    )
    return {row[0]: (row[1], row[2], row[3]) for row in rows}


def _sum_under(counts: dict[str, tuple[int, int, int]], path: str) -> tuple[int, int, int]:
    return _SubtreeSums(counts).under(path)


class _SubtreeSums:
    """Sums of `roster_by_path` over any subtree, each in O(log n): the paths sorted, a
    subtree's paths are one run of them (those that start with its path), summed from running
    totals. Reading every path for every subtree asked cost a province's report 6.9 s of CPU
    (549 records × 211,533 paths)."""

    def __init__(self, counts: dict[str, tuple[int, int, int]]) -> None:
        self.paths = sorted(counts)
        self.totals = [(0, 0, 0)]
        n = y = w = 0
        for key in self.paths:
            a, b, c = counts[key]
            n, y, w = n + a, y + b, w + c
            self.totals.append((n, y, w))

    def under(self, path: str) -> tuple[int, int, int]:
        start = bisect.bisect_left(self.paths, path)
        end = bisect.bisect_left(self.paths, path + "\U0010ffff", lo=start)
        high, low = self.totals[end], self.totals[start]
        return (high[0] - low[0], high[1] - low[1], high[2] - low[2])


def mass_organization_year(*, organization: Organization, year: int) -> MassOrganizationYear | None:
    return MassOrganizationYear.objects.filter(organization=organization, year=year).first()


def mass_organization_figures(*, organization: Organization, year: int) -> MassFigures:
    """The organization's entered figures for the year and the ones counted from the roster
    (its whole subtree: a village's 总支 counts its branches' members)."""
    members, young, women = _sum_under(
        roster_by_path(organization.path, figures_as_of(year)), organization.path
    )
    return MassFigures(
        members, young, women, mass_organization_year(organization=organization, year=year)
    )


@dataclass(frozen=True)
class MassTotals:
    """The subtree's 党建带团建 table: entered records summed, roster counted."""

    reporting: int  # organizations with a record for the year
    with_league: int
    league_members: int
    with_women_organization: int
    members: int
    young_members: int
    women_members: int
    low_share: int  # reporting organizations whose 团青比例 is under the floor


def mass_organization_totals(
    path: str, year: int, *, roster: dict[str, tuple[int, int, int]] | None = None
) -> MassTotals:
    """Three queries for any subtree: the records, their sums, the roster grouped by path
    (`roster_by_path` at the year's end or today; `roster`: the caller's own, as the annual
    report counts it on its date)."""
    records = list(
        MassOrganizationYear.objects.within(path)
        .filter(year=year)
        .values_list("organization__path", "has_league", "league_members", "has_women_organization")
    )
    sums = _SubtreeSums(roster if roster is not None else roster_by_path(path, figures_as_of(year)))
    members, young, women = sums.under(path)
    low = 0
    for record_path, *_rest in records:
        n, y, _w = sums.under(record_path)
        if MassFigures(n, y, 0).young_share_low:
            low += 1
    return MassTotals(
        reporting=len(records),
        with_league=sum(1 for r in records if r[1]),
        league_members=sum(r[2] for r in records),
        with_women_organization=sum(1 for r in records if r[3]),
        members=members,
        young_members=young,
        women_members=women,
        low_share=low,
    )
