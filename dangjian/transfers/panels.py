"""The sections this app adds to the member page and the organization page."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest

from dangjian.accounts.scope import scope_for
from dangjian.core.dates import today
from dangjian.members import selectors as member_selectors
from dangjian.members.models import Member
from dangjian.organizations.models import Organization

from . import selectors
from .choices import OPEN_STATES
from .models import Outflow
from .regions import region_name

PANEL_LIST_LIMIT = 20


def member_context(request: HttpRequest, member: Member) -> dict[str, Any] | None:
    latest = member_selectors.latest_membership(member)
    if latest is None:
        return None
    scope = scope_for(request.user)
    transfers = list(
        member.transfers.select_related("from_organization", "to_organization").order_by(
            "-created_at"
        )[:10]
    )
    open_transfer = next((t for t in transfers if t.state in OPEN_STATES), None)
    outflow = Outflow.objects.filter(member=member, returned_on__isnull=True).first()
    can_manage = scope.can_manage_path(latest.organization.path)
    if not transfers and outflow is None and not can_manage:
        return None
    return {
        "open_transfer": open_transfer,
        "past": [t for t in transfers if t is not open_transfer],
        "outflow": outflow,
        "outflow_place": region_name(outflow.region_code) if outflow else "",
        "can_manage": can_manage,
        "on_roster": latest.ended_on is None,
    }


def organization_context(request: HttpRequest, organization: Organization) -> dict[str, Any]:
    """No query here: the panel loads itself (htmx) so the organization page stays as fast."""
    return {}


def organization_panel_context(organization: Organization) -> dict[str, Any]:
    on = today()
    open_outflows = Outflow.objects.within(organization, via="home_organization__path").filter(
        returned_on__isnull=True
    )
    counts = open_outflows.aggregate(
        total=Count("id"),
        quiet=Count("id", filter=Q(last_contact_on__lt=selectors.not_heard_from_since(on))),
    )
    return {
        "organization": organization,
        "transferring": list(selectors.transferring_out_of(organization)[:PANEL_LIST_LIMIT]),
        "outflow_count": counts["total"],
        "quiet_count": counts["quiet"],
    }
