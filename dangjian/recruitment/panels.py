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
    """A placeholder that htmx fills from `organization_counts`: the organization page costs
    no query for it, and the counts of a whole county load after the page."""
    if not scope_for(request.user).can_read_path(org.path):
        return None
    return {}


def organization_counts(org: Organization) -> dict[str, Any]:
    on = today()
    return {
        "organization": org,
        "counts": selectors.pipeline_counts(org, on.year),
        "overdue": sum(1 for d in selectors.deadlines(org, on) if d.overdue),
    }


def member(request: HttpRequest, member: Member) -> dict[str, Any] | None:
    applicant = Applicant.objects.filter(member=member).select_related("organization").first()
    if applicant is None or not scope_for(request.user).can_read_path(applicant.organization.path):
        return None
    return {"applicant": applicant}
