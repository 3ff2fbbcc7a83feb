"""Signed JSON documents between deployments: the one envelope every exchange file shares.

A document is a JSON object `{"format", "issuer", "kid", "signature", "payload"}`. The signature
is Ed25519 over the canonical JSON of `payload` (keys sorted, no spaces, UTF-8, non-ASCII
characters as themselves), made with this deployment's current key (dangjian.core.signing) and
checked against the trust list (dangjian.exchange.trust). Transfer packages and receipts
(docs/transfer-package.md) and attendance receipts (docs/attendance-receipt.md) are such documents.

`verify` answers which key signed a document (issuer and kid, and the trust-list entry's label),
so every import can say so.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from dangjian.core import signing
from dangjian.core.error_codes import ErrorCode as CoreErrorCode
from dangjian.exchange import trust
from dangjian.exchange.error_codes import ErrorCode


def canonical(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def sign(document_format: str, payload: dict[str, Any]) -> dict[str, Any]:
    kid, signature = signing.sign(canonical(payload))
    return {
        "format": document_format,
        "issuer": signing.issuer(),
        "kid": kid.hex(),
        "signature": signing.b64url(signature),
        "payload": payload,
    }


def dumps(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")


def digest(document: dict[str, Any]) -> str:
    """SHA-256 (hex) of the canonical payload: names a document (replays, receipts)."""
    return hashlib.sha256(canonical(document["payload"])).hexdigest()


@dataclass(frozen=True)
class Verified:
    """A document whose format and signature checked out, and the key that signed it."""

    document: dict[str, Any]
    issuer: str
    kid: str  # hex

    @property
    def payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = self.document["payload"]
        return payload

    @property
    def sha256(self) -> str:
        return digest(self.document)

    @property
    def signed_by(self) -> str:
        """Which key signed it, for the import's message and audit: "CN-X 密钥 1a2b…"."""
        return _("%(issuer)s 的密钥 %(kid)s") % {"issuer": self.issuer, "kid": self.kid}


def load(raw: str | bytes | dict[str, Any], *, what: str) -> dict[str, Any]:
    if isinstance(raw, dict):
        return raw
    try:
        document = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationError(
            _("%(what)s文件不是有效的 JSON，请检查是否选错了文件。") % {"what": what},
            code=CoreErrorCode.NOT_JSON,
        ) from exc
    if not isinstance(document, dict):
        raise ValidationError(
            _("%(what)s文件不是有效的 JSON，请检查是否选错了文件。") % {"what": what},
            code=CoreErrorCode.NOT_JSON,
        )
    return document


def verify(
    raw: str | bytes | dict[str, Any],
    document_format: str,
    *,
    what: str,
    on: dt.date | None = None,
) -> Verified:
    """The document, once its format and signature check out; else a ValidationError in Chinese
    whose code names the outcome: not_json, bad_format, no_signature, no_payload,
    unknown_issuer (no such key on the trust list), key_revoked (revoked by a trust-list update),
    key_expired (outside the validity period the trust list gives it), bad_signature."""
    document = load(raw, what=what)
    if document.get("format") != document_format:
        raise ValidationError(
            _("这不是党建系统的%(what)s（format 应为 %(format)s），请检查是否选错了文件。")
            % {"what": what, "format": document_format},
            code=CoreErrorCode.BAD_FORMAT,
        )
    payload = document.get("payload")
    try:
        issuer = str(document["issuer"])
        kid = bytes.fromhex(str(document["kid"]))
        signature = signing.b64url_decode(str(document["signature"]))
    except (KeyError, ValueError) as exc:
        raise ValidationError(
            _("%(what)s缺少签名信息（issuer、kid 或 signature），已拒绝。") % {"what": what},
            code=ErrorCode.NO_SIGNATURE,
        ) from exc
    if not isinstance(payload, dict):
        raise ValidationError(
            _("%(what)s没有内容（payload）。") % {"what": what}, code=ErrorCode.NO_PAYLOAD
        )
    outcome = trust.verify_signed(issuer, kid, canonical(payload), signature, on=on)
    status = trust.key_status(issuer, kid, on) if outcome == "unknown_issuer" else "in_force"
    if status == "revoked":
        raise ValidationError(
            _(
                "%(what)s由 %(issuer)s 的密钥 %(kid)s 签名，该密钥已被上级系统吊销，已拒绝，"
                "未做任何改动。"
            )
            % {"what": what, "issuer": issuer, "kid": kid.hex()},
            code=ErrorCode.KEY_REVOKED,
        )
    if status == "expired":
        raise ValidationError(
            _(
                "%(what)s由 %(issuer)s 的密钥 %(kid)s 签名，该密钥不在信任列表规定的有效期内，"
                "已拒绝，未做任何改动。"
            )
            % {"what": what, "issuer": issuer, "kid": kid.hex()},
            code=ErrorCode.KEY_EXPIRED,
        )
    if outcome == "unknown_issuer":
        raise ValidationError(
            _(
                "%(what)s的签发方 %(issuer)s（密钥 %(kid)s）不在本系统的信任列表中："
                "请系统管理员先导入对方系统的公钥，再导入此文件。"
            )
            % {"what": what, "issuer": issuer, "kid": kid.hex()},
            code=CoreErrorCode.UNKNOWN_ISSUER,
        )
    if outcome != "valid":
        raise ValidationError(
            _(
                "%(what)s的签名无效：文件在签发后被改动过，或并非 %(issuer)s 签发。已拒绝导入，"
                "未做任何改动；请向对方索取原始文件。"
            )
            % {"what": what, "issuer": issuer},
            code=CoreErrorCode.BAD_SIGNATURE,
        )
    return Verified(document=document, issuer=issuer, kid=kid.hex())
