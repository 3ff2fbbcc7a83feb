"""Reads of the audit log that services build on."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from .models import AuditEvent


def audit_count_recent(*, actor: Any, target_type: str, within: dt.timedelta) -> int:
    """How many events of `target_type` the actor caused in the last `within`: the budget of
    an audited lookup (guests by ID number, searches by number) is counted from the log itself."""
    since = timezone.now() - within
    return AuditEvent.objects.filter(
        actor_id=actor.pk, target_type=target_type, at__gte=since
    ).count()
