"""Scoped reads of care records: volunteer activities, a member's hours, and the counts the
annual report needs (discipline and commendations in a subtree and year)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404

from dangjian.accounts.scope import scope_for
from dangjian.members.choices import Occupation
from dangjian.members.models import Member, Membership
from dangjian.organizations.models import Organization

from .models import (
    Commendation,
    Discipline,
    HelpRequest,
    VolunteerActivity,
    VolunteerService,
    VolunteerSignup,
)


def _was_member_within(organization: Organization) -> Exists:
    """The row's member has a membership in the subtree: asked of each of the year's few rows
    by the member's index, not as `member_id IN` every membership of a province (13.9 s)."""
    return Exists(Membership.objects.within(organization).filter(member_id=OuterRef("member_id")))


def discipline_counts(organization: Organization, year: int) -> dict[str, int]:
    """Members disciplined in the year, where their organization was in the subtree; of them rural."""
    rows = Discipline.objects.filter(on__year=year).filter(_was_member_within(organization))
    counts = rows.aggregate(
        people=Count("member", distinct=True),
        farmers=Count("member", distinct=True, filter=Q(member__occupation=Occupation.FARMER)),
    )
    return {"people": counts["people"], "farmers": counts["farmers"]}


def commendation_counts(organization: Organization, year: int) -> dict[str, int]:
    rows = Commendation.objects.filter(on__year=year).filter(
        _was_member_within(organization)
        | Q(organization__in=Organization.objects.under(organization.path))
    )
    return dict(rows.values_list("title").annotate(n=Count("id")).values_list("title", "n"))


# --- volunteer service ------------------------------------------------------------------------


def _year_range(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year + 1, 1, 1)


def volunteer_activities(
    *, user: Any, organization: Organization | None = None, year: int | None = None
) -> QuerySet[VolunteerActivity]:
    """Volunteer activities the user may read (organized in their subtrees), newest first,
    each with its number of participants and their hours."""
    scope = scope_for(user)
    queryset = VolunteerActivity.objects.restrict(scope)
    if organization is not None:
        scope.require_read(organization)
        queryset = queryset.within(organization)
    if year is not None:
        start, end = _year_range(year)
        queryset = queryset.filter(on__gte=start, on__lt=end)
    return (
        queryset.select_related("organization")
        .annotate(
            participant_count=Count("participations"), hours_total=Sum("participations__hours")
        )
        .order_by("-on", "-pk")
    )


def volunteer_activity_get(*, user: Any, pk: int) -> VolunteerActivity:
    """One volunteer activity in the user's scope, or 404."""
    return get_object_or_404(volunteer_activities(user=user), pk=pk)


def volunteer_participations(activity: VolunteerActivity) -> QuerySet[VolunteerService]:
    return activity.participations.select_related("member").order_by(
        "member__name_pinyin", "member_id"
    )


def volunteer_addable(activity: VolunteerActivity) -> QuerySet[Member]:
    """Who may still be added: on the organization's roster (or below it) and not listed yet."""
    return (
        Member.objects.filter(
            pk__in=Membership.objects.within(activity.organization)
            .filter(ended_on__isnull=True)
            .values("member_id")
        )
        .exclude(pk__in=activity.participations.values("member_id"))
        .order_by("name_pinyin", "pk")
        .only("pk", "name", "name_pinyin")
    )


@dataclass(frozen=True)
class VolunteerTotals:
    activities: int
    participations: int  # 人次
    people: int
    hours: Decimal


def volunteer_totals(organization: Organization, year: int) -> VolunteerTotals:
    """Activities organized in the subtree in the year, with their participants and hours."""
    start, end = _year_range(year)
    counts = (
        VolunteerService.objects.within(organization)
        .filter(activity_record__on__gte=start, activity_record__on__lt=end)
        .aggregate(
            activities=Count("activity_record", distinct=True),
            participations=Count("pk"),
            people=Count("member", distinct=True),
            hours=Sum("hours"),
        )
    )
    return VolunteerTotals(
        activities=counts["activities"],
        participations=counts["participations"],
        people=counts["people"],
        hours=counts["hours"] or Decimal(0),
    )


