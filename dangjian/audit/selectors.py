"""Reads of the audit log that services build on."""

from __future__ import annotations

import datetime as dt
from typing import Any

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
