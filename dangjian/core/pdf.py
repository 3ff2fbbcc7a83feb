"""One way to turn a page into a PDF: WeasyPrint with one font configuration per process.

Each WeasyPrint `FontConfiguration` asks fontconfig for the system's fonts again (the CJK fonts
the letters, cards and reports need); one shared configuration loads them once per process.
WeasyPrint itself loads Pango when imported, so it is imported on first use, not at start-up.
"""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def _font_config() -> Any:
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def html_to_pdf(html: str, *, base_url: str | None = None) -> bytes:
    from weasyprint import HTML

    pdf = HTML(string=html, base_url=base_url).write_pdf(font_config=_font_config())
    if pdf is None:  # write_pdf returns None only when given a target to write to
        raise RuntimeError("WeasyPrint wrote no PDF")
    return bytes(pdf)
