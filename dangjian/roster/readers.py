"""Reading roster files row by row, through `dangjian.core.spreadsheets` and its limits.

.xlsx (and .xlsm, .xls, .ods) are read by python-calamine in a child process with a memory and
time limit; .csv in UTF-8 or GBK/GB18030 is streamed. Whatever cannot be read is a `CellError`
with a message that says what to do, so an import job fails with that message instead of dying.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from dangjian.core import spreadsheets
from dangjian.core.spreadsheets import SheetError

from .columns import CellError

XLSX_SUFFIXES = spreadsheets.SHEET_SUFFIXES
CSV_SUFFIXES = spreadsheets.CSV_SUFFIXES
# A county's whole roster in one file: larger than other uploads.
MAX_UPLOAD_BYTES = 200 * 1024 * 1024


def _limits() -> spreadsheets.SheetLimits:
    return spreadsheets.SheetLimits.from_settings(max_bytes=MAX_UPLOAD_BYTES)


def file_kind(path: Path) -> str:
    """'xlsx' (any spreadsheet) or 'csv', by the file name."""
    try:
        return "csv" if spreadsheets.sheet_kind(path) == "csv" else "xlsx"
    except SheetError as exc:
        raise CellError(str(exc)) from None


def knows_merged_cells(path: Path) -> bool:
    """Whether the reader can tell merged cells in this kind of file: .xlsx and .xls can (the
    reader fills them, `core.sheet_child.fill_merged`); CSV keeps a merged cell's value in its
    first row only, and calamine reads no merges from .ods, so for those the importer fills
    党组织代码 downward by rule instead."""
    return path.suffix.lower() in (".xlsx", ".xlsm", ".xls")


def count_rows(path: Path) -> int:
    """Data rows (without the header), cheaply: newlines for CSV, the sheet height for xlsx."""
    try:
        return max(spreadsheets.sheet_height(path, limits=_limits()) - 1, 0)
    except SheetError as exc:
        raise CellError(str(exc)) from None


def iter_rows(path: Path) -> Iterator[list[Any]]:
    """Every row of the first sheet (CSV: the file), the header row first."""
    try:
        yield from spreadsheets.sheet_rows(path, limits=_limits())
    except SheetError as exc:
        raise CellError(str(exc)) from None
