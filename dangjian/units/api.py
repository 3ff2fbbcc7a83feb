"""Coverage in /api/v1/units/: an area's units with their members and organization, coverage
by kind. Scoped like the page (out of scope: 404)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from dangjian.core.api import ErrorOut
from dangjian.organizations import selectors as organization_selectors
from dangjian.organizations.models import Organization
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


def _area(request: HttpRequest, org: str) -> Organization:
    return organization_selectors.organization_get(
        user=request.user, pk=organization_pk_from_text(org)
    )


class ClusterOut(Schema):
    area_code: str
    units: list[str]
    full_members: int


@router.get("/{org}/clusters", response={200: list[ClusterOut], **ERRORS})
def clusters(request: HttpRequest, org: str) -> list[dict[str, object]]:
    """Suggested joint branches (联合组建): units with 1–2 full members and no organization,
    grouped by the area organization, at most 5 to a group."""
    area = _area(request, org)
    return [
        {
            "area_code": c.area.code,
            "units": [r.unit.name for r in c.rows],
            "full_members": c.full_members,
        }
        for c in selectors.joint_clusters(selectors.coverage(area))
    ]


class InstructorOut(Schema):
    name: str
    phone_masked: str
    from_organization: str
    units: list[str]


class InstructorsOut(Schema):
    instructors: list[InstructorOut]
    uncovered_two_new_units: int
    with_instructor: int
    rate: int | None


@router.get("/{org}/instructors", response={200: InstructorsOut, **ERRORS})
def instructors(request: HttpRequest, org: str) -> dict[str, object]:
    """党建指导员 of the area (phones masked) with their units, and of the 两新 units without an
    organization how many have an instructor."""
    area = _area(request, org)
    share = selectors.instructor_coverage(area)
    return {
        "instructors": [
            {
                "name": i.name,
                "phone_masked": i.phone_masked,
                "from_organization": i.from_organization,
                "units": [u.name for u in i.units.all()],
            }
            for i in selectors.instructors_in(area)
        ],
        "uncovered_two_new_units": share.units,
        "with_instructor": share.with_instructor,
        "rate": share.rate,
    }
