"""The recruitment sections of the organization page and the member page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from dangjian.accounts.scope import scope_for
from dangjian.core.dates import today
from dangjian.members.models import Member
from dangjian.organizations.models import Organization

from . import selectors
from .models import Applicant


def organization(request: HttpRequest, org: Organization) -> dict[str, Any] | None:
    if not scope_for(request.user).can_read_path(org.path):
        return None
    on = today()
    return {
        "counts": selectors.pipeline_counts(org, on.year),
        "overdue": sum(1 for d in selectors.deadlines(org, on) if d.overdue),
    }


def member(request: HttpRequest, member: Member) -> dict[str, Any] | None:
    applicant = Applicant.objects.filter(member=member).select_related("organization").first()
    if applicant is None or not scope_for(request.user).can_read_path(applicant.organization.path):
        return None
    return {"applicant": applicant}
