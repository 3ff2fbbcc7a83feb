"""Rosters as secretaries make them: titles, merged cells, dates typed as numbers, total rows.

The files under `data/` were written by xlsxwriter and saved again by LibreOffice as .xlsx,
.xls, .ods and .csv (`data/make_files.py` says what each row holds and regenerates them).
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from dangjian.core import crypto
from dangjian.members.models import Member
from dangjian.members.selectors import MemberFilters, member_list
from dangjian.roster import readers, services
from dangjian.roster.choices import ImportKind, JobStatus
from dangjian.roster.models import ImportJob

from .helpers import member_row, write_csv, write_xlsx

DATA = Path(__file__).parent / "data"
SECRETARY = sorted(p.name for p in DATA.glob("secretary.*") if p.suffix != ".py")
PROBLEMS = sorted(p.name for p in DATA.glob("problems.*"))

pytestmark = pytest.mark.django_db


def _validate(tmp_path: Path, actor: Any, organization: Any, source: Path) -> ImportJob:
    path = tmp_path / ("名册" + source.suffix)
    shutil.copyfile(source, path)
    job = services.job_create(
        actor=actor, kind=ImportKind.MEMBERS, upload=path, organization=organization
    )
    return services.job_validate(job.pk)


def _members(names: list[str]) -> dict[str, Member]:
    return {m.name: m for m in Member.objects.filter(name__in=names)}


def test_the_data_files_are_all_there():
    """Every format a secretary may send is kept, from xlsxwriter and from LibreOffice."""
    assert SECRETARY == [
        "secretary.libreoffice.csv",
        "secretary.libreoffice.ods",
        "secretary.libreoffice.xls",
        "secretary.libreoffice.xlsx",
        "secretary.xlsxwriter.xlsx",
    ]
    assert len(PROBLEMS) == 5


@pytest.mark.parametrize("name", SECRETARY)
def test_a_secretarys_roster_imports_whole(tree: Any, tmp_path: Path, name: str) -> None:
    """Title rows, merged organization codes, year-month dates, a padded name, a 15-digit
    number, full-width digits and a total row: five members, each where the sheet put them."""
    job = _validate(tmp_path, tree.east_admin, tree.east, DATA / name)
    assert job.status == JobStatus.VALIDATED, job.message
    assert job.errors == []
    assert (job.total_rows, job.valid_rows, job.error_rows) == (5, 5, 0)
    notes = " ".join(f"{row}:{message}" for row, _column, message in job.notes)
    assert "3:表头在第 3 行" in notes
    assert "王德明" in notes
    assert "空格已去掉" in notes
    assert "15位的旧身份证号码已转换为18位" in notes
    assert "9:合计行" in notes
    if not readers.knows_merged_cells(Path(name)):
        assert "第 5–6 行的党组织代码为空" in notes  # said, because it is a rule, not a fact
    services.job_commit(job.pk)
    members = _members(["张建国", "李秀英", "王德明", "赵卫东", "孙丽"])
    assert set(members) == {"张建国", "李秀英", "王德明", "赵卫东", "孙丽"}
    where = {name: m.memberships.get(is_latest=True).organization for name, m in members.items()}
    assert where == {
        "张建国": tree.east_village,  # rows 4–6 merged C0003
        "李秀英": tree.east_village,
        "王德明": tree.east_village,
        "赵卫东": tree.south_village,
        "孙丽": tree.east_village,
    }
    assert members["张建国"].id_number == "110112196503120076"  # code in force from 1997
    assert members["李秀英"].birth_date == dt.date(1972, 10, 5)  # 1972.1, settled by the ID
    assert members["王德明"].birth_date == dt.date(1980, 5, 6)  # 1980.05, the day from the ID
    assert members["王德明"].joined_on == dt.date(2008, 10, 1)  # serial 39722
    assert members["赵卫东"].id_number == "110101197008091234"
    assert members["赵卫东"].joined_on == dt.date(2008, 10, 1)  # 2008年10月
    assert members["孙丽"].id_number == "110102198504200138"  # full-width digits
    assert members["孙丽"].full_member_on == dt.date(2009, 11, 1)  # 2009.11
    found = member_list(user=tree.east_admin, filters=MemberFilters(q="王德明"))
    assert [m.name for m in found] == ["王德明"]


@pytest.mark.parametrize("name", PROBLEMS)
def test_numbers_a_sheet_spoiled_are_refused_with_what_to_do(
    tree: Any, tmp_path: Path, name: str
) -> None:
    """An ID number kept as a number, 2008.1 for 入党日期, an unknown region code: each row is
    refused with its own message; none suggests a check character or guesses a month."""
    job = _validate(tmp_path, tree.east_admin, tree.east, DATA / name)
    assert job.status == JobStatus.VALIDATED, job.message
    by_row = {row: (column, message) for row, column, message in job.errors}
    assert set(by_row) == {2, 3, 4}
    column, message = by_row[2]
    assert column == "公民身份号码"
    assert "存成了数字" in message
    assert "文本" in message
    assert "应为" not in message
    column, message = by_row[3]
    assert column == "入党日期"
    assert "不明确" in message
    assert "2008-10" in message
    column, message = by_row[4]
    assert column == "公民身份号码"
    assert "119900" in message
    assert "地区代码" in message


def test_the_error_report_keeps_the_id_number_as_text(tree: Any, tmp_path: Path) -> None:
    """In the error report the ID column is text: a number a sheet spoiled is shown as the
    sheet kept it, and the column is formatted as text for the re-typed number."""
    job = _validate(tmp_path, tree.east_admin, tree.east, DATA / "problems.xlsxwriter.xlsx")
    sheet = CalamineWorkbook.from_path(str(job.report_path)).get_sheet_by_index(0)
    rows = list(sheet.iter_rows())
    assert rows[0][1] == "公民身份号码"
    ids = [row[1] for row in rows[1:]]
    assert all(isinstance(cell, str) for cell in ids), ids
    assert ids[0] == "110101198005060000"  # the 15 digits the sheet kept


# --- the same cases written by xlsxwriter and as CSV, one boundary at a time ------------------


def _job(tmp_path: Path, tree: Any, rows: list[list[Any]], suffix: str) -> ImportJob:
    """A file of raw rows (the header where the test puts it) for 东镇党委."""
    path = tmp_path / f"raw{suffix}"
    if suffix == ".csv":
        import csv

        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(rows)
    else:
        book = xlsxwriter.Workbook(str(path))
        sheet = book.add_worksheet()
        for r, cells in enumerate(rows):
            for c, value in enumerate(cells):
                if isinstance(value, int | float):
                    sheet.write_number(r, c, value)
                elif value != "":
                    sheet.write_string(r, c, str(value))
        book.close()
    job = services.job_create(
        actor=tree.east_admin, kind=ImportKind.MEMBERS, upload=path, organization=tree.east
    )
    return services.job_validate(job.pk)


def _cells(**overrides: Any) -> tuple[list[str], list[Any]]:
    row = member_row(**overrides)
    return list(row), list(row.values())


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
@pytest.mark.parametrize(("titles", "found"), [(9, True), (10, False)])
def test_the_header_is_found_below_up_to_nine_title_rows(
    tree: Any, tmp_path: Path, suffix: str, titles: int, found: bool
) -> None:
    """The header is looked for in the first ten rows; below that the file is refused."""
    headers, cells = _cells()
    rows = [["东村党支部党员名册"] for _ in range(titles)] + [headers, cells]
    job = _job(tmp_path, tree, rows, suffix)
    if found:
        assert job.status == JobStatus.VALIDATED, job.message
        assert job.valid_rows == 1
        assert job.notes[0][:1] == [titles + 1]
    else:
        assert job.status == JobStatus.FAILED
        assert "缺少必填列" in job.message


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_row_numbers_count_the_title_rows(tree: Any, tmp_path: Path, suffix: str) -> None:
    """An error names the row the secretary sees, title rows included."""
    headers, cells = _cells(入党日期="不知道")
    job = _job(tmp_path, tree, [["名册"], [""], headers, cells], suffix)
    assert [e[0] for e in job.errors] == [4]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_total_row_is_skipped_and_a_name_like_it_is_not(
    tree: Any, tmp_path: Path, suffix: str
) -> None:
    """合计 / 总计 in the first filled cell: skipped; a person's row is always read."""
    headers, cells = _cells()
    _h, person = _cells(姓名="合计划")  # starts with 合计, and has an ID number
    job = _job(tmp_path, tree, [headers, cells, person, ["总计", "", "2人"]], suffix)
    assert (job.total_rows, job.valid_rows) == (2, 2)
    assert [n[0] for n in job.notes] == [4]
    job = _job(tmp_path, tree, [headers, cells], suffix)
    assert job.notes == []


