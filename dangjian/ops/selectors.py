"""Scoped reads for the operations pages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast
from django.http import Http404
from django.utils import timezone

from dangjian.accounts.choices import Role
from dangjian.accounts.models import RoleAssignment
from dangjian.accounts.scope import scope_for
from dangjian.audit.models import AuditEvent
from dangjian.organizations.models import Organization


def day_start(day: dt.date) -> dt.datetime:
    """Midnight at the start of `day` in the deployment's time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@dataclass(frozen=True)
class AuditFilters:
    actor: str = ""
    action: str = ""
    target_type: str = ""
    target_id: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    q: str = ""


def administrator_paths(user: Any) -> tuple[str, ...] | None:
    """Subtrees where `user` is an administrator; None for a superuser (everything)."""
    if user.is_superuser:
        return None
    scope = scope_for(user)
    org_ids = [org for role, org in scope.roles if role == Role.ADMINISTRATOR]
    return tuple(Organization.objects.filter(pk__in=org_ids).values_list("path", flat=True))


def can_view_audit(user: Any) -> bool:
    paths = administrator_paths(user)
    return paths is None or bool(paths)


def audit_list(*, user: Any, filters: AuditFilters) -> QuerySet[AuditEvent]:
    """Audit events an administrator may see: what people holding roles in their subtree did,
    and what was done to the organizations of that subtree. Anyone else: 404."""
    paths = administrator_paths(user)
    events = AuditEvent.objects.select_related("actor")
    if paths is not None:
        if not paths:
            raise Http404
        organizations = Organization.objects.under_any(list(paths))
        actors = RoleAssignment.objects.filter(organization__in=organizations).values("user_id")
        organization_ids = organizations.annotate(text_id=Cast("pk", CharField())).values("text_id")
        events = events.filter(
            Q(actor_id__in=actors)
            | Q(target_type="organizations.organization", target_id__in=organization_ids)
        )
    if filters.actor:
        events = events.filter(
            Q(actor__username__icontains=filters.actor)
            | Q(actor__display_name__icontains=filters.actor)
        )
    if filters.action:
        events = events.filter(action=filters.action)
    if filters.target_type:
        events = events.filter(target_type=filters.target_type)
    if filters.target_id:
        events = events.filter(target_id=filters.target_id)
    if filters.date_from:
        events = events.filter(at__gte=day_start(filters.date_from))
    if filters.date_to:
        events = events.filter(at__lt=day_start(filters.date_to + dt.timedelta(days=1)))
    if filters.q:
        events = events.filter(summary__icontains=filters.q)
    return events.order_by("-at", "-id")
