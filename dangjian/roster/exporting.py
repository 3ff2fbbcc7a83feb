"""Writing roster files: the import templates and member exports, in one layout.

An export has the template's headers and writes coded values as their Chinese labels, so an
export is a valid import file, also after Excel, WPS or LibreOffice opened and saved it
(decision 0033):

- .xlsx: text is a string cell (never a formula), dates are date cells shown `yyyy-mm-dd`, the
  header is styled and frozen, columns are as wide as their text (a CJK character counts two);
- .csv: UTF-8 with a BOM; dates as `YYYY-MM-DD`; a value a spreadsheet would turn into a
  number and so lose (an ID number, a phone number, digits with a leading zero, `+86 …`) starts
  with an invisible tab, which keeps it text; text a spreadsheet could run as a formula (`=`,
  `@`, or `+`/`-` followed by anything but a number) stays behind an apostrophe. The importer
  strips the tab and removes the apostrophe again.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import functools
import io
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO, cast

from django.core.exceptions import PermissionDenied
from django.db.models import F, FilteredRelation, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import override

from dangjian.accounts.scope import Scope, scope_for
from dangjian.core import crypto, exports, sheet_rows
from dangjian.core.sheet_text import FORMULA_STARTS
from dangjian.core.workbooks import new_workbook
from dangjian.members import selectors as member_selectors
from dangjian.members.choices import (
    Degree,
    Education,
    Ethnicity,
    HowAdded,
    MemberCategory,
    MemberStatus,
    Occupation,
    Sex,
)
from dangjian.members.forms import MemberFilterForm
from dangjian.members.idnumbers import make_id_number
from dangjian.members.models import Member
from dangjian.organizations.choices import OrgKind
from dangjian.organizations.models import Organization

from .columns import BOOL, CODE, DATE, ID, MEMBER_COLUMNS, ORGANIZATION_COLUMNS, Column, safe_cell

CHUNK = 2000


def headers(columns: tuple[Column, ...]) -> list[str]:
    """Template and export headers: required columns carry a `*` (the importer ignores it)."""
    return [f"*{c.header}" if c.required else c.header for c in columns]


# --- templates ------------------------------------------------------------------------------


def _instructions(workbook: Any, columns: tuple[Column, ...], title: str) -> None:
    sheet = workbook.add_worksheet(_("填写说明"))
    bold = workbook.add_format({"bold": True})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    sheet.set_column(0, 0, 18)
    sheet.set_column(1, 1, 70)
    sheet.write(0, 0, title, workbook.add_format({"bold": True, "font_size": 14}))
    lines = [
        _("1. 第一行是表头，请勿修改或删除；从第二行起每行填一条。带 * 的列必填。"),
        _("2. 日期可写 2008-10-01、2008/10/1、2008.10（只到月份时按1日计）或 2008年10月1日。"),
        _("3. 带下拉列表的列请从列表中选择，也可填写常用简称（如“本科”“大专”“汉”）。"),
        _("4. 身份证号码请设为文本格式，避免 Excel 把它变成科学计数法。"),
        _("5. 导入前系统会逐行检查，有错误的行会列出行号和原因，并可下载错误报告修改后重新上传。"),
    ]
    for i, line in enumerate(lines, start=2):
        sheet.write(i, 0, line)
    row = len(lines) + 3
    sheet.write(row, 0, _("列"), bold)
    sheet.write(row, 1, _("说明"), bold)
    for column in columns:
        row += 1
        note = column.note
        labels = column.labels()
        if labels:
            note = f"{note} " + _("可选值：%(values)s") % {"values": "、".join(labels)}
        sheet.write(row, 0, column.header + (" *" if column.required else ""))
        sheet.write(row, 1, note.strip(), wrap)


def _code_sheet(workbook: Any, columns: tuple[Column, ...]) -> dict[str, str]:
    """A hidden sheet holding the drop-down lists; column key → range formula."""
    sheet = workbook.add_worksheet("代码表")
    ranges: dict[str, str] = {}
    position = 0
    for column in columns:
        labels = column.labels()
        if not labels:
            continue
        letter = _letter(position)
        sheet.write(0, position, column.header)
        for i, label in enumerate(labels, start=1):
            sheet.write_string(i, position, label)
        ranges[column.key] = f"=代码表!${letter}$2:${letter}${len(labels) + 1}"
        position += 1
    sheet.hide()
    return ranges


_letter = sheet_rows.column_letter


def write_template(target: Path | io.BytesIO, kind: str) -> None:
    """The import template (党员信息采集表 / 党组织信息表) with instructions and drop-downs."""
    columns = MEMBER_COLUMNS if kind == "members" else ORGANIZATION_COLUMNS
    title = _("党员信息采集表") if kind == "members" else _("党组织信息表")
    with override("zh-hans"):
        workbook = new_workbook(target)
        sheet = workbook.add_worksheet(title)
        header_format = workbook.add_format(
            {"bold": True, "bg_color": "#C00000", "font_color": "#FFFFFF", "border": 1}
        )
        text_format = workbook.add_format({"num_format": "@"})
        sheet.write_row(0, 0, headers(columns), header_format)
        sheet.freeze_panes(1, 0)
        for position, column in enumerate(columns):
            sheet.set_column(position, position, max(10, len(column.header) * 3))
            if column.kind == "id" or column.key in ("phone", "code", "organization_code"):
                sheet.set_column(position, position, 22, text_format)
        ranges = _code_sheet(workbook, columns)
        for position, column in enumerate(columns):
            source = ranges.get(column.key)
            if source:
                sheet.data_validation(
                    1,
                    position,
                    100000,
                    position,
                    {
                        "validate": "list",
                        "source": source,
                        "error_message": _("请从下拉列表中选择。"),
                    },
                )
        _instructions(workbook, columns, title)
        examples = workbook.add_worksheet(_("示例"))
        examples.write_row(0, 0, headers(columns), header_format)
        for i, row in enumerate(_example_rows(kind), start=1):
            examples.write_row(i, 0, row)
        workbook.close()


def _example_rows(kind: str) -> list[list[str]]:
    if kind == "members":
        return [
            [
                "张三",
                make_id_number("110101", dt.date(1985, 3, 7), 7, Sex.MALE),
                "男",
                "汉族",
                "1985-03-07",
                "北京",
                "大学本科",
                "学士",
                "专业技术人员",
                "示范县人民医院",
                "医生",
                "13800000000",
                "示范县人民路1号",
                "正式党员",
                "2008-10-01",
                "2009-10-01",
                "正常",
                "否",
                "否",
                "否",
                "C0003",
                "",
                "2008-10-01",
                "新发展",
            ],
            [
                "李四",
                make_id_number("110101", dt.date(2000, 1, 1), 11, Sex.FEMALE),
                "女",
                "汉",
                "2000/1/1",
                "",
                "本科",
                "",
                "学生",
                "",
                "",
                "",
                "",
                "预备党员",
                "2024年6月1日",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
            ],
        ]
    return [
        [
            "C0100",
            "示范村党支部",
            "示范村支部",
            "党支部",
            "C0002",
            "行政村",
            "法人单位",
            "示范村村民委员会",
            "2010-07-01",
            "2024-01-10",
            "",
        ]
    ]


# --- member export --------------------------------------------------------------------------


def member_export_filters(
    user: Any, params: dict[str, str]
) -> member_selectors.MemberFilters | None:
    """The list page's filters for `user` from `params` (its query string); None when they
    name an organization out of the user's scope (the view answers 404)."""
    scope = scope_for(user)
    organizations = Organization.objects.restrict(scope).exclude(kind=OrgKind.PARTY_GROUP)
    form = MemberFilterForm(params or None, organizations=organizations)
    if "org" in form.errors:
        return None
    if form.is_valid():
        return form.filters()  # exactly the list page's filters
    return member_selectors.MemberFilters()


