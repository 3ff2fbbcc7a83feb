"""Reading uploaded spreadsheets within limits: no file can exhaust the server.

Every spreadsheet or CSV the system reads goes through `sheet_rows` (or `sheet_height`):

- the file's size is bounded (`DANGJIAN_UPLOAD_MAX_BYTES`);
- a zipped sheet (.xlsx, .xlsm, .ods) is checked before it is read: it must be a zip at all,
  with a bounded number of parts, total uncompressed size and compression ratio; the first
  worksheet's XML is scanned as a stream for the positions of cells that hold a value, and a sheet
  reaching beyond `max_rows` or `max_columns` is refused (a 1.6 KB file can declare a value in
  cell XFD1048576, and the reader would allocate every cell before it);
- the reading itself runs in a child process (`sheet_child`) with an address-space limit and a
  time limit, so whatever the checks miss (an .xls or .ods built to exhaust memory, a reader
  bug) ends that process, not the server or the worker;
- CSV is streamed with limits on the length of a line, the number of columns and of rows.

Anything refused is a `SheetError` whose message says in Chinese what to do.
"""

from __future__ import annotations

import codecs
import csv
import os
import pickle
import re
import subprocess
import sys
import threading
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _

import dangjian
from dangjian.core.error_codes import ErrorCode

ZIPPED_SUFFIXES = (".xlsx", ".xlsm", ".ods")
SHEET_SUFFIXES = (*ZIPPED_SUFFIXES, ".xls")
CSV_SUFFIXES = (".csv", ".txt")


