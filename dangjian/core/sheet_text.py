"""Cells of spreadsheets people made by hand (Excel, WPS, LibreOffice), read as text.

Shared by the importers (roster, units): full-width characters and stray spaces normalized, the
`.0` Excel puts on numbers dropped, the apostrophe exports put before formula characters removed,
and the header found under title rows (a merged “某某县企业名录” above it).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Mapping
from typing import Any

FORMULA_STARTS = frozenset("=+-@\t\r")
HEADER_SCAN_ROWS = 10


def normalize(text: str) -> str:
    """NFKC (full-width digits, letters and brackets to ASCII), no spaces at all."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return "".join(text.split())


def as_text(raw: Any) -> str:
    """A text cell, tidied: numbers that Excel stored as floats lose their `.0`."""
    if type(raw) is str:
        text = raw.strip()
        if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_STARTS:
            return text[1:]
        return text
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, dt.datetime | dt.date):
        return raw.isoformat()[:10]
    text = str(raw).strip()
    # A leading apostrophe is how exports keep =, +, - and @ from running as formulas.
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_STARTS:
        text = text[1:]
    return text


def safe_cell(text: str) -> str:
    """Text that a spreadsheet will not evaluate: risky first characters get an apostrophe."""
    if text and text[0] in FORMULA_STARTS:
        return "'" + text
    return text


def header_key(cell: Any) -> str:
    """A header cell as looked up: normalized, without the * of required columns."""
    return normalize(as_text(cell)).replace("*", "")


def find_header(spellings: Mapping[str, str], first_rows: list[list[Any]]) -> int:
    """The index of the header among a file's first rows: the row naming most known columns
    (`spellings`: normalized header → column key). Title rows, dates and blank lines above the
    header name none; ties go to the upper row."""
    best, best_score = 0, 0
    for position, cells in enumerate(first_rows[:HEADER_SCAN_ROWS]):
        score = len({spellings[k] for c in cells if (k := header_key(c)) in spellings})
        if score > best_score:
            best, best_score = position, score
    return best