def member_export_queryset(user: Any, params: dict[str, str]) -> QuerySet[Member]:
    """The members the list page shows `user` with the filters `params`.

    Raises PermissionDenied for an organization out of the user's scope: a background export
    fails with the message (the scope may have shrunk since it was asked).
    """
    filters = member_export_filters(user, params)
    if filters is None:
        raise PermissionDenied(_("您无权导出该党组织的党员。"))
    return member_selectors.member_list(user=user, filters=filters)


def write_members(
    target: Path | BinaryIO,
    queryset: QuerySet[Member],
    *,
    scope: Scope,
    file_format: str,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write the members of `queryset` as the roster file at `target` (a path, or a binary
    stream such as an export's `SealedWriter`); returns the row count."""
    cells = export_cells(export_queryset(queryset), scope=scope)
    if progress is not None:
        cells = _counted(cells, progress)
    if file_format == "csv":
        return write_csv(target, cells)
    return write_xlsx(target, cells)


def _counted(cells: Iterable[list[Any]], progress: Callable[[int], None]) -> Iterator[list[Any]]:
    done = 0
    for done, row in enumerate(cells, start=1):
        if not done % 1000:
            progress(done)
        yield row
    progress(done)


# The values each member row carries, in the order of MEMBER_COLUMNS (the ID number as stored,
# the organization and the membership from the latest membership row), then the organization's
# path (whether the reader may see the ID and phone numbers unmasked).
_FIELDS = (
    "name",
    "id_number_encrypted",
    "sex",
    "ethnicity",
    "birth_date",
    "native_place",
    "education",
    "degree",
    "occupation",
    "work_unit",
    "post",
    "phone",
    "address",
    "category",
    "joined_on",
    "full_member_on",
    "status",
    "in_hardship",
    "is_retired",
    "is_migrant_worker",
    "export_org_code",
    "export_org_name",
    "export_started_on",
    "export_how_added",
    "export_org_path",
)


def export_queryset(queryset: QuerySet[Member]) -> Iterator[tuple[Any, ...]]:
    """The member rows of a list (`_FIELDS`), with their latest membership's organization and
    dates, streamed from the database in chunks."""
    # One join on the latest membership row (the database holds one per member), not a
    # subquery per column.
    rows = queryset.annotate(
        latest=FilteredRelation("memberships", condition=Q(memberships__is_latest=True)),
        export_org_code=F("latest__organization__code"),
        export_org_name=F("latest__organization__name"),
        export_org_path=F("latest__organization__path"),
        export_started_on=F("latest__started_on"),
        export_how_added=F("latest__how_added"),
    ).values_list(*_FIELDS)
    return rows.iterator(chunk_size=CHUNK)


_LABELS: dict[str, type[Any]] = {
    "sex": Sex,
    "ethnicity": Ethnicity,
    "education": Education,
    "degree": Degree,
    "occupation": Occupation,
    "category": MemberCategory,
    "status": MemberStatus,
    "how_added": HowAdded,
}


def _batches(rows: Iterable[tuple[Any, ...]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def export_cells(rows: Iterable[tuple[Any, ...]], *, scope: Scope) -> Iterator[list[Any]]:
    """Each member as the template's cells; ID and phone masked where the scope may not reveal.

    The hot loop of a county export (decision 0266): the ID numbers of a chunk are decrypted
    together (`crypto.decrypt_many`), and a row is one list display, not a loop over columns.
    """
    with override("zh-hans"):
        labels = {
            key: {value: str(label) for value, label in choices.choices}
            for key, choices in _LABELS.items()
        }
    sex, ethnicity, education, degree = (
        labels[k] for k in ("sex", "ethnicity", "education", "degree")
    )
    occupation, category, status, how_added = (
        labels[k] for k in ("occupation", "category", "status", "how_added")
    )
    mask_id, mask_phone = crypto.mask_id_number, crypto.mask_phone
    reveal_cache: dict[str, bool] = {}
    for batch in _batches(rows, CHUNK):
        numbers = crypto.decrypt_many([row[1] for row in batch])
        for row, number in zip(batch, numbers, strict=True):
            path = row[24] or ""
            reveal = reveal_cache.get(path)
            if reveal is None:
                reveal = reveal_cache[path] = scope.can_reveal_path(path)
            phone = row[11]
            yield [
                row[0] or "",
                number if reveal else mask_id(number),
                sex.get(row[2], row[2]) if row[2] else "",
                ethnicity.get(row[3], row[3]) if row[3] else "",
                row[4] or "",  # a date: a date cell in .xlsx, YYYY-MM-DD in CSV
                row[5] or "",
                education.get(row[6], row[6]) if row[6] else "",
                degree.get(row[7], row[7]) if row[7] else "",
                occupation.get(row[8], row[8]) if row[8] else "",
                row[9] or "",
                row[10] or "",
                (phone if reveal else mask_phone(phone)) if phone else "",
                row[12] or "",
                category.get(row[13], row[13]) if row[13] else "",
                row[14] or "",
                row[15] or "",
                status.get(row[16], row[16]) if row[16] else "",
                "是" if row[17] else "否",
                "是" if row[18] else "否",
                "是" if row[19] else "否",
                row[20] or "",
                row[21] or "",
                row[22] or "",
                how_added.get(row[23], row[23]) if row[23] else "",
            ]


class _Echo:
    def write(self, value: str) -> str:
        return value


# A value a spreadsheet reads as a number and loses: 11 digits or more (Excel keeps 15
# significant digits and shows 12 or more as 3.62E+17), or digits after a leading zero.
_NUMBER_THAT_LOSES = re.compile(r"\d{11,}|0\d+")
# A plain number or phone number behind + or - (`+86 138 0000 0000`, `-12.5`, `-`): a
# spreadsheet would compute it or drop the sign, but it cannot call anything.
_SIGNED_NUMBER = re.compile(r"[+-]\d[\d ()-]*|-\d+(?:\.\d+)?|[+-]+")
TEXT_GUARD = "\t"


# Only text starting with one of these can need a guard (a digit, a sign or a formula start).
_GUARDED_FIRST = frozenset("0123456789+-") | FORMULA_STARTS


def csv_cell(value: Any) -> Any:
    """One CSV cell as Excel, WPS and LibreOffice open it without loss or danger."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if not isinstance(value, str) or not value or value[0] not in _GUARDED_FIRST:
        return value
    if _NUMBER_THAT_LOSES.fullmatch(value) or _SIGNED_NUMBER.fullmatch(value):
        return TEXT_GUARD + value
    return safe_cell(value)


def _csv_row(row: list[Any]) -> list[Any]:
    """A member row's cells for CSV: `csv_cell` where it can change something (free text and
    dates); labels and 是/否 never need a guard."""
    for position in _CSV_GUARDED:
        value = row[position]
        if value:
            row[position] = csv_cell(value)
    return row


_CSV_GUARDED = tuple(i for i, c in enumerate(MEMBER_COLUMNS) if c.kind not in (CODE, BOOL))


def csv_stream(cells: Iterable[list[Any]]) -> Iterator[str]:
    """CSV lines, UTF-8 with a BOM so Excel and WPS open it as UTF-8 (see `csv_cell`)."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    yield writer.writerow(headers(MEMBER_COLUMNS))
    for row in cells:
        yield writer.writerow(_csv_row(row))


def write_csv(target: Path | BinaryIO, cells: Iterable[list[Any]]) -> int:
    count = 0
    with contextlib.ExitStack() as stack:
        binary = target if not isinstance(target, Path) else stack.enter_context(target.open("wb"))
        handle = io.TextIOWrapper(binary, encoding="utf-8", newline="")
        writer = csv.writer(handle)
        handle.write("\ufeff")
        writer.writerow(headers(MEMBER_COLUMNS))
        for count, row in enumerate(cells, start=1):  # noqa: B007
            writer.writerow(_csv_row(row))
        handle.flush()
        handle.detach()  # the stream stays open for its owner
    return count


def display_width(text: str) -> int:
    """How many Latin characters wide `text` shows: a CJK (wide or full-width) one counts two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


MAX_WIDTH = 60


def write_xlsx(target: Path | str | BinaryIO, cells: Iterable[list[Any]]) -> int:
    """Every text cell is a string cell (an ID or phone number stays text), every date a date
    cell shown `yyyy-mm-dd`; the header row is styled and frozen, with a filter, and each column
    is as wide as its widest value. Memory stays flat: rows go to disk as they are written,
    sealed (`core.exports.SealedWriter`: no clear ID number in a working file), and `target`
    may be a path or a binary stream that only writes (an export's sealed file).

    XlsxWriter writes the workbook (styles, header, widths, panes, filter); the member rows'
    XML is written here, in XlsxWriter's own form for constant memory (inline strings, the
    column's style on each cell), and put in the sheet in its place: XlsxWriter's per-cell calls
    ran 7,000 rows/s where issue 20 asks 50,000 (decision 0267)."""
    if isinstance(target, str):
        target = Path(target)
    widths = [display_width(name) + 4 for name in headers(MEMBER_COLUMNS)]
    with tempfile.TemporaryDirectory(prefix="dangjian-roster-") as directory:
        rows_path = Path(directory) / "rows.sealed"
        shell = Path(directory) / "shell.xlsx"  # the header and formats only: no member data
        with exports.SealedWriter(rows_path) as sealed:
            rows_file = io.TextIOWrapper(cast(BinaryIO, sealed), encoding="utf-8")
            count = _rows_xml(rows_file, cells, widths, _column_styles())
            rows_file.flush()
            rows_file.detach()
        _workbook_shell(shell, widths, count)
        _splice_rows(shell, target, rows_path, count)
    return count


def _workbook_shell(target: Path, widths: list[int], count: int) -> None:
    """The workbook without its member rows: header, formats, widths, frozen header, filter."""
    workbook = new_workbook(target)
    sheet = workbook.add_worksheet(_("党员信息采集表"))
    header_format = workbook.add_format(
        {
            "bold": True,
            "bg_color": "#C00000",
            "font_color": "#FFFFFF",
            "border": 1,
            "align": "center",
            "valign": "vcenter",
        }
    )
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    text_format = workbook.add_format({"num_format": "@"})
    names = headers(MEMBER_COLUMNS)
    sheet.set_row(0, 20)
    sheet.write_row(0, 0, names, header_format)
    sheet.freeze_panes(1, 0)
    for position, column in enumerate(MEMBER_COLUMNS):
        width = min(widths[position] + 2, MAX_WIDTH)
        if column.kind == ID or column.key == "phone":
            # Typed-in numbers stay text too, when someone adds a row to the export.
            sheet.set_column(position, position, width, text_format)
        elif column.kind == DATE:
            sheet.set_column(position, position, width, date_format)
        else:
            sheet.set_column(position, position, width)
    sheet.autofilter(0, 0, count, len(names) - 1)
    workbook.close()


def _styles_from(sheet_xml: str) -> tuple[str, ...]:
    """The `s` attribute of each column's cells, read from the sheet's <col> elements (a cell
    takes its column's style, as XlsxWriter writes it)."""
    styles = [""] * len(MEMBER_COLUMNS)
    for attributes in re.findall(r"<col ([^>]*)/>", sheet_xml):
        first = re.search(r'min="(\d+)"', attributes)
        last = re.search(r'max="(\d+)"', attributes)
        style = re.search(r'style="(\d+)"', attributes)
        if first and last and style:
            for position in range(int(first[1]) - 1, min(int(last[1]), len(styles))):
                styles[position] = f' s="{style[1]}"'
    return tuple(styles)


@functools.cache
def _column_styles() -> tuple[str, ...]:
    """The column styles of `_workbook_shell`'s sheet (the same for every export), read once
    from a shell written for the purpose."""
    with tempfile.TemporaryDirectory() as directory:
        probe = Path(directory) / "probe.xlsx"
        _workbook_shell(probe, [10] * len(MEMBER_COLUMNS), 1)
        with zipfile.ZipFile(probe) as archive:
            return _styles_from(archive.read(SHEET_PART).decode())


SHEET_PART = "xl/worksheets/sheet1.xml"


# Columns whose values repeat from row to row (code labels, 是/否, the organization): each
# distinct value's cell is escaped and built once and then only given its reference, up to
# KEPT_VALUES values a column (a province's organizations would be more; the rest is built
# cell by cell as before).
_REPEATING = frozenset(
    i
    for i, c in enumerate(MEMBER_COLUMNS)
    if c.kind in (CODE, BOOL) or c.key in ("organization_code", "organization_name")
)
KEPT_VALUES = 4096


def _rows_xml(
    handle: Any, cells: Iterable[list[Any]], widths: list[int], styles: tuple[str, ...]
) -> int:
    """Write each row's <row> element (rows 2…) to `handle`; widen `widths`; returns the count."""
    letters = [_letter(i) for i in range(len(MEMBER_COLUMNS))]
    column_styles = date_styles = styles
    # Per repeating column: value → its cell after the reference (`<c r="B7"` + this).
    kept: list[dict[str, str] | None] = [
        {} if position in _REPEATING else None for position in range(len(MEMBER_COLUMNS))
    ]
    write = handle.write
    string_cell, excel_serial = sheet_rows.string_cell, sheet_rows.excel_serial
    count = 0
    for count, row in enumerate(cells, start=1):
        number = count + 1
        parts = [f'<row r="{number}">']
        append = parts.append
        for position, cell in enumerate(row):
            if type(cell) is str:
                if not cell:
                    continue
                values = kept[position]
                if values is not None:
                    tail = values.get(cell)
                    if tail is not None:  # its width is counted already
                        append(f'<c r="{letters[position]}{number}"{tail}')
                        continue
                width = widths[position]
                if width < MAX_WIDTH and len(cell) * 2 > width:  # else it cannot widen the column
                    widths[position] = max(
                        width, len(cell) if cell.isascii() else display_width(cell)
                    )
                built = string_cell(f"{letters[position]}{number}", column_styles[position], cell)
                append(built)
                if values is not None and len(values) < KEPT_VALUES:
                    values[cell] = built[built.index('"', 6) + 1 :]  # after `<c r="B7"`
            elif isinstance(cell, dt.date) and cell.year >= 1900:
                serial = excel_serial(cell)
                widths[position] = max(widths[position], 10)
                append(
                    f'<c r="{letters[position]}{number}"{date_styles[position]}><v>{serial}</v></c>'
                )
            elif cell is not None and cell != "":
                text = sheet_rows.xml_text(
                    cell.isoformat() if isinstance(cell, dt.date) else str(cell)
                )
                widths[position] = max(widths[position], display_width(text))
                append(
                    f'<c r="{letters[position]}{number}"{column_styles[position]} t="inlineStr">'
                    f"<is><t>{text}</t></is></c>"
                )
        append("</row>")
        write("".join(parts))
    return count


def _splice_rows(shell: Path, target: Path | BinaryIO, rows_path: Path, count: int) -> None:
    """Write `target`: the workbook `shell` with the member rows in its sheet after the header
    row (`target` is rewritten in place: a caller may hold it open)."""
    with zipfile.ZipFile(shell) as source:
        if _styles_from(source.read(SHEET_PART).decode()) != _column_styles():
            raise RuntimeError("the rows were written with other column styles")
    sheet_rows.splice_rows(shell, target, SHEET_PART, rows_path, count + 1)
