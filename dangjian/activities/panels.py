"""What organizational life adds to the member page and the organization page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest

from dangjian.accounts.scope import scope_for
from dangjian.core.dates import today
from dangjian.members.models import Member
from dangjian.organizations.models import Organization

from . import periods, selectors

MEMBER_PANEL_LIMIT = 30


def member_panel(request: HttpRequest, member: Member) -> dict[str, Any] | None:
    """The member's organizational life: every activity attended, anywhere (the member page
    has already checked that the viewer may see this member)."""
    scope = scope_for(request.user)
    rows = list(selectors.member_life(member)[: MEMBER_PANEL_LIMIT + 1])
    year = today().year
    for row in rows:
        row.link = scope.can_read_path(row.activity.organization.path)  # type: ignore[attr-defined]
    return {
        "rows": rows[:MEMBER_PANEL_LIMIT],
        "more": len(rows) > MEMBER_PANEL_LIMIT,
        "limit": MEMBER_PANEL_LIMIT,
        "last": rows[0].activity.on if rows else None,
        "year": year,
        "hours": selectors.training_hours([member.pk], year)[member.pk],
    }


def organization_panel(request: HttpRequest, organization: Organization) -> dict[str, Any] | None:
    if organization.kind == "PARTY_GROUP":
        return None
    on = today()
    current = periods.quarter_of(on)
    previous = periods.quarter_of(current.start - dt.timedelta(days=1))
    quarter, last = selectors.compliance_rollups(
        organization, [current, previous], on=on, lagging_limit=0
    )
    return {"quarter": quarter, "previous": last}
