"""Reading roster files row by row: .xlsx through python-calamine, .csv in UTF-8 or GBK/GB18030.

Rows are yielded as lists, one at a time, so memory does not grow with the file (calamine holds
the sheet's cells; CSV is streamed from disk).
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from .columns import CellError

XLSX_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
CSV_SUFFIXES = (".csv", ".txt")


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without the BOM Excel writes) or GB18030 (what Chinese Excel writes as CSV)."""
    with path.open("rb") as handle:
        head = handle.read(1 << 20)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "gb18030"  # a superset of GBK and GB2312
    return "utf-8"


def file_kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in XLSX_SUFFIXES:
        return "xlsx"
    if suffix in CSV_SUFFIXES:
        return "csv"
    raise CellError(_("只能导入 .xlsx 或 .csv 文件（WPS 也可另存为这两种格式）。"))


def knows_merged_cells(path: Path) -> bool:
    """Whether the reader can tell merged cells in this kind of file (.xlsx and .xls can;
    CSV keeps a merged cell's value in its first row only, and calamine reads no merges from
    .ods), so the importer fills merged 党组织代码 downward by rule instead."""
    return path.suffix.lower() in (".xlsx", ".xlsm", ".xls")


def count_rows(path: Path) -> int:
    """Data rows (without the header), cheaply: newlines for CSV, the sheet height for xlsx."""
    if file_kind(path) == "csv":
        lines = 0
        last = b"\n"
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                lines += chunk.count(b"\n")
                last = chunk[-1:]
        if last != b"\n":
            lines += 1
        return max(lines - 1, 0)
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_path(str(path))
    try:
        return max(workbook.get_sheet_by_index(0).height - 1, 0)
    finally:
        workbook.close()


def iter_rows(path: Path) -> Iterator[list[Any]]:
    """Every row of the first sheet (CSV: the file), the header row first."""
    if file_kind(path) == "csv":
        yield from _iter_csv(path)
    else:
        yield from _iter_xlsx(path)


def _iter_csv(path: Path) -> Iterator[list[Any]]:
    encoding = detect_encoding(path)
    with path.open(encoding=encoding, newline="") as handle:
        try:
            yield from csv.reader(handle)
        except UnicodeDecodeError as exc:
            raise CellError(
                _("文件编码无法识别，请在 Excel/WPS 中另存为“CSV UTF-8”或 .xlsx 后再导入。")
            ) from exc


def _iter_xlsx(path: Path) -> Iterator[list[Any]]:
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except (CalamineError, OSError, ValueError) as exc:
        raise CellError(
            _("无法读取该表格文件，请确认是 Excel/WPS 保存的 .xlsx 文件且没有加密。")
        ) from exc
    try:
        sheet = workbook.get_sheet_by_index(0)
        yield from fill_merged(sheet.iter_rows(), sheet.merged_cell_ranges or [], sheet.start)
    finally:
        workbook.close()


Range = tuple[tuple[int, int], tuple[int, int]]


def fill_merged(
    rows: Iterator[list[Any]], ranges: list[Range], start: tuple[int, int] | None
) -> Iterator[list[Any]]:
    """Rows where every row of a vertically merged cell holds its value, not only the first.

    A reader gives a merged cell's value in its top-left cell only; a secretary who merged
    “东村党支部” over ten rows meant it for all ten. Horizontal merges (a title across the
    columns) are left as they are. Ranges are absolute (row, column); rows come from row 0 and
    columns from the sheet's first used column.
    """
    first_column = start[1] if start else 0
    below: dict[int, list[tuple[int, int]]] = {}  # row → [(column, top row)]
    tops: dict[int, list[int]] = {}  # top row → its merged columns
    for (top, left), (bottom, _right) in ranges:
        if bottom > top:
            tops.setdefault(top, []).append(left - first_column)
        for row in range(top + 1, bottom + 1):
            below.setdefault(row, []).append((left - first_column, top))
    if not below:
        yield from rows
        return
    values: dict[tuple[int, int], Any] = {}
    for number, cells in enumerate(rows):
        for column in tops.get(number, ()):
            if 0 <= column < len(cells):
                values[(number, column)] = cells[column]
        for column, top in below.get(number, ()):
            if 0 <= column < len(cells) and cells[column] in (None, ""):
                cells[column] = values.get((top, column), "")
        yield cells


def rows_from_bytes(data: bytes, suffix: str) -> Iterator[list[Any]]:
    """For tests and small uploads already in memory."""
    if suffix == ".csv":
        text = data.decode("utf-8-sig") if _is_utf8(data) else data.decode("gb18030")
        yield from csv.reader(io.StringIO(text))
        return
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    yield from workbook.get_sheet_by_index(0).iter_rows()


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
