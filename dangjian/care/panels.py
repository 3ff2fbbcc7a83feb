"""Care and honours on the member page; the care fund and volunteer service on the
organization page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Exists, Model, Q, QuerySet, Sum
from django.http import HttpRequest

from dangjian.accounts.scope import scope_for
from dangjian.core.dates import today
from dangjian.members.models import Member
from dangjian.organizations.choices import OrgKind
from dangjian.organizations.models import Organization

from . import selectors, services
from .forms import KINDS
from .models import (
    Assistance,
    CareFundEntry,
    Commendation,
    CommunityReport,
    Discipline,
    Hardship,
    VolunteerService,
)

VOLUNTEER_SHOWN = 10  # the member page lists the latest services

# The member page's lists of care and honours, by context key.
_RECORDS: dict[str, type[Model]] = {
    "hardships": Hardship,
    "assistance": Assistance,
    "volunteer": VolunteerService,
    "community": CommunityReport,
    "commendations": Commendation,
    "discipline": Discipline,
}


def member(request: HttpRequest, member: Member) -> dict[str, Any] | None:
    lists: dict[str, QuerySet[Any]] = {
        "hardships": Hardship.objects.filter(member=member).order_by("-since"),
        "assistance": Assistance.objects.filter(member=member).order_by("-on")[:10],
        "volunteer": VolunteerService.objects.filter(member=member).order_by("-on")[
            :VOLUNTEER_SHOWN
        ],
        "community": CommunityReport.objects.filter(member=member).order_by("-on"),
        "commendations": Commendation.objects.filter(member=member).order_by("-on"),
        "discipline": Discipline.objects.filter(member=member).order_by("-on"),
    }
    # Most members have none of these records: one query asks which lists have any, and only
    # those are read (six queries for every member page before, five of them empty).
    exists = {
        f"has_{key}": Exists(model._default_manager.filter(member=member))
        for key, model in _RECORDS.items()
    }
    row = Member.objects.filter(pk=member.pk).annotate(**exists).values_list(*exists).get()
    held = dict(zip(exists, row, strict=True))
    records: dict[str, list[Any]] = {
        key: list(rows) if held[f"has_{key}"] else [] for key, rows in lists.items()
    }
    volunteer = records["volunteer"]
    path = member.organization_path
    can_manage = bool(path) and scope_for(request.user).can_manage_path(path)
    if not can_manage and not any(records.values()):
        return None
    year = today().year
    if len(volunteer) < VOLUNTEER_SHOWN:
        # Every service of the member is in the list already: sum it here, no query.
        hours = {
            "total": sum(v.hours for v in volunteer),
            "year": sum(v.hours for v in volunteer if v.on.year == year),
        }
    else:
        # All the member's hours and this year's in one query: both are sums of the same rows.
        hours = VolunteerService.objects.filter(member=member).aggregate(
            total=Sum("hours"),
            year=Sum(
                "hours", filter=Q(on__gte=dt.date(year, 1, 1), on__lt=dt.date(year + 1, 1, 1))
            ),
        )
    return {
        **records,
        "hours": hours["total"] or 0,
        "hours_year": hours["year"] or 0,
        "year": year,
        "can_manage": can_manage,
        "kinds": [(k, v[1]) for k, v in KINDS.items()],
    }


def organization(request: HttpRequest, organization: Organization) -> dict[str, Any]:
    """The care fund (to those who keep it, or where it has entries) and this year's volunteer
    service organized in the subtree, with links to record more."""
    can_manage = scope_for(request.user).can_manage_path(organization.path)
    show_fund = can_manage or CareFundEntry.objects.filter(organization=organization).exists()
    year = today().year
    return {
        "show_fund": show_fund,
        "balance": services.fund_balance(organization) if show_fund else None,
        "year": year,
        "volunteer": selectors.volunteer_totals(organization, year),
        "can_record": can_manage and organization.kind != OrgKind.LOCAL_COMMITTEE,
    }
