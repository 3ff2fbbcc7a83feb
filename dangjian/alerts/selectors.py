"""Scoped reads of alerts: lists, counts by rule and by organization for dashboards."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404

from dangjian.accounts.scope import ScopedQuerySet
from dangjian.organizations.models import Organization

from .models import Alert, AlertStatus


def scoped_alerts(user: Any) -> ScopedQuerySet[Alert]:
    return Alert.objects.restrict(user).select_related("organization", "member")


def alert_get(*, user: Any, pk: int) -> Alert:
    return get_object_or_404(scoped_alerts(user), pk=pk)


def open_alerts_under(organization: Organization) -> QuerySet[Alert]:
    return (
        Alert.objects.within(organization)
        .filter(status=AlertStatus.OPEN)
        .select_related("organization", "member")
    )


def counts_by_rule(organization: Organization) -> list[dict[str, Any]]:
    return list(
        open_alerts_under(organization)
        .values("rule")
        .annotate(n=Count("id"))
        .order_by("-n", "rule")
    )


def organizations_with_most_alerts(
    organization: Organization, limit: int = 8
) -> list[dict[str, Any]]:
    return list(
        open_alerts_under(organization)
        .values("organization_id", "organization__name")
        .annotate(n=Count("id"))
        .order_by("-n", "organization__name")[:limit]
    )
