"""The statistics rollup part of /api/v1/ (see dangjian.api.v1): export this deployment's signed
statistics package, import a child's, and each child's state for an as-of date
(docs/statistics-package.md). A top-level administrator's business, as on /rollup/."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from ninja import Field, Router, Schema
from ninja.responses import Status

from dangjian.accounts.http import AuthenticatedHttpRequest
from dangjian.core.api import ErrorOut, In
from dangjian.core.dates import today
from dangjian.exchange import trust
from dangjian.exchange.schemas import SignedDocumentIn, SignedDocumentOut
from dangjian.organizations.models import Organization

from . import selectors, services
from .models import StatisticsPackage

router = Router(tags=["统计汇总"])
ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}


def _top(request: AuthenticatedHttpRequest) -> Organization:
    if not trust.can_manage_trust(request.user):
        raise PermissionDenied
    top = Organization.objects.tops(request.user).first()
    if top is None:
        raise PermissionDenied
    return top


def _last_year_end() -> dt.date:
    return dt.date(today().year - 1, 12, 31)


class PackageOut(Schema):
    id: int
    issuer: str = Field(..., description="下级系统")
    kid: str = Field(..., description="签名密钥")
    sha256: str
    as_of: dt.date
    exported_at: dt.datetime
    imported_at: dt.datetime
    software_version: str
    organization_name: str
    members: int
    organizations: int
    summary: str


def _package_out(package: StatisticsPackage) -> PackageOut:
    return PackageOut(
        id=package.pk,
        issuer=package.child.issuer,
        kid=package.kid,
        sha256=package.sha256,
        as_of=package.as_of,
        exported_at=package.exported_at,
        imported_at=package.imported_at,
        software_version=package.software_version,
        organization_name=package.organization_name,
        members=package.members,
        organizations=package.organizations,
        summary=package.summary,
    )


class PackageExportIn(In):
    as_of: dt.date | None = Field(None, description="统计截止日（默认上年末）")


@router.post("/packages/export", response={200: SignedDocumentOut, **ERRORS})
def package_export(request: AuthenticatedHttpRequest, body: PackageExportIn) -> dict[str, Any]:
    """This deployment's signed statistics package as of a date, for the deployment above."""
    top = _top(request)
    as_of = min(body.as_of or _last_year_end(), today())
    return services.statistics_package_export(actor=request.user, organization=top, as_of=as_of)


@router.post("/packages/import", response={201: PackageOut, **ERRORS})
def package_import(request: AuthenticatedHttpRequest, body: SignedDocumentIn) -> Status[PackageOut]:
    """Verify a child's statistics package and import it; a newer one for the same date
    supersedes the earlier. Refused packages write nothing."""
    package = services.statistics_package_import(actor=request.user, document=body.document)
    return Status(201, _package_out(package))


class ChildStateOut(Schema):
    issuer: str
    name: str
    state: str = Field(..., description="missing（未报送）| late（逾期报送）| received（已报送）")
    due_on: dt.date | None = Field(None, description="报送期限")
    current: PackageOut | None = Field(None, description="当前有效的统计包")
    superseded: list[PackageOut] = Field(..., description="被替代的统计包，新的在前")


@router.get("/children", response={200: list[ChildStateOut], **ERRORS})
def children(
    request: AuthenticatedHttpRequest, as_of: dt.date | None = None
) -> list[ChildStateOut]:
    """Each registered child deployment's package for the as-of date (default: last year's
    end): missing, late or received, with the superseded history."""
    _top(request)
    return [
        ChildStateOut(
            issuer=s.child.issuer,
            name=s.child.name,
            state=s.state,
            due_on=s.due_on,
            current=_package_out(s.current) if s.current else None,
            superseded=[_package_out(p) for p in s.superseded],
        )
        for s in selectors.child_states(as_of or _last_year_end())
    ]
