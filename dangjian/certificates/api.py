"""The 电子活动证 part of /api/v1/ (see dangjian.api.v1).

The verification call, the public keys and the revocation list need no sign-in: a host
branch's phone or another deployment calls them without an account here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from dangjian.core import signing
from dangjian.core.api import In

from . import services
from .credential import MAX_TEXT_LENGTH

router = Router(tags=["电子活动证"])


class VerifyIn(In):
    payload: str = Field(..., max_length=MAX_TEXT_LENGTH * 2, description="二维码中的文字（DJ1:…）")


class VerifyOut(Schema):
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


@router.post("/verify", response={200: VerifyOut}, auth=None)
def verify(request: HttpRequest, body: VerifyIn) -> VerifyOut:
    """Verify a certificate's QR text. The member's name and home organization come back
    only when the outcome is `valid`."""
    result = services.certificate_verify(body.payload)
    out = VerifyOut(outcome=str(result.outcome), message=result.message)
    if result.claims is not None and result.outcome in ("valid", "expired", "revoked"):
        out.issuer = result.claims.issuer
        out.serial = result.claims.serial_hex
        out.valid_until = result.claims.valid_until
    if result.is_valid and result.claims is not None:
        out.name = result.name
        out.category = result.claims.category
        out.organization_code = result.organization_code
        out.organization_name = result.organization_name
    return out


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
