"""Every .xlsx the system writes is made here, inert: text stays text.

xlsxwriter's `write()` turns a string that starts with `=` into a formula, one that looks like a
URL into a hyperlink and, if asked, one that looks like a number into a number. A member's name,
a meeting's topic or a note typed as `=HYPERLINK("http://…")` or `=cmd|' /C calc'!A0` would then
come alive on the secretary's machine (CSV/formula injection). `new_workbook` fixes the options
so that no caller can forget them; `tests/test_inert_spreadsheets.py` holds that no module
creates an `xlsxwriter.Workbook` anywhere else.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

INERT = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}


def new_workbook(target: str | Path | io.BytesIO, **options: Any) -> Any:
    """An xlsxwriter Workbook that writes text as text (options may add, never re-enable)."""
    import xlsxwriter

    if isinstance(target, Path):
        target = str(target)
    return xlsxwriter.Workbook(target, {**options, **INERT})
