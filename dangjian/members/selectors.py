"""Scoped reads of members. Every query starts from the user's scope."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery, prefetch_related_objects
from django.shortcuts import get_object_or_404

from dangjian.accounts.scope import Scope, ScopedQuerySet, scope_for
from dangjian.core import crypto
from dangjian.core.dates import birth_date_range_for_age, today
from dangjian.organizations.models import Organization

from .choices import EDUCATION_BANDS, ON_ROSTER_STATUSES, AgeBand, Ethnicity
from .idnumbers import normalize_id_number
from .models import Member, Membership

ID_NUMBER_PATTERN = re.compile(r"^\d{17}[\dX]$")


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
        organization_path=Subquery(latest.values("organization__path")[:1]),
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


def member_list(*, user: Any, filters: MemberFilters) -> QuerySet[Member]:
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


def roster_on(organization: Organization, on: dt.date) -> QuerySet[Membership]:
    """Membership rows in the subtree on a date: started on or before, not ended by then."""
    return (
        Membership.objects.within(organization)
        .filter(started_on__lte=on)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=on))
    )
