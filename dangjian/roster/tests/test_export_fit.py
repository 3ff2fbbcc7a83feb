"""Exports that survive the tools people use (issue 21): a CSV that Excel, WPS and LibreOffice
open without turning ID numbers into 3.62E+17 or showing escape characters in ordinary values,
an .xlsx with date cells, readable widths and a frozen, styled header, and a round trip through
LibreOffice (open, save, import) that loses no member's ID number."""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from dangjian.members import services as member_services
from dangjian.members.models import Member
from dangjian.roster import exporting, services
from dangjian.roster.choices import ImportKind, JobStatus
from dangjian.roster.tests.test_export import _export, _records, _vary

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("362131196507114321", "\t362131196507114321"),  # an ID number: 18 digits
        ("13800000000", "\t13800000000"),  # a mobile number: 11 digits
        ("01088886666", "\t01088886666"),  # a leading zero
        ("+86 138 0000 0000", "\t+86 138 0000 0000"),
        ("-", "\t-"),
        ("-12.5", "\t-12.5"),
        ("2008-10-01", "2008-10-01"),
        ("1234567890", "1234567890"),  # 10 digits: a spreadsheet shows them whole
        ("11010119900307029X", "11010119900307029X"),  # text already
        ("110101********1234", "110101********1234"),  # masked
        ("示范县人民医院", "示范县人民医院"),
        ("=HYPERLINK(1)", "'=HYPERLINK(1)"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("-cmd|' /C calc'!A0", "'-cmd|' /C calc'!A0"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
    ],
)
def test_csv_cell(value: str, written: str) -> None:
    assert exporting.csv_cell(value) == written


