"""The QR code and the downloadable card (PNG with Pillow, PDF with WeasyPrint)."""

from __future__ import annotations

import io
from functools import lru_cache

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from PIL import Image, ImageDraw, ImageFont

from dangjian.core import pdf

from . import credential
from .models import Certificate

QR_ERROR = "m"
FONT_PATH = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
FONT_BOLD_PATH = "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"
FONT_INDEX_SC = 2  # Noto Sans CJK SC inside the collection
PARTY_RED = (200, 16, 46)


def card_url(text: str) -> str:
    """The URL the card's QR holds: this deployment's public verify page, the credential in
    the fragment (docs/certificate-format.md, "The QR code")."""
    return credential.verify_url(text, settings.DANGJIAN_PUBLIC_URL)


def qr_code(text: str) -> segno.QRCode:
    """The card's QR at error correction level M (not boosted), as small as fits: the URL up to
    the mark in byte mode, the credential's digits in numeric mode."""
    head, _mark, digits = card_url(text).partition("#" + credential.URL_MARK)
    segments = [
        (head + "#" + credential.URL_MARK, segno.consts.MODE_BYTE),
        (digits, segno.consts.MODE_NUMERIC),
    ]
    # segno takes a list of (content, mode) segments; its annotation names only one content.
    return segno.make_qr(segments, error=QR_ERROR, boost_error=False)  # type: ignore[arg-type]


def qr_svg_data_uri(text: str, *, scale: int = 6) -> str:
    return str(qr_code(text).svg_data_uri(scale=scale, border=4))


@lru_cache(maxsize=8)
def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(FONT_BOLD_PATH if bold else FONT_PATH, size, index=FONT_INDEX_SC)


def card_lines(certificate: Certificate) -> list[tuple[str, str]]:
    return [
        (_("姓名"), certificate.name),
        (_("人员类别"), str(certificate.get_category_display())),
        (_("组织关系所在党组织"), certificate.organization.name),
        (_("组织代码"), certificate.organization.code),
        (
            _("有效期"),
            f"{certificate.valid_from:%Y-%m-%d} — {certificate.valid_until:%Y-%m-%d}",
        ),
        (_("编号"), certificate.serial.upper()),
    ]


def card_png(certificate: Certificate) -> bytes:
    """A 720×1180 card for a phone's photo album: title, the QR, and the printed fields."""
    width, height, margin = 720, 1180, 48
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width, 120), fill=PARTY_RED)
    title = _("党员电子活动证")
    title_font = _font(48, bold=True)
    title_width = draw.textlength(title, font=title_font)
    draw.text(((width - title_width) / 2, 30), title, font=title_font, fill="white")
    qr_buffer = io.BytesIO()
    qr_code(certificate.payload).save(qr_buffer, kind="png", scale=8, border=4)
    qr_image = Image.open(io.BytesIO(qr_buffer.getvalue())).convert("RGB")
    qr_image = qr_image.resize((560, 560), Image.Resampling.NEAREST)
    image.paste(qr_image, ((width - 560) // 2, 150))
    y = 740
    label_font, value_font = _font(26), _font(32, bold=True)
    for label, value in card_lines(certificate):
        draw.text((margin, y), label, font=label_font, fill=(110, 110, 110))
        draw.text((margin, y + 32), value, font=value_font, fill="black")
        y += 72
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def card_pdf(certificate: Certificate) -> bytes:
    html = render_to_string(
        "certificates/card_pdf.html",
        {
            "certificate": certificate,
            "lines": card_lines(certificate),
            "qr": qr_svg_data_uri(certificate.payload, scale=4),
        },
    )
    return pdf.html_to_pdf(html)
