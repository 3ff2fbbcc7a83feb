"""Fuzz the spreadsheet readers: every input either reads or is refused with a SheetError.

    .venv/bin/python bench/fuzz_readers.py [examples]      # default 2000

Mutations (hypothesis): byte flips, insertions and cuts of a real .xlsx and of a CSV; a
worksheet part replaced by generated XML (rows and cells at random positions, repeated and
unclosed tags); the zip's directory damaged. Any other exception, a hang past the time limit or
a dead parent is a finding: the script prints it and saves the input under bench/fuzz-findings/.
Keep each finding as a test in dangjian/core/tests/test_spreadsheets.py once fixed.
"""

from __future__ import annotations

import collections
import io
import os
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
django.setup()

import xlsxwriter  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from dangjian.core import spreadsheets  # noqa: E402
from dangjian.core.spreadsheets import SheetError, SheetLimits  # noqa: E402

FINDINGS = Path(__file__).resolve().parent / "fuzz-findings"
LIMITS = SheetLimits(max_rows=5000, max_columns=100, seconds=20, memory_bytes=1 << 30)


def _seed_xlsx() -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet("名册")
    sheet.write_row(0, 0, ["姓名", "公民身份号码", "入党日期", "学历"])
    for row in range(1, 20):
        sheet.write_row(row, 0, [f"党员{row}", f"11010119900307{row:04d}", 43000 + row, "大学本科"])
    workbook.close()
    return buffer.getvalue()


SEED_XLSX = _seed_xlsx()
SEED_CSV = "姓名,公民身份号码,入党日期\n张三,110101199003070014,2012-07-01\n".encode()
outcomes: collections.Counter[str] = collections.Counter()
findings: list[str] = []


def _mutate(data: bytes, edits: list[tuple[int, int, int]]) -> bytes:
    buffer = bytearray(data)
    for kind, where, value in edits:
        if not buffer:
            break
        at = where % len(buffer)
        if kind == 0:
            buffer[at] = value
        elif kind == 1:
            buffer.insert(at, value)
        else:
            del buffer[at : at + value]
    return bytes(buffer)


_cell_ref = st.builds(
    lambda col, row: f"{col}{row}",
    st.sampled_from(["A", "Z", "AA", "XFD", "ZZZZ", "", "a"]),
    st.sampled_from(["1", "2", "99999", "1048576", "0", "-1", "", "99999999999999999999"]),
)
_tag = st.one_of(
    st.builds(lambda r: f'<row r="{r}">', st.sampled_from(["1", "3", "1048576", "x", ""])),
    st.just("</row>"),
    st.builds(lambda ref, v: f'<c r="{ref}"><v>{v}</v></c>', _cell_ref, st.integers()),
    st.builds(lambda ref: f'<c r="{ref}" t="inlineStr"><is><t>字</t></is></c>', _cell_ref),
    st.builds(lambda ref: f'<c r="{ref}"/>', _cell_ref),
    st.just("<c>"),
    st.just('<dimension ref="A1:XFD1048576"/>'),
)


def _with_sheet(xml: str) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(SEED_XLSX))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = (
                    '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                    f'spreadsheetml/2006/main"><sheetData>{xml}</sheetData></worksheet>'
                ).encode()
            target.writestr(info.filename, data)
    return out.getvalue()


_edits = st.lists(
    st.tuples(st.integers(0, 2), st.integers(0, 1 << 20), st.integers(0, 255)), max_size=8
)
inputs = st.one_of(
    st.builds(lambda e: ("xlsx", _mutate(SEED_XLSX, e)), _edits),
    st.builds(lambda e: ("csv", _mutate(SEED_CSV, e)), _edits),
    st.builds(lambda tags: ("xlsx", _with_sheet("".join(tags))), st.lists(_tag, max_size=30)),
    st.builds(lambda raw: ("xlsx", raw), st.binary(max_size=400)),
)


def _run(suffix: str, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / f"fuzz.{suffix}"
        path.write_bytes(data)
        try:
            rows = sum(1 for _row in spreadsheets.sheet_rows(path, limits=LIMITS))
        except SheetError as exc:
            outcomes[f"refused: {exc.code}"] += 1
            return
        except Exception as exc:
            outcomes["FINDING"] += 1
            FINDINGS.mkdir(exist_ok=True)
            name = FINDINGS / f"finding-{len(findings)}.{suffix}"
            name.write_bytes(data)
            findings.append(f"{name.name}: {type(exc).__name__}: {exc}")
            return
        outcomes["read" if rows else "read, no rows"] += 1


def main() -> None:
    examples = int(sys.argv[1]) if len(sys.argv) > 1 else 2000

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(inputs)
    def fuzz(case: tuple[str, bytes]) -> None:
        _run(*case)

    started = time.perf_counter()
    fuzz()
    seconds = time.perf_counter() - started
    total = sum(outcomes.values())
    print(f"load average {os.getloadavg()[0]:.2f}; {total} inputs in {seconds:.1f} s")
    print(f"{'outcome':<32}{'inputs':>8}")
    for outcome, count in sorted(outcomes.items()):
        print(f"{outcome:<32}{count:>8}")
    print(f"findings: {len(findings)} (target 0)")
    for finding in findings:
        print("  ", finding)
    sys.exit(1 if findings else 0)


if __name__ == "__main__":
    main()
