"""Alerts on the shared pages: the home dashboard, the organization page, the member page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from dangjian.accounts.scope import scope_for
from dangjian.core import figures
from dangjian.members.models import Member
from dangjian.organizations.choices import BRANCH_KINDS
from dangjian.organizations.models import Organization

from . import selectors
from .engine import rule_title
from .models import Alert, AlertStatus


def _titled(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for row in rows:
        row["title"] = rule_title(row["rule"])
    return rows


def home(request: HttpRequest, organization: Organization) -> dict[str, Any] | None:
    """For a committee, alerts by rule and the organizations with most (counted from the
    figure cache); for a branch, its counts; and the first open alerts, read now."""
    committee = organization.kind not in BRANCH_KINDS

    def compute() -> dict[str, Any]:
        return {
            "by_rule": selectors.counts_by_rule(organization),
            "worst": selectors.organizations_with_most_alerts(organization) if committee else [],
        }

    if committee:
        counts, _at = figures.cached(
            organization.path, "alerts", compute, refresh=figures.wants_refresh(request)
        )
    else:
        counts = compute()
    by_rule = _titled([dict(row) for row in counts["by_rule"]])
    return {
        "by_rule": by_rule,
        "total": sum(row["n"] for row in by_rule),
        "worst": counts["worst"],
        "alerts": list(selectors.open_alerts_under(organization).order_by("rule", "id")[:8]),
        "can_manage": scope_for(request.user).can_manage_path(organization.path),
    }


def organization(request: HttpRequest, organization: Organization) -> dict[str, Any] | None:
    alerts = list(
        Alert.objects.filter(organization=organization, status=AlertStatus.OPEN).order_by(
            "rule", "id"
        )[:20]
    )
    can_manage = scope_for(request.user).can_manage_path(organization.path)
    if not alerts and not can_manage:
        return None
    for alert in alerts:
        alert.rule_title = rule_title(alert.rule)  # type: ignore[attr-defined]
    return {"alerts": alerts, "can_manage": can_manage}


def member(request: HttpRequest, member: Member) -> dict[str, Any] | None:
    alerts = list(Alert.objects.filter(member=member, status=AlertStatus.OPEN))
    if not alerts:
        return None
    for alert in alerts:
        alert.rule_title = rule_title(alert.rule)  # type: ignore[attr-defined]
    return {"alerts": alerts}
