"""The one way to write an audit event."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import models

from dangjian.core.crypto import mask_numbers_in, mask_numbers_in_text

from .choices import AuditAction
from .context import client_address
from .models import AuditEvent


def audit_record(
    *,
    # None or anonymous: a command, a nightly job or a file from another deployment acted. The
    # audit floor sits below accounts, so it knows the user only as Django's base class.
    actor: AbstractBaseUser | AnonymousUser | None,
    action: AuditAction,
    target: models.Model | None = None,
    target_type: str = "",
    summary: str = "",
    detail: dict[str, Any] | None = None,
    ip_address: str | None = None,
) -> AuditEvent:
    """Record that `actor` did `action` to `target`, in the caller's transaction.

    ID and mobile numbers in the summary or the detail are masked here, whoever the caller:
    the audit log is read by auditors who may not see them, and it is never rewritten."""
    if target is not None:
        target_type = target._meta.label_lower
    event = AuditEvent(
        actor_id=actor.pk if actor is not None and actor.is_authenticated else None,
        action=action,
        target_type=target_type,
        target_id=str(target.pk) if target is not None else "",
        summary=mask_numbers_in_text(summary)[:300],
        detail=mask_numbers_in(detail or {}),
        ip_address=ip_address or client_address.get(),
    )
    event.save()
    return event