@pytest.mark.parametrize(
    ("written", "joined_on"),
    [
        (2008.12, dt.date(2008, 12, 1)),
        (2008.01, dt.date(2008, 1, 1)),
        (2008.2, dt.date(2008, 2, 1)),
        ("2008.10", dt.date(2008, 10, 1)),
        ("2008年10月", dt.date(2008, 10, 1)),
        ("2008-10", dt.date(2008, 10, 1)),
        ("20081001", dt.date(2008, 10, 1)),
        (39722, dt.date(2008, 10, 1)),
    ],
)
@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_year_month_dates_are_read(
    tree: Any, tmp_path: Path, suffix: str, written: Any, joined_on: dt.date
) -> None:
    """1985.3 as a number or text, 1985年3月, 1985-03, 19850315 and an Excel serial."""
    headers, cells = _cells(入党日期=written, 转正日期="2010-01-01")
    job = _job(tmp_path, tree, [headers, cells], suffix)
    assert job.errors == []
    assert job.valid_rows == 1
    services.job_commit(job.pk)
    assert Member.objects.get(name="测试党员").joined_on == joined_on


@pytest.mark.parametrize("written", [2008.1, "2008.1", 2008])
@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_date_that_could_be_two_months_or_no_month_is_refused(
    tree: Any, tmp_path: Path, suffix: str, written: Any
) -> None:
    """2008.1 may be January or October (2008.10 stored as a number); 2008 has no month."""
    headers, cells = _cells(入党日期=written, 转正日期="2010-01-01")
    job = _job(tmp_path, tree, [headers, cells], suffix)
    [(row, column, message)] = job.errors
    assert (row, column) == (2, "入党日期")
    assert "2008-10" in message
    assert "1905" not in message


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
@pytest.mark.parametrize(("birth", "agrees"), [("1980.05", True), ("1980.06", False)])
def test_a_month_only_birth_date_agrees_by_month(
    tree: Any, tmp_path: Path, suffix: str, birth: str, agrees: bool
) -> None:
    """出生年月 1980.05 agrees with an ID born 1980-05-06; 1980.06 does not."""
    headers, cells = _cells(出生日期=birth)
    job = _job(tmp_path, tree, [headers, cells], suffix)
    if agrees:
        assert job.errors == []
    else:
        [(_row, column, message)] = job.errors
        assert column == "出生日期"
        assert "1980-06" in message
        assert "1980-05-06" in message


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
@pytest.mark.parametrize(("month", "agrees"), [(10, True), (1, True), (11, False)])
def test_an_ambiguous_birth_month_is_settled_by_the_id_number(
    tree: Any, tmp_path: Path, suffix: str, month: int, agrees: bool
) -> None:
    """出生年月 1980.1: January or October, whichever the ID says; otherwise refused."""
    headers, cells = _cells(birth=dt.date(1980, month, 6), 出生日期=1980.1)
    job = _job(tmp_path, tree, [headers, cells], suffix)
    assert (job.errors == []) is agrees, job.errors


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
@pytest.mark.parametrize(
    ("written", "stored"), [("王  德 明", "王德明"), ("王\u3000明", "王明"), ("王明", "王明")]
)
def test_names_lose_the_spaces_between_chinese_characters(
    tree: Any, tmp_path: Path, suffix: str, written: str, stored: str
) -> None:
    """Padding between characters is removed (with a note); a name without it has no note."""
    headers, cells = _cells(姓名=written)
    job = _job(tmp_path, tree, [headers, cells], suffix)
    assert bool(job.notes) is (written != stored)
    services.job_commit(job.pk)
    assert Member.objects.filter(name=stored).count() == 1


