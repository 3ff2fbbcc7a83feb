"""Coverage in /api/v1/units/: an area's units with their members and organization, coverage
by kind. Scoped like the page (out of scope: 404)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from dangjian.core.api import ErrorOut
from dangjian.organizations import selectors as organization_selectors
from dangjian.organizations.refs import organization_pk_from_text

from . import selectors

router = Router(tags=["党组织覆盖"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}


class UnitOut(Schema):
    name: str
    credit_code: str
    kind: str
    organization_code: str | None
    members: int
    full_members: int


class KindOut(Schema):
    kind: str
    label: str
    units: int
    covered: int
    rate: int | None


class CoverageOut(Schema):
    units: list[UnitOut]
    kinds: list[KindOut]
    standalone: list[str]
    joint: list[str]


@router.get("/{org}", response={200: CoverageOut, **ERRORS})
def coverage(request: HttpRequest, org: str) -> dict[str, object]:
    """The units of the area (`org`: the code) with their members (by 工作单位) and party
    organization, coverage by kind, and the units to set up a branch in (单独 / 联合组建)."""
    area = organization_selectors.organization_get(
        user=request.user, pk=organization_pk_from_text(org)
    )
    found = selectors.coverage(area)
    return {
        "units": [
            {
                "name": r.unit.name,
                "credit_code": r.unit.credit_code,
                "kind": r.unit.kind,
                "organization_code": r.unit.organization.code if r.unit.organization else None,
                "members": r.members,
                "full_members": r.full_members,
            }
            for r in found.rows
        ],
        "kinds": [
            {
                "kind": k.kind,
                "label": k.label,
                "units": k.units,
                "covered": k.covered,
                "rate": k.rate,
            }
            for k in found.kinds
        ],
        "standalone": [r.unit.name for r in found.standalone],
        "joint": [r.unit.name for r in found.joint],
    }
