"""The child process that reads a spreadsheet for `dangjian.core.spreadsheets` (no Django here).

A hostile file can make the reader (calamine, in Rust) allocate without bound, and an
allocation failure in Rust aborts the process: no exception reaches Python. So the reading runs
here, in a process of its own that limits its own address space first, and sends frames
back on stdout: ``("rows", [...])`` batches, then ``("done", n)``, or ``("error", code)``.
"""

from __future__ import annotations

import pickle
import resource
import sys
from collections.abc import Iterator
from typing import Any

BATCH = 2000


def _send(out: Any, frame: tuple[str, Any]) -> None:
    pickle.dump(frame, out, protocol=pickle.HIGHEST_PROTOCOL)


Range = tuple[tuple[int, int], tuple[int, int]]


def fill_merged(
    rows: Iterator[list[Any]],
    ranges: list[Range],
    start: tuple[int, int] | None,
    end: tuple[int, int] | None,
) -> Iterator[list[Any]]:
    """Rows where every row of a vertically merged cell holds its value, not only the first.

    A reader gives a merged cell's value in its top-left cell only; a secretary who merged
    “东村党支部” over ten rows meant it for all ten. Horizontal merges (a title across the
    columns) are left as they are. Ranges are absolute (row, column); calamine yields rows from
    row 0 and columns from the sheet's first used one. A range is cut at the sheet's last row.
    """
    first_column = start[1] if start else 0
    last_row = end[0] if end else 0
    below: dict[int, list[tuple[int, int]]] = {}  # row → [(column, top row)]
    tops: dict[int, list[int]] = {}  # top row → its merged columns
    for (top, left), (bottom, _right) in ranges:
        bottom = min(bottom, last_row)
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


def main(path: str, mode: str, memory: int) -> int:
    # First of all, before the reader is loaded: the limit the parent asked for (a Rust
    # allocation failure then aborts this process only), and no core file.
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    out = sys.stdout.buffer
    try:
        from python_calamine import CalamineWorkbook

        workbook = CalamineWorkbook.from_path(path)
        sheet = workbook.get_sheet_by_index(0)
    except Exception:
        _send(out, ("error", "unreadable"))
        return 0
    if mode == "count":
        _send(out, ("done", sheet.height))
        return 0
    batch: list[list[Any]] = []
    count = 0
    try:
        ranges = sheet.merged_cell_ranges or []
        for row in fill_merged(sheet.iter_rows(), ranges, sheet.start, sheet.end):
            batch.append(row)
            count += 1
            if len(batch) >= BATCH:
                _send(out, ("rows", batch))
                batch = []
    except Exception:
        _send(out, ("error", "unreadable"))
        return 0
    if batch:
        _send(out, ("rows", batch))
    _send(out, ("done", count))
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
