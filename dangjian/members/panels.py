"""The 党建带团建 figures (youth league and women's organizations) on the organization page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from dangjian.accounts.scope import scope_for
from dangjian.core.dates import today
from dangjian.organizations.choices import OrgKind
from dangjian.organizations.models import Organization

from . import selectors

# Party groups and local committees hold no village or unit of their own.
_WITHOUT_MASS_ORGANIZATIONS = {OrgKind.PARTY_GROUP, OrgKind.LOCAL_COMMITTEE}


def mass_organizations(request: HttpRequest, organization: Organization) -> dict[str, Any] | None:
    if organization.kind in _WITHOUT_MASS_ORGANIZATIONS:
        return None
    year = today().year
    figures = selectors.mass_organization_figures(organization=organization, year=year)
    can_manage = scope_for(request.user).can_manage_path(organization.path)
    if figures.record is None and not can_manage:
        return None
    return {"year": year, "figures": figures, "can_manage": can_manage}
