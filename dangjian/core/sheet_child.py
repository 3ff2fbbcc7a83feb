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
from typing import Any

BATCH = 2000


def _send(out: Any, frame: tuple[str, Any]) -> None:
    pickle.dump(frame, out, protocol=pickle.HIGHEST_PROTOCOL)


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
        for row in sheet.iter_rows():
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
