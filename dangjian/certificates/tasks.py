"""Background tasks of certificates: recount the organization page's kept coverage figure
(decision 0283)."""

from __future__ import annotations

from dangjian.core.tasks import task
from dangjian.organizations.models import Organization

from . import panels


@task()
def coverage_recount(organization_id: int) -> None:
    """Count again the coverage a visitor found stale (`panels.coverage_kept` queued it)."""
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is not None:
        panels.coverage_recount(organization)
