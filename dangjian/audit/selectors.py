"""Reads of the audit log that services build on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import AuditEvent


def audit_count_recent(
    *, actor: Any, target_type: str, within: dt.timedelta, ip_address: str | None = None
) -> int:
    """How many events of `target_type` the actor caused in the last `within`: the budget of
    an audited lookup (guests by ID number, searches by number) is counted from the log itself.
    An anonymous actor (a public page) is counted by the client's address instead."""
    since = timezone.now() - within
    events = AuditEvent.objects.filter(target_type=target_type, at__gte=since)
    if actor is None or not getattr(actor, "is_authenticated", False):
        return events.filter(actor__isnull=True, ip_address=ip_address).count()
    return events.filter(actor_id=actor.pk).count()


def audit_events_on(
    *,
    targets: Iterable[tuple[str, str]],
    actions: Iterable[str],
    exclude_actor_id: int | None = None,
    detail_key: dict[str, str] | None = None,
) -> QuerySet[AuditEvent]:
    """Events of `actions` on the given (target_type, target_id) pairs, newest first.

    `detail_key` narrows one target type to events whose detail has a key (a transfer's
    package export has "sha256"; its letter, printed with the number masked, has not).
    `exclude_actor_id` leaves out what a person did themself. The caller decides which targets
    the reader may ask about (a member: their own record and transfers)."""
    condition = Q(pk__in=[])
    for target_type, target_id in targets:
        one = Q(target_type=target_type, target_id=target_id)
        if detail_key and target_type in detail_key:
            one &= Q(detail__has_key=detail_key[target_type])
        condition |= one
    events = AuditEvent.objects.filter(condition, action__in=list(actions))
    if exclude_actor_id is not None:
        events = events.exclude(actor_id=exclude_actor_id)
    return events.order_by("-at", "-id")
