"""Care and honours on the member page; the care fund on the organization page."""

from __future__ import annotations

from typing import Any

from django.db.models import Sum
from django.http import HttpRequest

from dangjian.accounts.scope import scope_for
from dangjian.members.models import Member
from dangjian.organizations.models import Organization

from . import services
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


def member(request: HttpRequest, member: Member) -> dict[str, Any] | None:
    records = {
        "hardships": list(Hardship.objects.filter(member=member).order_by("-since")),
        "assistance": list(Assistance.objects.filter(member=member).order_by("-on")[:10]),
        "volunteer": list(VolunteerService.objects.filter(member=member).order_by("-on")[:10]),
        "community": list(CommunityReport.objects.filter(member=member).order_by("-on")),
        "commendations": list(Commendation.objects.filter(member=member).order_by("-on")),
        "discipline": list(Discipline.objects.filter(member=member).order_by("-on")),
    }
    path = getattr(member, "organization_path", "") or ""
    can_manage = bool(path) and scope_for(request.user).can_manage_path(path)
    if not can_manage and not any(records.values()):
        return None
    hours = (
        VolunteerService.objects.filter(member=member).aggregate(total=Sum("hours"))["total"] or 0
    )
    return {
        **records,
        "hours": hours,
        "can_manage": can_manage,
        "kinds": [(k, v[1]) for k, v in KINDS.items()],
    }


def organization(request: HttpRequest, organization: Organization) -> dict[str, Any] | None:
    if not CareFundEntry.objects.filter(organization=organization).exists() and not scope_for(
        request.user
    ).can_manage_path(organization.path):
        return None
    return {"balance": services.fund_balance(organization)}
