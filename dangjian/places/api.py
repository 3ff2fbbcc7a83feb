"""The host places part of /api/v1/ (see dangjian.api.v1): this deployment's signed directory
and the import of other deployments' directories (docs/directory-format.md). Like the trust
list, directories are a top-level administrator's business."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from dangjian.accounts.http import AuthenticatedHttpRequest
from dangjian.accounts.scope import scope_for
from dangjian.core.api import ErrorOut, PageOf, Pages
from dangjian.exchange.schemas import SignedDocumentIn, SignedDocumentOut

from . import selectors, services
from .models import DirectoryImport

router = Router(tags=["活动场所"])
ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}


class DirectoryImportOut(Schema):
    id: int
    issuer: str = Field(..., description="签发方（对方系统）")
    kid: str = Field(..., description="签名密钥")
    sha256: str
    issued_at: dt.datetime
    places: int = Field(..., description="场所数")
    imported_at: dt.datetime


def _out(row: DirectoryImport) -> DirectoryImportOut:
    return DirectoryImportOut(
        id=row.pk,
        issuer=row.issuer,
        kid=row.kid,
        sha256=row.sha256,
        issued_at=row.issued_at,
        places=row.places,
        imported_at=row.imported_at,
    )


@router.post("/directory/export", response={200: SignedDocumentOut, **ERRORS})
def directory_export(request: AuthenticatedHttpRequest) -> dict[str, Any]:
    """This deployment's signed directory of every published place (a top-level
    administrator); other deployments import the answer as it is."""
    return services.directory_export(actor=request.user)


@router.post("/directory/import", response={201: DirectoryImportOut, **ERRORS})
def directory_import(
    request: AuthenticatedHttpRequest, body: SignedDocumentIn
) -> Status[DirectoryImportOut]:
    """Verify another deployment's directory and replace its places with it. Refused
    directories (tampered, older, unknown or revoked key) write nothing."""
    return Status(201, _out(services.directory_import(actor=request.user, document=body.document)))


@router.get("/directories", response={200: list[DirectoryImportOut], **ERRORS})
@paginate(Pages, page_size=50)
def directory_list(request: AuthenticatedHttpRequest) -> PageOf:
    """The directories imported, newest first, each with the key that signed it."""
    if not scope_for(request.user).manages_anything:
        raise PermissionDenied
    return PageOf(selectors.directories(), lambda page: [_out(r) for r in page])
