"""Figures computed from the records for any organization and everything below it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _

from dangjian.accounts.scope import scope_for
from dangjian.core import figures
from dangjian.core.dates import today
from dangjian.members import subtrees
from dangjian.members.choices import MemberCategory, Sex
from dangjian.members.selectors import roster_members
from dangjian.organizations.choices import BRANCH_KINDS, COMMITTEE_KINDS, OrgKind
from dangjian.organizations.models import Organization

from .models import ReportSnapshot
from .numbers import percent
from .report import Report, report_compute

__all__ = ["Overview", "overview", "percent"]


@dataclass(frozen=True)
class Overview:
    organization: Organization
    grassroots: int
    committees: int
    general_branches: int
    branches: int
    members: int
    men: int
    women: int
    full: int
    probationary: int

    @property
    def men_percent(self) -> str:
        return percent(self.men, self.members)

    @property
    def women_percent(self) -> str:
        return percent(self.women, self.members)

    @property
    def sentence(self) -> str:
        """The summary the seed report wrote by hand, with the percentages filled."""
        return _(
            "共有基层党组织%(grassroots)d个(其中:党委%(committees)d个、党总支%(general)d个、"
            "党支部%(branches)d个);共有党员%(members)d名。其中:男%(men)d名,占%(men_pct)s%%;"
            "女%(women)d名,占%(women_pct)s%%"
        ) % {
            "grassroots": self.grassroots,
            "committees": self.committees,
            "general": self.general_branches,
            "branches": self.branches,
            "members": self.members,
            "men": self.men,
            "men_pct": self.men_percent,
            "women": self.women,
            "women_pct": self.women_percent,
        }


def overview(organization: Organization) -> Overview:
    """Grassroots organizations (the organization itself included when it is one) and the
    members on the roster in the subtree, counted where their organizational relationship is."""
    orgs = (
        Organization.objects.under(organization.path)
        .filter(dissolved_on__isnull=True)
        .aggregate(
            committees=Count("id", filter=Q(kind__in=COMMITTEE_KINDS)),
            general=Count("id", filter=Q(kind=OrgKind.GENERAL_BRANCH)),
            branches=Count("id", filter=Q(kind__in=BRANCH_KINDS)),
        )
    )
    # The member rows of the subtree by their organization's path (decision 0290), on the
    # roster by status: the member list's count behind these numbers, one index range.
    members = roster_members(organization).aggregate(
        total=Count("id"),
        men=Count("id", filter=Q(sex=Sex.MALE)),
        full=Count("id", filter=Q(category=MemberCategory.FULL)),
    )
    return Overview(
        organization=organization,
        grassroots=orgs["committees"] + orgs["general"] + orgs["branches"],
        committees=orgs["committees"],
        general_branches=orgs["general"],
        branches=orgs["branches"],
        members=members["total"],
        men=members["men"],
        women=members["total"] - members["men"],
        full=members["full"],
        probationary=members["total"] - members["full"],
    )


def _overview_value(organization: Organization) -> dict[str, int]:
    counted = overview(organization)
    return {f: getattr(counted, f) for f in OVERVIEW_FIGURES}


def overview_kept(
    organization: Organization, *, refresh: bool = False
) -> tuple[Overview | None, figures.Kept | None]:
    """The overview as a page shows it: a big subtree's kept figure (shown while stale, a recount
    queued for the worker, decision 0283; None while the worker counts one never counted,
    0287), else counted now (None: nothing to say about when)."""
    if not subtrees.is_big(organization):
        return overview(organization), None
    kept = _overview_kept(organization, refresh=refresh)
    if kept.pending:
        return None, kept
    return Overview(organization=organization, **kept.value), kept


def _overview_kept(organization: Organization, *, refresh: bool) -> figures.Kept:
    from . import tasks

    return figures.kept(
        organization.path,
        "overview",
        lambda: _overview_value(organization),
        recount=lambda: tasks.overview_recount.enqueue(organization.pk),
        refresh=refresh,
    )


def overview_cached(
    organization: Organization, *, refresh: bool = False
) -> tuple[Overview | None, Any]:
    """`overview` from the figure cache (core.figures), with when it was counted: a big
    subtree's kept figure (None, None while the worker counts one never counted, decision
    0287), a smaller committee's counted again when stale (the dashboards)."""
    if subtrees.is_big(organization):
        kept = _overview_kept(organization, refresh=refresh)
        if kept.pending:
            return None, None
        return Overview(organization=organization, **kept.value), kept.computed_at
    value, computed_at = figures.cached(
        organization.path, "overview", lambda: _overview_value(organization), refresh=refresh
    )
    return Overview(organization=organization, **value), computed_at


def overview_warm(organization: Organization, *, younger_than: int) -> None:
    """The worker's warm-up: count the overview again if stale or expiring soon."""
    figures.cached(
        organization.path,
        "overview",
        lambda: _overview_value(organization),
        younger_than=younger_than,
    )


def overview_recount(organization: Organization) -> None:
    """The worker's recount of a kept overview a page found stale."""
    figures.recount_store(organization.path, "overview", lambda: _overview_value(organization))


OVERVIEW_FIGURES = (
    "grassroots",
    "committees",
    "general_branches",
    "branches",
    "members",
    "men",
    "women",
    "full",
    "probationary",
)


# --- the annual report, scoped -------------------------------------------------------------------


def report_organization(*, user: Any, pk: int) -> Organization:
    """An organization whose report the user may read, or 404."""
    return get_object_or_404(Organization.objects.restrict(user), pk=pk)


def report_for(*, user: Any, organization: Organization, as_of: dt.date) -> Report:
    scope_for(user).require_read(organization)
    return report_compute(organization, as_of)


def snapshot_list(*, user: Any, organization: Organization) -> QuerySet[ReportSnapshot]:
    scope_for(user).require_read(organization)
    return ReportSnapshot.objects.filter(organization=organization).order_by("-year")


def snapshot_get(*, user: Any, organization: Organization, year: int) -> ReportSnapshot:
    scope_for(user).require_read(organization)
    return get_object_or_404(ReportSnapshot, organization=organization, year=year)


def year_report(*, user: Any, organization: Organization, year: int) -> tuple[Report, bool]:
    """The year's report: the frozen snapshot when there is one (True), else computed as of
    31 December (or today, for the year in progress)."""
    scope_for(user).require_read(organization)
    snapshot = ReportSnapshot.objects.filter(organization=organization, year=year).first()
    if snapshot is not None:
        return Report.from_dict(snapshot.data), True
    return report_compute(organization, min(dt.date(year, 12, 31), today())), False


def member_list_link(organization: Organization, *filters: dict[str, str] | None) -> str | None:
    """The member list behind a number: the organization plus the row's and column's filters,
    or None when a part cannot be expressed as member-list filters."""
    query: dict[str, str] = {"org": str(organization.pk)}
    for part in filters:
        if part is None:
            return None
        query.update(part)
    return reverse("members:list") + "?" + urlencode(query)