@pytest.mark.parametrize("stored", [1.10101198005061e17, "1.10101198005E+17", "110101198005060000"])
@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_an_id_number_stored_as_a_number_says_how_to_fix_the_column(
    tree: Any, tmp_path: Path, suffix: str, stored: Any
) -> None:
    """A float cell, exponent text or trailing zeros: the column message, no check character."""
    headers, cells = _cells(公民身份号码=stored)
    job = _job(tmp_path, tree, [headers, cells], suffix)
    [(_row, column, message)] = job.errors
    assert column == "公民身份号码"
    assert "存成了数字" in message
    assert "应为" not in message


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_fifteen_digit_number_in_a_number_cell_is_whole(
    tree: Any, tmp_path: Path, suffix: str
) -> None:
    """15 digits survive a float: converted to 18 with a note, not refused."""
    headers, cells = _cells(
        公民身份号码=110101700809123, birth=dt.date(1970, 8, 9), 出生日期="1970-08-09"
    )
    job = _job(tmp_path, tree, [headers, cells], suffix)
    assert job.errors == []
    assert "15位" in job.notes[0][2]
    services.job_commit(job.pk)
    assert Member.objects.get(id_number_hash=crypto.lookup_hash("110101197008091234"))


def test_csv_fills_an_empty_organization_code_only_below_a_filled_one(
    tree: Any, tmp_path: Path
) -> None:
    """Blank before any code: the chosen organization. Blank under a code: that code, noted."""
    rows = [
        member_row(姓名="甲", 党组织代码=""),
        member_row(姓名="乙", 党组织代码="C0004"),
        member_row(姓名="丙", 党组织代码=""),
        member_row(姓名="丁", 党组织代码="C0003"),
    ]
    path = write_csv(tmp_path / "名册.csv", rows)
    job = services.job_create(
        actor=tree.east_admin, kind=ImportKind.MEMBERS, upload=path, organization=tree.east
    )
    job = services.job_validate(job.pk)
    assert [n[:2] for n in job.notes] == [[4, "党组织代码"]]
    assert "C0004" in job.notes[0][2]
    services.job_commit(job.pk)
    where = {
        m.name: m.memberships.get(is_latest=True).organization.code
        for m in Member.objects.filter(name__in="甲乙丙丁")
    }
    assert where == {"甲": "C0002", "乙": "C0004", "丙": "C0004", "丁": "C0003"}


