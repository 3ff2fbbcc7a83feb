"""The recruitment sections of the organization page and the member page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from dangjian.accounts.scope import scope_for
from dangjian.core.dates import today
from dangjian.core.extensions import TodoItem
from dangjian.members.models import Member
from dangjian.organizations.choices import BRANCH_KINDS
from dangjian.organizations.models import Organization

from . import selectors
from .choices import Step
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


def todo(request: HttpRequest, org: Organization, on: dt.date) -> list[TodoItem]:
    """A branch's recruitment steps overdue or due by the end of the month (the deadlines of
    the time rules)."""
    if org.kind not in BRANCH_KINDS:
        return []
    month_end = dt.date(on.year + on.month // 12, on.month % 12 + 1, 1)
    due = [d for d in selectors.deadlines(org, on) if d.overdue or d.due_on < month_end]
    url = reverse("recruitment:index") + f"?org={org.pk}"
    overdue = sum(1 for d in due if d.overdue)
    items = []
    if overdue:
        items.append(
            TodoItem(_("%(n)d 项发展党员工作已超过时限。") % {"n": overdue}, url, overdue=True)
        )
    if len(due) > overdue:
        first = min((d for d in due if not d.overdue), key=lambda d: d.due_on)
        items.append(
            TodoItem(
                _("本月有 %(n)d 项发展党员工作到期，最早：%(who)s %(step)s（%(day)s）")
                % {
                    "n": len(due) - overdue,
                    "who": first.applicant.name,
                    "step": Step(first.step).label,
                    "day": first.due_on.isoformat(),
                },
                url,
            )
        )
    return items
