"""Dues on a committee's home card (the member and organization panels are in apps.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest

from dangjian.core import figures
from dangjian.organizations.choices import BRANCH_KINDS
from dangjian.organizations.models import Organization

from . import selectors


def home(request: HttpRequest, organization: Organization) -> dict[str, Any] | None:
    """How many members have paid everything due, from the figure cache (a county's balances
    read every ledger line of the year); a branch sees its own under 本月待办."""
    if organization.kind in BRANCH_KINDS:
        return None
    value = selectors.settled_dashboard_kept(organization, refresh=figures.wants_refresh(request))
    if value is None:  # the worker counts a big subtree's never counted (decision 0287)
        return {"kept": figures.PENDING}
    if value["month"] is None or not value["members"]:
        return None
    value["month"] = dt.date.fromisoformat(value["month"])
    return {"dues": value}
