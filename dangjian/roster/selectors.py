"""Scoped reads of the roster app: a user sees only the import jobs they started."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from .models import ImportJob


def job_list(*, user: Any) -> QuerySet[ImportJob]:
    if not getattr(user, "is_authenticated", False):
        return ImportJob.objects.none()
    return ImportJob.objects.filter(created_by=user).select_related("organization")


def job_get(*, user: Any, public_id: uuid.UUID) -> ImportJob:
    """One of the user's own jobs, or 404 (another user's job does not exist for them)."""
    return get_object_or_404(job_list(user=user), public_id=public_id)
