"""Background tasks of recruitment: recount a kept page figure (decision 0283)."""

from __future__ import annotations

from dangjian.core.tasks import task
from dangjian.organizations.models import Organization

from . import kept


@task()
def page_recount(organization_id: int, year: int) -> None:
    """Count again the recruitment page's figure a visitor found stale."""
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is not None:
        kept.page_recount(organization, year)
