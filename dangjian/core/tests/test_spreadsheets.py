"""Spreadsheets are read within limits: hostile files are refused with a message, never a crash.

The hostile files are built here byte by byte (as an attacker would); the well-formed ones with
xlsxwriter, which writes what Excel writes.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
import xlsxwriter
from django.test import override_settings

from dangjian.core import spreadsheets
from dangjian.core.spreadsheets import SheetError, SheetLimits

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    "</Relationships>"
)


def _cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def _xlsx(path: Path, rows: str, dimension: str = "A1") -> Path:
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="{dimension}"/><sheetData>{rows}</sheetData></worksheet>'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return path


def _refused(path: Path, code: str, **limits: int) -> SheetError:
    with pytest.raises(SheetError) as caught:
        list(spreadsheets.sheet_rows(path, limits=SheetLimits(**limits)))
    assert caught.value.code == code
    return caught.value


def test_a_sparse_sheet_declaring_a_far_cell_is_refused_before_it_is_read(tmp_path: Path) -> None:
    """1.5 KB with a value in XFD1048576: the reader would allocate 17 billion cells."""
    bomb = _xlsx(
        tmp_path / "bomb.xlsx",
        f'<row r="1">{_cell("A1", "x")}</row><row r="1048576">{_cell("XFD1048576", "y")}</row>',
        dimension="A1:XFD1048576",
    )
    assert bomb.stat().st_size < 2000
    error = _refused(bomb, "sheet_too_big")
    assert "1048576" in str(error)


def test_the_limit_on_rows_and_columns_is_exact(tmp_path: Path) -> None:
    """A value in the last allowed row and column is read; one further is refused."""
    inside = _xlsx(tmp_path / "in.xlsx", f'<row r="11">{_cell("E11", "v")}</row>')
    rows = list(spreadsheets.sheet_rows(inside, limits=SheetLimits(max_rows=10, max_columns=5)))
    assert rows[-1][-1] == "v"
    assert len(rows) == 11
    below = _xlsx(tmp_path / "row.xlsx", f'<row r="12">{_cell("A12", "v")}</row>')
    _refused(below, "sheet_too_big", max_rows=10, max_columns=5)
    right = _xlsx(tmp_path / "col.xlsx", f'<row r="1">{_cell("F1", "v")}</row>')
    _refused(right, "sheet_too_big", max_rows=10, max_columns=5)


def test_empty_styled_cells_far_away_do_not_count(tmp_path: Path) -> None:
    """A formatted but empty cell far down (what a whole-column format can leave) is no value."""
    styled = _xlsx(
        tmp_path / "styled.xlsx",
        f'<row r="1">{_cell("A1", "姓名")}</row><row r="900000"><c r="XFD900000" s="1"/></row>',
    )
    assert list(spreadsheets.sheet_rows(styled)) == [["姓名"]]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        (
            "page.xlsx",
            b"<html><body><table><tr><td>\xe5\xa7\x93\xe5\x90\x8d</td></tr></table></body></html>",
        ),
        ("plain.xlsx", None),
        ("truncated.xlsx", b"PK\x03\x04" + b"\x00" * 200),
        ("binary.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600),
    ],
)
def test_files_that_are_not_spreadsheets_are_refused_with_a_message(
    tmp_path: Path, name: str, content: bytes | None
) -> None:
    """HTML saved as .xlsx, a zip of something else, a cut-off zip, a broken .xls."""
    path = tmp_path / name
    if content is None:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("readme.txt", "not a workbook")
    else:
        path.write_bytes(content)
    error = _refused(path, "sheet_unreadable")
    assert "另存为" in str(error)


def test_a_zip_bomb_is_refused_by_its_ratio(tmp_path: Path) -> None:
    """A part that inflates 1000-fold is refused before anything decompresses it."""
    path = tmp_path / "inflate.xlsx"
    _xlsx(path, f'<row r="1">{_cell("A1", "x")}</row>')
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", b"\0" * (20 * 1024 * 1024))
    _refused(path, "sheet_too_big")


def test_the_file_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_bytes(b"a,b\n" * 300)
    _refused(path, "sheet_too_big", max_bytes=1000)
    assert len(list(spreadsheets.sheet_rows(path, limits=SheetLimits(max_bytes=1200)))) == 300


def test_a_csv_with_an_endless_field_or_too_many_columns_is_refused(tmp_path: Path) -> None:
    endless = tmp_path / "endless.csv"
    endless.write_text('姓名\n"' + "x" * 200_000 + "\n", encoding="utf-8")
    assert "第 2 行" in str(_refused(endless, "sheet_bad_csv"))
    wide = tmp_path / "wide.csv"
    wide.write_text(",".join(["a"] * 300) + "\n", encoding="utf-8")
    _refused(wide, "sheet_too_big")


def test_a_well_formed_workbook_reads_as_before(tmp_path: Path) -> None:
    path = tmp_path / "roster.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("名册")
    sheet.write_row(0, 0, ["姓名", "公民身份号码", "入党日期"])
    sheet.write_row(1, 0, ["张三", "110101199003070014", "2012-07-01"])
    workbook.close()
    assert spreadsheets.sheet_height(path) == 2
    assert list(spreadsheets.sheet_rows(path)) == [
        ["姓名", "公民身份号码", "入党日期"],
        ["张三", "110101199003070014", "2012-07-01"],
    ]


def test_memory_the_checks_do_not_foresee_ends_the_child_not_the_server(tmp_path: Path) -> None:
    """Past the checks (as a reader bug or an .xls/.ods bomb would be), the sparse sheet makes
    the reader abort on its allocation: the child dies, this process answers with a message."""
    bomb = _xlsx(
        tmp_path / "bomb.xlsx",
        f'<row r="1">{_cell("A1", "x")}</row><row r="1048576">{_cell("XFD1048576", "y")}</row>',
    )
    with pytest.raises(SheetError) as caught:
        list(spreadsheets._child_frames(bomb, "rows", SheetLimits(memory_bytes=1 << 30)))
    assert caught.value.code == "sheet_too_big"
    assert "内存" in str(caught.value)


def test_a_reader_that_runs_too_long_is_stopped(tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "slow.xlsx", f'<row r="1">{_cell("A1", "x")}</row>')
    with pytest.raises(SheetError) as caught:
        list(spreadsheets._child_frames(path, "rows", SheetLimits(seconds=0.001)))
    assert caught.value.code == "sheet_timeout"


@override_settings(DANGJIAN_SHEET_LIMITS={"max_rows": 2})
def test_limits_come_from_the_settings(tmp_path: Path) -> None:
    path = tmp_path / "three.csv"
    path.write_bytes(io.BytesIO(b"h\n1\n2\n3\n").getvalue())
    with pytest.raises(SheetError):
        list(spreadsheets.sheet_rows(path))


def test_a_zip_whose_part_headers_are_damaged_is_refused(tmp_path: Path) -> None:
    """Found by bench/fuzz_readers.py: the directory is intact, a part's own header is not."""
    path = _xlsx(tmp_path / "damaged.xlsx", f'<row r="1">{_cell("A1", "x")}</row>')
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        offset = archive.getinfo("xl/workbook.xml").header_offset
    data[offset : offset + 4] = b"XXXX"
    path.write_bytes(bytes(data))
    _refused(path, "sheet_unreadable")


def test_a_part_whose_deflate_stream_is_damaged_is_refused(tmp_path: Path) -> None:
    path = _xlsx(
        tmp_path / "deflate.xlsx",
        "".join(f'<row r="{n}">{_cell(f"A{n}", "值")}</row>' for n in range(1, 200)),
    )
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename) + 10
    data[start : start + 40] = bytes(range(40))
    path.write_bytes(bytes(data))
    _refused(path, "sheet_unreadable")
