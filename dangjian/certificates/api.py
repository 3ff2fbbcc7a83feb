"""The 电子活动证 part of /api/v1/ (see dangjian.api.v1).

The verification call, the public keys and the revocation list need no sign-in: a host
branch's phone or another deployment calls them without an account here.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import BaseModel, StringConstraints

from dangjian.accounts.http import AuthenticatedHttpRequest
from dangjian.core import signing
from dangjian.core.api import ErrorOut, In, PageOf, Pages
from dangjian.exchange.schemas import SignedDocumentIn, SignedDocumentOut

from . import receipts, services
from .credential import MAX_TEXT_LENGTH
from .models import AttendanceReceipt

router = Router(tags=["电子活动证"])


class VerifyIn(In):
    payload: str = Field(..., max_length=MAX_TEXT_LENGTH * 2, description="二维码中的文字（DJ1:…）")


class VerifyOut(BaseModel):
    """A plain pydantic model rather than ninja's Schema: the batch answers up to 1,000 of
    these, and Schema's attribute-reading validator cost more than the check itself."""

    outcome: str = Field(
        ..., description="valid | expired | revoked | bad_signature | unknown_issuer | malformed"
    )
    message: str
    issuer: str = ""
    serial: str = ""
    name: str = ""
    category: str = ""
    organization_code: str = ""
    organization_name: str = ""
    valid_until: dt.date | None = None


def _verify_out(result: services.VerificationResult) -> VerifyOut:
    fields: dict[str, Any] = {"outcome": str(result.outcome), "message": result.message}
    claims = result.claims
    if claims is not None and result.outcome in ("valid", "expired", "revoked"):
        fields.update(
            issuer=claims.issuer, serial=claims.serial_hex, valid_until=claims.valid_until
        )
    if result.is_valid and claims is not None:
        fields.update(
            name=result.name,
            category=claims.category,
            organization_code=result.organization_code,
            organization_name=result.organization_name,
        )
    return VerifyOut(**fields)


@router.post("/verify", response={200: VerifyOut}, auth=None)
def verify(request: HttpRequest, body: VerifyIn) -> VerifyOut:
    """Verify a certificate's QR text. The member's name and home organization come back
    only when the outcome is `valid`."""
    return _verify_out(services.certificate_verify(body.payload))


class VerifyBatchIn(In):
    payloads: list[Annotated[str, StringConstraints(max_length=MAX_TEXT_LENGTH * 2)]] = Field(
        ...,
        min_length=1,
        max_length=services.BATCH_LIMIT,
        description=f"二维码中的文字，每次最多 {services.BATCH_LIMIT} 条",
    )


class VerifyBatchOut(BaseModel):
    results: list[VerifyOut] = Field(..., description="与 payloads 一一对应、顺序相同")


@router.post("/verify/batch", response={200: VerifyBatchOut}, auth=None)
def verify_batch(request: HttpRequest, body: VerifyBatchIn) -> VerifyBatchOut:
    """Verify up to 1,000 QR texts in one call (a scanner at a large meeting, another
    deployment checking its guests): each result exactly as `POST /verify` answers it, in the
    order given."""
    results = services.certificate_verify_many(body.payloads)
    return VerifyBatchOut(results=[_verify_out(result) for result in results])


class PublicKeyOut(Schema):
    kid: str
    alg: str
    public_key: str


class PublicKeysOut(Schema):
    format: str
    issuer: str
    keys: list[PublicKeyOut]


@router.get("/keys", response={200: PublicKeysOut}, auth=None)
def public_keys(request: HttpRequest) -> dict[str, Any]:
    """This deployment's public keys document (import it into another deployment's trust list)."""
    return signing.public_keys_document()


class RevocationListOut(Schema):
    format: str
    issuer: str
    issued_at: dt.datetime
    serials: list[str]
    signed: str = Field(..., description="the signed list: COSE_Sign1, base64url")


@router.get("/revocations", response={200: RevocationListOut}, auth=None)
def revocations(request: HttpRequest) -> RevocationListOut:
    """The signed revocation list; `signed` is what a verifier checks (docs/certificate-format.md)."""
    signed = services.revocation_list_signed()
    _sign1, decoded = services.revocation_list_decode(signed)
    return RevocationListOut(
        format=services.REVOCATION_LIST_FORMAT,
        issuer=decoded.issuer,
        issued_at=decoded.issued_at,
        serials=decoded.serials,
        signed=signing.b64url(signed),
    )


# --- attendance receipts (docs/attendance-receipt.md) ----------------------------------------

ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}


class PendingOut(Schema):
    home_issuer: str = Field(..., description="来宾所属系统")
    guests: int = Field(..., description="等待导出回执的人次")


@router.get("/receipts/pending", response={200: list[PendingOut], **ERRORS})
def receipts_pending(request: AuthenticatedHttpRequest) -> list[PendingOut]:
    """Guests of other deployments at the caller's activities whose receipt is not yet
    exported, per home deployment."""
    return [PendingOut(home_issuer=i, guests=n) for i, n in receipts.pending_by_home(request.user)]


class ReceiptExportIn(In):
    home_issuer: str = Field(..., max_length=64, description="来宾所属系统（如 CN-440300）")


@router.post("/receipts/export", response={200: SignedDocumentOut, **ERRORS})
def receipt_export(request: AuthenticatedHttpRequest, body: ReceiptExportIn) -> dict[str, Any]:
    """Sign one attendance receipt for every pending guest of `home_issuer` at activities the
    caller manages; send the answer, as it is, to that deployment."""
    if not receipts.can_export(request.user):
        raise PermissionDenied
    return receipts.attendance_receipt_export(actor=request.user, home_issuer=body.home_issuer)


class ReceiptOut(Schema):
    id: int
    direction: str = Field(..., description="out（导出）| in（导入）")
    counterpart: str = Field(..., description="对方系统")
    kid: str = Field(..., description="签名密钥")
    sha256: str
    entries: int
    credited: int
    outcomes: list[dict[str, Any]] = Field(
        ..., description="导入时逐条结果：id、name、serial、on、outcome、organization"
    )
    at: dt.datetime


def _receipt_out(receipt: AttendanceReceipt) -> ReceiptOut:
    return ReceiptOut(
        id=receipt.pk,
        direction=receipt.direction,
        counterpart=receipt.counterpart,
        kid=receipt.kid,
        sha256=receipt.sha256,
        entries=receipt.entries,
        credited=receipt.credited,
        outcomes=receipt.outcomes,
        at=receipt.at,
    )


@router.post("/receipts/import", response={201: ReceiptOut, **ERRORS})
def receipt_import(request: AuthenticatedHttpRequest, body: SignedDocumentIn) -> Status[ReceiptOut]:
    """Verify a host deployment's attendance receipt and credit its entries (a top-level
    administrator). Refused documents (tampered, replayed, unknown or revoked key) write
    nothing; the error's code names why."""
    receipt = receipts.attendance_receipt_import(actor=request.user, document=body.document)
    return Status(201, _receipt_out(receipt))


@router.get("/receipts", response={200: list[ReceiptOut], **ERRORS})
@paginate(Pages, page_size=50)
def receipt_list(request: AuthenticatedHttpRequest) -> PageOf:
    """Receipts exported and imported: all for a top-level administrator, else the caller's
    own exports; newest first."""
    return PageOf(receipts.receipts(request.user), lambda page: [_receipt_out(r) for r in page])
