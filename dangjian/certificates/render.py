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


# The A4 sheet: cards of ID-1 size (85.6 × 54 mm, a bank card's), 2 across and 4 down, 8 mm
# apart so that the cut marks sit between them, centred on the page.
SHEET_COLUMNS, SHEET_ROWS = 2, 4
CARD_WIDTH_MM, CARD_HEIGHT_MM, GAP_MM = 85.6, 54.0, 8.0
A4_MM = (210.0, 297.0)


def sheet_positions() -> list[tuple[float, float]]:
    """The top-left corner (mm) of each card slot on a page, row by row."""
    width = SHEET_COLUMNS * CARD_WIDTH_MM + (SHEET_COLUMNS - 1) * GAP_MM
    height = SHEET_ROWS * CARD_HEIGHT_MM + (SHEET_ROWS - 1) * GAP_MM
    left, top = (A4_MM[0] - width) / 2, (A4_MM[1] - height) / 2
    return [
        (left + column * (CARD_WIDTH_MM + GAP_MM), top + row * (CARD_HEIGHT_MM + GAP_MM))
        for row in range(SHEET_ROWS)
        for column in range(SHEET_COLUMNS)
    ]


MARK_OFFSET_MM, MARK_LENGTH_MM, MARK_WIDTH_MM = 1.0, 4.0, 0.15


def cut_marks(left: float, top: float) -> list[tuple[float, float, float, float]]:
    """(left, top, width, height) in mm of the eight cut marks of a card: at each corner, a
    line along each edge, starting 1 mm outside the card, 4 mm long."""
    right, bottom = left + CARD_WIDTH_MM, top + CARD_HEIGHT_MM
    gap, length, width = MARK_OFFSET_MM, MARK_LENGTH_MM, MARK_WIDTH_MM
    marks = []
    for x, y in ((left, top), (right, top), (left, bottom), (right, bottom)):
        outward_x = x - gap - length if x == left else x + gap
        outward_y = y - gap - length if y == top else y + gap
        marks.append((outward_x, y - width / 2, length, width))  # horizontal, on the edge's line
        marks.append((x - width / 2, outward_y, width, length))  # vertical
    return marks


def cards_sheet_pdf(certificates: list[Certificate], *, title: str) -> bytes:
    """Every card on A4 sheets with cut marks, one card each, the serial on the card."""
    per_page = SHEET_COLUMNS * SHEET_ROWS
    positions = sheet_positions()
    pages = []
    for start in range(0, len(certificates), per_page):
        cards = []
        for (left, top), certificate in zip(
            positions, certificates[start : start + per_page], strict=False
        ):
            cards.append(
                {
                    "left": f"{left:.2f}",
                    "top": f"{top:.2f}",
                    "marks": [
                        tuple(f"{value:.2f}" for value in mark) for mark in cut_marks(left, top)
                    ],
                    "certificate": certificate,
                    "qr": qr_svg_data_uri(certificate.payload, scale=4),
                }
            )
        pages.append(cards)
    html = render_to_string(
        "certificates/cards_sheet_pdf.html",
        {
            "pages": pages,
            "title": title,
            "width": CARD_WIDTH_MM,
            "height": CARD_HEIGHT_MM,
        },
    )
    return pdf.html_to_pdf(html)
