"""Signed documents between deployments: the transfer package and the receipt.

Both are documents of the shared envelope (dangjian.exchange.documents): `{"format", "issuer",
"kid", "signature", "payload"}`, Ed25519 over the canonical JSON of `payload`, checked against the
trust list. The format is described in docs/transfer-package.md.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from dangjian.exchange import documents

PACKAGE_FORMAT = "dangjian-transfer-package/1"
RECEIPT_FORMAT = "dangjian-transfer-receipt/1"
# Letter QR codes carry the same envelope, compacted into the verification URL.
LETTER_FORMAT = "dangjian-transfer-letter/1"


canonical = documents.canonical
dumps = documents.dumps
digest = documents.digest


def sign_document(document_format: str, payload: dict[str, Any]) -> dict[str, Any]:
    return documents.sign(document_format, payload)


def verify_document(raw: str | bytes | dict[str, Any], document_format: str) -> dict[str, Any]:
    """The document, once its format and signature check out; else a ValidationError in Chinese."""
    what = _("转接包") if document_format == PACKAGE_FORMAT else _("回执")
    return documents.verify(raw, document_format, what=what).document
