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


def write_table(
    book: Any,
    name: str,
    headers: list[str],
    rows: list[list[Any]],
    *,
    title: str = "",
    widths: dict[int, int] | None = None,
) -> Any:
    """A worksheet of one table: an optional title line, the styled header (bold, grey,
    bordered, frozen), dates as date cells (yyyy-mm-dd), Decimals as numbers with two decimals.
    The exports of the new tables share it so that they look alike."""
    import datetime as dt
    from decimal import Decimal

    sheet = book.add_worksheet(name[:31])
    header = book.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    money = book.add_format({"num_format": "#,##0.00"})
    first = 0
    if title:
        sheet.write(0, 0, title, book.add_format({"bold": True, "font_size": 14}))
        first = 2
    sheet.write_row(first, 0, headers, header)
    for r, row in enumerate(rows, start=first + 1):
        for col, value in enumerate(row):
            if isinstance(value, dt.date):
                sheet.write_datetime(r, col, value, date_format)
            elif isinstance(value, Decimal):
                sheet.write_number(r, col, float(value), money)
            elif value is None:
                sheet.write_blank(r, col, None)
            else:
                sheet.write(r, col, value)
    sheet.freeze_panes(first + 1, 0)
    sheet.set_column(0, max(len(headers) - 1, 0), 14)
    for col, width in (widths or {}).items():
        sheet.set_column(col, col, width)
    return sheet


def table_xlsx(sheets: list[tuple[str, list[str], list[list[Any]], str]]) -> bytes:
    """A workbook of (name, headers, rows, title) tables, as bytes."""
    buffer = io.BytesIO()
    book = new_workbook(buffer, in_memory=True)
    for name, headers, rows, title in sheets:
        write_table(book, name, headers, rows, title=title, widths={0: 26})
    book.close()
    return buffer.getvalue()


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
