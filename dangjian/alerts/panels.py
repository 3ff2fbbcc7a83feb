"""Alerts on the shared pages: the home dashboard, the organization page, the member page."""

from __future__ import annotations

from collections import Counter
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

ALERTS_SHOWN = 8  # the first open alerts listed on a home card


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

    # The card shows each alert's message only: no member or organization row joined.
    alerts = list(
        selectors.open_alerts_under(organization)
        .select_related(None)
        .order_by("rule", "id")[:ALERTS_SHOWN]
    )
    if committee:
        counts, _at = figures.cached(
            organization.path, "alerts", compute, refresh=figures.wants_refresh(request)
        )
    elif len(alerts) < ALERTS_SHOWN:
        # Fewer than the list holds: these are all of the branch's open alerts (most branches
        # have a few), so they are counted here rather than read again to be counted. The
        # list is in the database's order of rules, which a stable sort keeps among equal
        # counts (as `counts_by_rule` orders them).
        listed = Counter(alert.rule for alert in alerts)
        counts = {
            "by_rule": [
                {"rule": rule, "n": n}
                for rule, n in sorted(listed.items(), key=lambda item: -item[1])
            ],
            "worst": [],
        }
    else:
        counts = compute()
    by_rule = _titled([dict(row) for row in counts["by_rule"]])
    return {
        "by_rule": by_rule,
        "total": sum(row["n"] for row in by_rule),
        "worst": counts["worst"],
        "alerts": alerts,
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
