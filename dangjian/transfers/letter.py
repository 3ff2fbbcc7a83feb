"""The introduction letter (介绍信): a numbered A4 PDF with a QR code that verifies it.

One sheet in the national three-part layout: the counterfoil (存根) the sending side keeps, the
letter the member carries and the receipt (回执) the receiving side sends back, cut apart along
dashed lines across which the seal goes (骑缝), each with its seal place and signature lines.

The QR code holds a verification URL whose `t` parameter is a compact signed token: the
letter's essentials as JSON, signed with this deployment's Ed25519 key, so a receiving
secretary's phone (or another deployment that trusts our key) can check it offline too.
"""

from __future__ import annotations

import json
from typing import Any

import segno
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from dangjian.core import pdf, signing
from dangjian.exchange import trust

from .models import Transfer


def letter_claims(transfer: Transfer) -> dict[str, Any]:
    assert transfer.valid_until is not None
    return {
        "f": "dangjian-transfer-letter/1",
        "i": signing.issuer(),
        "n": transfer.letter_number,
        "id": str(transfer.public_id),
        "m": transfer.member.name,
        "from": transfer.from_side_name,
        "to": transfer.to_side_name,
        "v": transfer.valid_until.isoformat(),
        "d": transfer.dues_paid_until,
    }


def letter_token(transfer: Transfer) -> str:
    """`<claims>.<kid>.<signature>`, each base64url: short enough for a QR code."""
    message = json.dumps(letter_claims(transfer), separators=(",", ":"), ensure_ascii=False)
    kid, signature = signing.sign(message.encode("utf-8"))
    return ".".join(
        (signing.b64url(message.encode("utf-8")), signing.b64url(kid), signing.b64url(signature))
    )


def verify_letter_token(token: str) -> tuple[str, dict[str, Any]]:
    """(outcome, claims): outcome is valid, bad_signature, unknown_issuer or malformed."""
    try:
        claims_part, kid_part, signature_part = token.split(".")
        message = signing.b64url_decode(claims_part)
        claims = json.loads(message)
        kid = signing.b64url_decode(kid_part)
        signature = signing.b64url_decode(signature_part)
        issuer = str(claims["i"])
    except (ValueError, KeyError, TypeError):
        return "malformed", {}
    if not isinstance(claims, dict):
        return "malformed", {}
    return trust.verify_signed(issuer, kid, message, signature), claims


def verification_url(transfer: Transfer, base_url: str) -> str:
    return base_url.rstrip("/") + reverse("transfers:verify") + "?t=" + letter_token(transfer)


def qr_svg(data: str) -> str:
    return segno.make(data, error="m").svg_inline(scale=3, border=2)


def letter_html(transfer: Transfer, base_url: str) -> str:
    url = verification_url(transfer, base_url)
    assert transfer.issued_on is not None
    assert transfer.valid_until is not None
    member = transfer.member
    return render_to_string(
        "transfers/letter.html",
        {
            "transfer": transfer,
            "qr": qr_svg(url),
            "verification_url": url,
            "title": _("介绍信"),
            "age": member.age_on(transfer.issued_on),
            "ethnicity": member.get_ethnicity_display(),
            "valid_days": (transfer.valid_until - transfer.issued_on).days,
        },
    )


def letter_pdf(transfer: Transfer, base_url: str) -> bytes:
    return pdf.html_to_pdf(letter_html(transfer, base_url))
