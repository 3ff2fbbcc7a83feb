"""Signed documents between deployments: the transfer package and the receipt.

A document is a JSON object `{"format", "issuer", "kid", "signature", "payload"}`. The signature
is Ed25519 over the canonical JSON of `payload` (keys sorted, no spaces, UTF-8), made with this
deployment's current key (dangjian.core.signing) and checked against the trust list
(dangjian.certificates.trust). The format is described in docs/transfer-package.md.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from dangjian.core import signing
from dangjian.core.error_codes import ErrorCode as CoreErrorCode
from dangjian.exchange import trust
from dangjian.transfers.error_codes import ErrorCode

PACKAGE_FORMAT = "dangjian-transfer-package/1"
RECEIPT_FORMAT = "dangjian-transfer-receipt/1"
# Letter QR codes carry the same envelope, compacted into the verification URL.
LETTER_FORMAT = "dangjian-transfer-letter/1"


def canonical(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def sign_document(document_format: str, payload: dict[str, Any]) -> dict[str, Any]:
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
    """SHA-256 of the signed payload: names the package in the receipt."""
    return hashlib.sha256(canonical(document["payload"])).hexdigest()


def verify_document(raw: str | bytes | dict[str, Any], document_format: str) -> dict[str, Any]:
    """The document, once its format and signature check out; else a ValidationError in Chinese."""
    what = _("转接包") if document_format == PACKAGE_FORMAT else _("回执")
    if isinstance(raw, dict):
        document = raw
    else:
        try:
            document = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ValidationError(
                _("%(what)s文件不是有效的 JSON，请检查是否选错了文件。") % {"what": what},
                code=CoreErrorCode.NOT_JSON,
            ) from exc
    if not isinstance(document, dict) or document.get("format") != document_format:
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
    outcome = trust.verify_signed(issuer, kid, canonical(payload), signature)
    if outcome == "unknown_issuer":
        raise ValidationError(
            _(
                "%(what)s的签发方 %(issuer)s 不在本系统的信任列表中：请系统管理员先导入"
                "对方系统的公钥，再导入此文件。"
            )
            % {"what": what, "issuer": issuer},
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
    return document