def test_csv_is_utf8_with_a_bom_and_ids_are_text(county: Any, tmp_path: Path) -> None:
    path = _export(county.county_admin, tmp_path / "x.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = _csv_rows(path)
    zhang = next(r for r in rows if r["*姓名"] == "张三")
    number = county.zhang.id_number
    # All digits: behind the tab; ending in X (the builder draws either): text as it is.
    assert zhang["*公民身份号码"] == ("\t" + number if number.isdigit() else number)
    assert zhang["*入党日期"] == county.zhang.joined_on.isoformat()
    # No ordinary value shows an apostrophe.
    assert not [v for r in rows for v in r.values() if v.startswith("'")]


def test_the_phone_is_masked_in_csv_as_before(county: Any, tmp_path: Path) -> None:
    member_services.member_update(
        actor=county.county_admin, member=county.zhang, changes={"phone": "13812345678"}
    )
    path = _export(county.east_observer, tmp_path / "x.csv")
    zhang = next(r for r in _csv_rows(path) if r["*姓名"] == "张三")
    assert "13812345678" not in zhang["联系电话"]
    assert "*" in zhang["联系电话"]


def _sheet(path: Path) -> tuple[ElementTree.Element, ElementTree.Element]:
    with zipfile.ZipFile(path) as archive:
        # Our own file, just written: not untrusted input.
        sheet = ElementTree.fromstring(archive.read("xl/worksheets/sheet1.xml"))  # noqa: S314
        styles = ElementTree.fromstring(archive.read("xl/styles.xml"))  # noqa: S314
    return sheet, styles


def test_xlsx_has_date_cells_fitting_widths_and_a_frozen_styled_header(
    county: Any, tmp_path: Path
) -> None:
    path = _export(county.county_admin, tmp_path / "x.xlsx")
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    header = rows[0]
    zhang = next(r for r in rows if r[0] == "张三")
    assert zhang[header.index("*入党日期")] == county.zhang.joined_on
    assert isinstance(zhang[header.index("出生日期")], dt.date)
    assert zhang[header.index("*公民身份号码")] == county.zhang.id_number  # a string
    sheet, styles = _sheet(path)
    pane = sheet.find("m:sheetViews/m:sheetView/m:pane", NS)
    assert pane is not None
    assert (pane.get("ySplit"), pane.get("state")) == ("1", "frozen")
    assert sheet.find("m:autoFilter", NS) is not None
    # The date format is yyyy-mm-dd.
    formats = {f.get("numFmtId"): f.get("formatCode") for f in styles.iterfind(".//m:numFmt", NS)}
    assert "yyyy-mm-dd" in formats.values()
    # Widths: the ID column shows 18 digits; the name column its header and names.
    widths = {}
    for col in sheet.iterfind("m:cols/m:col", NS):
        for index in range(int(col.get("min", "")), int(col.get("max", "")) + 1):
            widths[index - 1] = float(col.get("width", ""))
    assert widths[header.index("*公民身份号码")] >= 20
    assert widths[header.index("*入党日期")] >= 10
    assert widths[header.index("所在党组织")] >= exporting.display_width("东村党支部")
    assert all(w <= exporting.MAX_WIDTH for w in widths.values())
    # The header row's style is bold on a fill.
    first = sheet.find("m:sheetData/m:row/m:c", NS)
    assert first is not None
    header_style = int(first.get("s", "0"))
    xf = styles.findall("m:cellXfs/m:xf", NS)[header_style]
    font = styles.findall("m:fonts/m:font", NS)[int(xf.get("fontId", ""))]
    assert font.find("m:b", NS) is not None
    assert int(xf.get("fillId", "")) > 1


def test_display_width_counts_cjk_double() -> None:
    assert exporting.display_width("abc") == 3
    assert exporting.display_width("党支部") == 6
    assert exporting.display_width("ＡＢ") == 4


# --- the round trip through LibreOffice ----------------------------------------------------

SOFFICE = shutil.which("soffice")
# What LibreOffice's text import dialog picks for a UTF-8 file with a BOM: comma, double quote,
# UTF-8 (76), from line 1. A headless convert has no dialog, so it is said here.
CSV_FILTER = "CSV:44,34,76,1"


def _libreoffice(source: Path, out: Path) -> Path:
    if SOFFICE is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice (soffice) is needed: apt-get install libreoffice-calc-nogui")
        pytest.skip("LibreOffice (soffice) is not installed")
    out.mkdir()
    command = [
        SOFFICE,
        "--headless",
        f"-env:UserInstallation=file://{out}/profile",
        "--convert-to",
        "xlsx",
        "--outdir",
        str(out),
        str(source),
    ]
    if source.suffix == ".csv":
        command[3:3] = [f"--infilter={CSV_FILTER}"]
    subprocess.run(command, check=True, capture_output=True, timeout=180)
    saved = out / (source.stem + ".xlsx")
    assert saved.exists()
    return saved


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_libreoffice_opens_and_saves_the_export_and_it_imports_without_loss(
    county: Any, tmp_path: Path, suffix: str
) -> None:
    _vary(county)
    before = _records()
    ids = {m.name: m.id_number for m in Member.objects.all()}
    exported = _export(county.county_admin, tmp_path / f"export{suffix}")
    saved = _libreoffice(exported, tmp_path / "saved")
    rows = CalamineWorkbook.from_path(str(saved)).get_sheet_by_index(0).to_python()
    id_column = rows[0].index("*公民身份号码")
    # Text in the saved file: no 3.62131196507114E+17.
    assert all(isinstance(r[id_column], str) for r in rows[1:])
    assert {str(r[id_column]).strip() for r in rows[1:]} == set(ids.values())
    assert not any(re.fullmatch(r"[\d.]+E\+\d+", str(c)) for r in rows for c in r)
    Member.objects.all().delete()
    job = services.job_create(
        actor=county.county_admin, kind=ImportKind.MEMBERS, upload=saved, organization=county.county
    )
    job = services.job_validate(job.pk)
    assert job.errors == []
    assert job.valid_rows == len(before)
    job = services.job_commit(job.pk)
    assert job.status == JobStatus.DONE
    assert {m.name: m.id_number for m in Member.objects.all()} == ids
    assert _records() == before


@given(
    texts=st.lists(
        st.text(
            # U+FFFE and U+FFFF (not allowed in XML) are written as Excel's _xFFFE_ escape,
            # which python-calamine leaves undecoded: the test below checks their XML.
            alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\r\ufffe\uffff"),
            max_size=30,
        ),
        min_size=24,
        max_size=24,
    )
)
@hyp_settings(max_examples=40, deadline=None)
def test_any_text_reads_back_as_written_from_the_xlsx_rows_written_here(
    tmp_path_factory: pytest.TempPathFactory, texts: list[str]
) -> None:
    """The member rows' XML is written by the exporter, not XlsxWriter (decision 0267): XML
    specials, control characters, Excel's `_xHHHH_` escapes and edge spaces survive."""
    path = tmp_path_factory.mktemp("fuzz") / "m.xlsx"
    rows = [texts, ["&<>", " 前后有空格 ", "_x0041_", "a\\tb\\nc", "\x01\x1f"] + [""] * 19]
    exporting.write_xlsx(path, [list(r) for r in rows])
    read = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert [[str(c) for c in row] for row in read[1:]] == rows


def test_xml_forbidden_noncharacters_are_written_as_excels_escapes(tmp_path: Path) -> None:
    """U+FFFE and U+FFFF cannot stand in XML: Excel writes (and reads back) _xFFFE_ and
    _xFFFF_, and so does the exporter, rather than a sheet no reader opens."""
    path = tmp_path / "m.xlsx"
    exporting.write_xlsx(path, [["a\ufffeb", "c\uffffd"] + [""] * 22])
    with zipfile.ZipFile(path) as book:
        sheet = book.read("xl/worksheets/sheet1.xml").decode()
    assert "a_xFFFE_b" in sheet
    assert "c_xFFFF_d" in sheet
    assert "\ufffe" not in sheet
    assert "\uffff" not in sheet


def test_dates_are_date_cells_from_1900_on(tmp_path: Path) -> None:
    days = [dt.date(1900, 1, 1), dt.date(1900, 2, 28), dt.date(1900, 3, 1), dt.date(1985, 3, 7)]
    row: list[Any] = [""] * 24
    path = tmp_path / "d.xlsx"
    exporting.write_xlsx(path, [[*row[:4], day, *row[5:]] for day in days])
    read = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert [r[4] for r in read[1:]] == days


_POOL = st.sampled_from(
    ["男", "是", "否", "&<>", " 前后有空格 ", "_x0041_", "\x01", "东村党支部", ""]
)


@given(st.lists(st.lists(_POOL, min_size=23, max_size=23), min_size=1, max_size=12))
@hyp_settings(max_examples=30, deadline=None)
def test_a_repeated_value_is_written_as_the_first_time_it_was(
    tmp_path_factory: pytest.TempPathFactory, rows: list[list[str]]
) -> None:
    """Cells of the repeating columns (labels, 是/否, the organization) are built once per value
    and then only given their reference: the sheet is the same, byte for byte, whether every
    value, a few (the rest built cell by cell) or none are kept, and reads back as written."""
    rows = [["张三", *row] for row in rows]  # a name: no row is empty
    directory = tmp_path_factory.mktemp("kept")
    sheets = []
    for kept in (0, 2, exporting.KEPT_VALUES):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(exporting, "KEPT_VALUES", kept)
            path = directory / f"k{kept}.xlsx"
            exporting.write_xlsx(path, [list(r) for r in rows])
        with zipfile.ZipFile(path) as book:
            sheets.append(book.read("xl/worksheets/sheet1.xml"))
    assert sheets[0] == sheets[1] == sheets[2]
    read = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert [[str(c) for c in row] for row in read[1:]] == rows