def test_xlsx_fills_merged_cells_and_not_empty_ones(tree: Any, tmp_path: Path) -> None:
    """In .xlsx only a merged cell is filled: an empty one stays the chosen organization."""
    rows = [member_row(姓名=name) for name in "甲乙丙丁"]
    path = write_xlsx(tmp_path / "名册.xlsx", rows)
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    headers = list(rows[0])
    sheet.write_row(0, 0, headers)
    code = headers.index("党组织代码")
    for r, row in enumerate(rows, start=1):
        sheet.write_row(r, 0, [v for h, v in row.items() if h != "党组织代码"])
    sheet.merge_range(1, code, 2, code, "C0004")  # 甲 and 乙; 丙 and 丁 left empty
    book.close()
    job = services.job_create(
        actor=tree.east_admin, kind=ImportKind.MEMBERS, upload=path, organization=tree.east
    )
    job = services.job_validate(job.pk)
    assert job.errors == []
    assert job.notes == []
    services.job_commit(job.pk)
    where = {
        m.name: m.memberships.get(is_latest=True).organization.code
        for m in Member.objects.filter(name__in="甲乙丙丁")
    }
    assert where == {"甲": "C0004", "乙": "C0004", "丙": "C0002", "丁": "C0002"}


def test_the_preview_page_and_the_api_show_the_notes(
    client: Any, tree: Any, tmp_path: Path
) -> None:
    """The secretary sees what was read other than as written, before committing."""
    job = _validate(tmp_path, tree.east_admin, tree.east, DATA / "secretary.libreoffice.csv")
    client.force_login(tree.east_admin)
    page = client.get(job.get_absolute_url()).content.decode()
    assert 'data-testid="notes"' in page
    assert "表头在第 3 行" in page
    api = client.get(f"/api/v1/roster/jobs/{job.public_id}").json()
    assert any("合计行" in note["message"] for note in api["notes"])
    client.force_login(tree.west_admin)
    assert client.get(job.get_absolute_url()).status_code == 404