def volunteer_candidates(organization: Organization) -> QuerySet[Membership]:
    """Who may be ticked as a participant: the current roster of the organization and below,
    with each member's own organization (the page shows it for a committee's activity)."""
    return (
        Membership.objects.within(organization)
        .filter(ended_on__isnull=True)
        .select_related("member", "organization")
        .order_by("member__name_pinyin", "member_id")
    )


# --- help requests and sign-ups ---------------------------------------------------------------


def help_requests(*, user: Any, organization: Organization) -> QuerySet[HelpRequest]:
    """Members' help requests in the organization's subtree (the reader may read it), open ones
    first, then newest."""
    scope_for(user).require_read(organization)
    return (
        HelpRequest.objects.within(organization)
        .select_related("member", "organization", "assistance", "taken_up_by")
        .order_by("status", "-asked_at", "-id")  # "OPEN" sorts before "TAKEN_UP"
    )


def help_request_get(*, user: Any, pk: int) -> HelpRequest:
    """A help request the user may take up (their organization manages it), or 404."""
    return get_object_or_404(
        HelpRequest.objects.restrict(user, "manage").select_related("member", "organization"),
        pk=pk,
    )


def own_help_requests(member: Member, limit: int = 10) -> list[HelpRequest]:
    return list(
        HelpRequest.objects.filter(member=member)
        .select_related("assistance")
        .order_by("-asked_at", "-id")[:limit]
    )


def _ancestor_paths(path: str) -> list[str]:
    """/1/7/42/ → ['/1/', '/1/7/', '/1/7/42/']: the organization and every one above it."""
    return [path[: i + 1] for i, ch in enumerate(path) if ch == "/" and i > 0]


@dataclass(frozen=True)
class OpenActivity:
    activity: VolunteerActivity
    taken: int
    mine: bool

    @property
    def full(self) -> bool:
        return self.activity.capacity is not None and self.taken >= self.activity.capacity

    @property
    def places_left(self) -> int | None:
        if self.activity.capacity is None:
            return None
        return max(self.activity.capacity - self.taken, 0)


def volunteer_open_for(member: Member, limit: int = 20) -> list[OpenActivity]:
    """Published activities of the member's branch and the committees above it that still take
    sign-ups (from today on), with the places taken and whether the member is signed up."""
    from dangjian.core.dates import today

    row = (
        Membership.objects.select_related("organization")
        .filter(member=member, ended_on__isnull=True)
        .first()
    )
    if row is None:
        return []
    active = Q(signups__cancelled_at__isnull=True)
    activities = (
        VolunteerActivity.objects.filter(
            signup_open=True,
            on__gte=today(),
            organization__path__in=_ancestor_paths(row.organization.path),
        )
        .select_related("organization")
        .annotate(
            taken=Count("signups", filter=active),
            mine=Count("signups", filter=active & Q(signups__member=member)),
        )
        .order_by("on", "pk")[:limit]
    )
    return [OpenActivity(a, a.taken, bool(a.mine)) for a in activities]


def volunteer_signups(activity: VolunteerActivity) -> QuerySet[VolunteerSignup]:
    """Who signed up and has not cancelled, first come first."""
    return (
        activity.signups.filter(cancelled_at__isnull=True)
        .select_related("member")
        .order_by("signed_up_at", "id")
    )


def volunteer_open_get(*, member: Member, pk: int) -> VolunteerActivity:
    """A published activity the member may sign up for, or 404 (another branch's activity is
    not theirs to see)."""
    row = (
        Membership.objects.select_related("organization")
        .filter(member=member, ended_on__isnull=True)
        .first()
    )
    if row is None:
        raise Http404
    return get_object_or_404(
        VolunteerActivity.objects.filter(
            signup_open=True, organization__path__in=_ancestor_paths(row.organization.path)
        ),
        pk=pk,
    )