class SheetError(Exception):
    """A file that cannot or may not be read; the message is for the user."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class SheetLimits:
    """What one uploaded sheet may hold (a county's roster is ~30,000 rows of ~30 columns)."""

    max_bytes: int = 10 * 1024 * 1024
    max_rows: int = 1_000_000
    max_columns: int = 200
    max_cells: int = 30_000_000
    max_parts: int = 2_000
    max_uncompressed_bytes: int = 400 * 1024 * 1024
    max_ratio: int = 150  # uncompressed : compressed, for parts above 1 MB
    max_line_chars: int = 100_000  # a CSV field or line
    seconds: float = 300.0
    memory_bytes: int = 3 * 1024 * 1024 * 1024

    @classmethod
    def from_settings(cls, **overrides: Any) -> SheetLimits:
        """The defaults, then `DANGJIAN_SHEET_LIMITS`, then the caller's own (e.g. max_bytes)."""
        values: dict[str, Any] = {
            "max_bytes": int(getattr(settings, "DANGJIAN_UPLOAD_MAX_BYTES", cls.max_bytes)),
            **overrides,
            **getattr(settings, "DANGJIAN_SHEET_LIMITS", {}),
        }
        return cls(**values)


def _limits(limits: SheetLimits | None) -> SheetLimits:
    return limits or SheetLimits.from_settings()


def sheet_kind(path: Path) -> str:
    """'sheet' or 'csv' by the file name; anything else is refused."""
    suffix = path.suffix.lower()
    if suffix in SHEET_SUFFIXES:
        return "sheet"
    if suffix in CSV_SUFFIXES:
        return "csv"
    raise SheetError(
        _("只能导入 .xlsx 或 .csv 文件（WPS 也可另存为这两种格式）。"),
        code=ErrorCode.SHEET_BAD_TYPE,
    )


def _unreadable() -> SheetError:
    return SheetError(
        _(
            "无法读取该表格文件：请确认是 Excel/WPS 保存的 .xlsx 文件，没有加密，"
            "也不是改了扩展名的网页或其他文件；可在 Excel/WPS 中“另存为”.xlsx 后再导入。"
        ),
        code=ErrorCode.SHEET_UNREADABLE,
    )


def _too_big(what: str) -> SheetError:
    return SheetError(
        _("表格%(what)s，超出导入上限。请删除多余的行、列或工作表，或拆分成几个文件后再导入。")
        % {"what": what},
        code=ErrorCode.SHEET_TOO_BIG,
    )


def _check_size(path: Path, limits: SheetLimits) -> None:
    size = path.stat().st_size
    if size == 0:
        raise SheetError(_("文件是空的，请重新选择文件。"), code=ErrorCode.SHEET_EMPTY)
    if size > limits.max_bytes:
        raise _too_big(
            _("文件大小 %(size).1f MB，最大 %(limit).1f MB")
            % {"size": size / 1048576, "limit": limits.max_bytes / 1048576}
        )


# --- zipped sheets: the parts and the first worksheet's extent ---------------------------------

_COLUMN = re.compile(rb"[A-Za-z]{1,3}")
_XLSX_TAG = re.compile(rb"<(?:\w+:)?(row|c)\b([^>]*?)(/?)>")
_R_ATTR = re.compile(rb'\br="([A-Za-z]*)(\d*)"')
_ODS_TAG = re.compile(rb"<table:(table-row|table-cell|covered-table-cell)\b([^>]*?)(/?)>")
_ODS_REPEAT = re.compile(rb'table:number-(?:rows|columns)-repeated="(\d+)"')
_ODS_TABLE_END = re.compile(rb"</table:table>")


def _column_number(letters: bytes) -> int:
    number = 0
    for char in letters.upper():
        number = number * 26 + (char - 64)
    return number


def _first_sheet_part(archive: zipfile.ZipFile) -> str | None:
    """The part of the workbook's first sheet (what the reader reads), from workbook.xml."""
    names = set(archive.namelist())
    if "xl/workbook.xml" not in names:
        return None
    workbook = archive.read("xl/workbook.xml")[:1_000_000]
    first = re.search(rb"<(?:\w+:)?sheet\b[^>]*?\br:id=\"([^\"]+)\"", workbook)
    rels_name = "xl/_rels/workbook.xml.rels"
    if first and rels_name in names:
        rels = archive.read(rels_name)[:1_000_000]
        for match in re.finditer(rb"<Relationship\b[^>]*>", rels):
            tag = match.group(0)
            if re.search(rb'\bId="' + re.escape(first.group(1)) + rb'"', tag):
                target = re.search(rb'\bTarget="([^"]+)"', tag)
                if target:
                    part = target.group(1).decode("utf-8", "replace").lstrip("/")
                    part = part if part.startswith("xl/") else f"xl/{part}"
                    if part in names:
                        return part
    sheets = sorted(n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml"))
    return sheets[0] if sheets else None


def _scan(stream: Any, limits: SheetLimits, *, ods: bool) -> None:
    """Follow the rows and valued cells of a sheet's XML; refuse one beyond the limits."""
    row = col = max_col = cells = 0
    tail = b""
    while True:
        chunk = stream.read(1 << 20)
        if not chunk and not tail:
            break
        data = tail + chunk
        cut = data.rfind(b">") + 1 if chunk else len(data)
        text, tail = data[:cut], data[cut:]
        if len(tail) > 1 << 20:  # a tag that never closes
            raise _unreadable()
        if ods:
            ended = _ODS_TABLE_END.search(text)
            if ended:  # only the first table is read
                text, chunk, tail = text[: ended.start()], b"", b""
            for tag in _ODS_TAG.finditer(text):
                repeat_match = _ODS_REPEAT.search(tag.group(2))
                repeat = int(repeat_match.group(1)) if repeat_match else 1
                if tag.group(1) == b"table-row":
                    row, col = row + repeat, 0
                elif tag.group(3) != b"/":  # a cell with content
                    col += repeat
                    cells += repeat
                    max_col = max(max_col, col)
                    _check_extent(row, max_col, cells, limits)
                else:
                    col += repeat
        else:
            for tag in _XLSX_TAG.finditer(text):
                position = _R_ATTR.search(tag.group(2))
                if tag.group(1) == b"row":
                    row = int(position.group(2)) if position and position.group(2) else row + 1
                    col = 0
                    continue
                if position and position.group(1):
                    col = _column_number(position.group(1))
                    if position.group(2):
                        row = max(row, int(position.group(2)))
                else:
                    col += 1
                if tag.group(3) != b"/":  # <c …/> holds no value; the reader skips it
                    cells += 1
                    max_col = max(max_col, col)
                    _check_extent(row, max_col, cells, limits)
        if not chunk:
            break


def _check_extent(row: int, col: int, cells: int, limits: SheetLimits) -> None:
    if row > limits.max_rows + 1:
        raise _too_big(
            _("有数据的行到第 %(n)d 行，最多 %(max)d 行") % {"n": row, "max": limits.max_rows}
        )
    if col > limits.max_columns:
        raise _too_big(
            _("有数据的列到第 %(n)d 列，最多 %(max)d 列") % {"n": col, "max": limits.max_columns}
        )
    if cells > limits.max_cells:
        raise _too_big(_("单元格超过 %(max)d 个") % {"max": limits.max_cells})


# What a damaged zip raises on the way (a bad header, a bad deflate stream, an encrypted or
# unknown compression, a cut file).
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    OSError,
    ValueError,
    EOFError,
    KeyError,
    NotImplementedError,
    RuntimeError,
)


def _check_zipped(path: Path, limits: SheetLimits) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            _check_archive(archive, limits)
    except _ZIP_ERRORS:
        raise _unreadable() from None


def _check_archive(archive: zipfile.ZipFile, limits: SheetLimits) -> None:
    infos = archive.infolist()
    if len(infos) > limits.max_parts:
        raise _too_big(_("包含 %(n)d 个部件") % {"n": len(infos)})
    total = sum(info.file_size for info in infos)
    if total > limits.max_uncompressed_bytes:
        raise _too_big(_("解压后 %(n)d MB") % {"n": total // 1048576})
    for info in infos:
        if info.file_size > 1048576 and info.file_size > limits.max_ratio * max(
            info.compress_size, 1
        ):
            raise _too_big(_("压缩比异常（可能是“压缩炸弹”）"))
    names = {info.filename for info in infos}
    if "content.xml" in names and "mimetype" in names:
        part, ods = "content.xml", True
    else:
        part, ods = _first_sheet_part(archive) or "", False
    if not part:
        raise _unreadable()
    with archive.open(part) as stream:
        _scan(_Bounded(stream, archive.getinfo(part).file_size), limits, ods=ods)


class _Bounded:
    """A part's stream that stops at the size its directory entry declares (a zip may lie)."""

    def __init__(self, stream: IO[bytes], size: int) -> None:
        self.stream, self.left = stream, size

    def read(self, n: int) -> bytes:
        if self.left <= 0:
            return b""
        data = self.stream.read(min(n, self.left))
        self.left -= len(data)
        return data


# --- the child process ------------------------------------------------------------------------


def _child_frames(path: Path, mode: str, limits: SheetLimits) -> Iterator[tuple[str, Any]]:
    root = str(Path(dangjian.__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": root, "RUST_BACKTRACE": "0"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dangjian.core.sheet_child",
            str(path),
            mode,
            str(limits.memory_bytes),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        env=env,
        cwd=root,
    )
    timer = threading.Timer(limits.seconds, process.kill)
    timer.daemon = True
    timer.start()
    finished = False
    try:
        assert process.stdout is not None
        while True:
            try:
                frame = pickle.load(process.stdout)  # noqa: S301 - our own child's frames
            except (EOFError, pickle.UnpicklingError):
                break
            if frame[0] == "error":
                raise _unreadable()
            yield frame
            if frame[0] == "done":
                finished = True
                return
    finally:
        if process.poll() is None and not finished:
            process.kill()
        process.wait()
        timed_out = not timer.is_alive() and not finished
        timer.cancel()
        if process.stdout is not None:
            process.stdout.close()
    if timed_out:
        raise SheetError(
            _("读取表格超过 %(s)d 秒仍未完成，已停止。请拆分成几个较小的文件后再导入。")
            % {"s": int(limits.seconds)},
            code=ErrorCode.SHEET_TIMEOUT,
        )
    # The child ended without finishing: out of memory (an abort) or killed.
    raise _too_big(_("读取时所需内存超出上限（文件可能声明了极大的范围或已损坏）"))


# --- CSV --------------------------------------------------------------------------------------


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


def _csv_rows(path: Path, limits: SheetLimits) -> Iterator[list[Any]]:
    encoding = detect_encoding(path)
    csv.field_size_limit(limits.max_line_chars)
    rows = 0
    with path.open(encoding=encoding, newline="", errors="strict") as handle:
        reader = csv.reader(handle)
        try:
            for row in reader:
                rows += 1
                if rows > limits.max_rows + 1:
                    raise _too_big(_("超过 %(max)d 行") % {"max": limits.max_rows})
                if len(row) > limits.max_columns:
                    raise _too_big(
                        _("第 %(row)d 行有 %(n)d 列，最多 %(max)d 列")
                        % {"row": rows, "n": len(row), "max": limits.max_columns}
                    )
                yield row
        except UnicodeDecodeError:
            raise SheetError(
                _("文件编码无法识别，请在 Excel/WPS 中另存为“CSV UTF-8”或 .xlsx 后再导入。"),
                code=ErrorCode.SHEET_ENCODING,
            ) from None
        except csv.Error:
            raise SheetError(
                _(
                    "第 %(row)d 行无法按 CSV 读取（引号不配对或单元格过长）。"
                    "请在 Excel/WPS 中打开后另存为 .xlsx 再导入。"
                )
                % {"row": rows + 1},
                code=ErrorCode.SHEET_BAD_CSV,
            ) from None


def _csv_height(path: Path) -> int:
    lines = 0
    last = b"\n"
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    return lines + (last != b"\n")


# --- the public functions ---------------------------------------------------------------------


def sheet_check(path: Path, *, limits: SheetLimits | None = None) -> str:
    """Check a file before anything reads it; returns its kind ('sheet' or 'csv')."""
    limits = _limits(limits)
    kind = sheet_kind(path)
    _check_size(path, limits)
    if kind == "sheet" and path.suffix.lower() in ZIPPED_SUFFIXES:
        _check_zipped(path, limits)
    return kind


def sheet_height(path: Path, *, limits: SheetLimits | None = None) -> int:
    """How many rows the first sheet (or the CSV file) has, header included."""
    limits = _limits(limits)
    if sheet_check(path, limits=limits) == "csv":
        return _csv_height(path)
    for kind, value in _child_frames(path, "count", limits):
        if kind == "done":
            return int(value)
    raise _unreadable()  # pragma: no cover - _child_frames ends with "done" or raises


def sheet_rows(path: Path, *, limits: SheetLimits | None = None) -> Iterator[list[Any]]:
    """Every row of the first sheet (or the CSV file), the header row first."""
    limits = _limits(limits)
    if sheet_check(path, limits=limits) == "csv":
        yield from _csv_rows(path, limits)
        return
    for kind, value in _child_frames(path, "rows", limits):
        if kind == "rows":
            yield from value
