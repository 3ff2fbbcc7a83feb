"""Background tasks of organizational life: recount a kept compliance figure (decision 0283)."""

from __future__ import annotations

from typing import Any

from dangjian.core.tasks import task
from dangjian.organizations.models import Organization

from . import kept


@task()
def figure_recount(organization_id: int, name: str, args: list[Any]) -> None:
    """Count again a kept figure a visitor found stale (`kept._read` queued it)."""
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is not None:
        kept.recount(organization, name, args)
