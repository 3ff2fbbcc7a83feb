"""Writing roster files: the import templates and member exports, in one layout.

An export has the template's headers and writes coded values as their Chinese labels, dates as
`YYYY-MM-DD`, so an export is a valid import file. Text that a spreadsheet could evaluate
(`=`, `+`, `-`, `@` first) is written as a string cell in .xlsx and behind an apostrophe in CSV;
the importer removes that apostrophe again.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils.translation import gettext as _
from django.utils.translation import override

from dangjian.accounts.scope import Scope
from dangjian.core import crypto
from dangjian.core.workbooks import new_workbook
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
from dangjian.members.idnumbers import make_id_number
from dangjian.members.models import Member, Membership

from .columns import BOOL, CODE, MEMBER_COLUMNS, ORGANIZATION_COLUMNS, Column, safe_cell

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


def _letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


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


def export_queryset(queryset: QuerySet[Member]) -> Iterator[dict[str, Any]]:
    """The member rows of a list, with their latest membership's organization and dates."""
    latest = Membership.objects.filter(member=OuterRef("pk"), is_latest=True)
    rows = queryset.annotate(
        export_org_code=Subquery(latest.values("organization__code")[:1]),
        export_org_name=Subquery(latest.values("organization__name")[:1]),
        export_org_path=Subquery(latest.values("organization__path")[:1]),
        export_started_on=Subquery(latest.values("started_on")[:1]),
        export_how_added=Subquery(latest.values("how_added")[:1]),
    ).values(
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
        "export_org_path",
        "export_started_on",
        "export_how_added",
    )
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
_SOURCE = {"organization_code": "export_org_code", "organization_name": "export_org_name"}
_SOURCE |= {"started_on": "export_started_on", "how_added": "export_how_added"}


def export_cells(rows: Iterable[dict[str, Any]], *, scope: Scope) -> Iterator[list[Any]]:
    """Each member as the template's cells; ID and phone masked where the scope may not reveal."""
    with override("zh-hans"):
        labels = {
            key: {value: str(label) for value, label in choices.choices}
            for key, choices in _LABELS.items()
        }
    reveal_cache: dict[str, bool] = {}
    for row in rows:
        path = row["export_org_path"] or ""
        reveal = reveal_cache.get(path)
        if reveal is None:
            reveal = reveal_cache[path] = scope.can_reveal_path(path)
        cells: list[Any] = []
        for column in MEMBER_COLUMNS:
            key = column.key
            if key == "id_number":
                number = crypto.decrypt_text(row["id_number_encrypted"])
                cells.append(number if reveal else crypto.mask_id_number(number))
                continue
            value = row[_SOURCE.get(key, key)]
            if key == "phone" and value and not reveal:
                value = crypto.mask_phone(value)
            if column.kind == CODE:
                cells.append(labels[key].get(value, value) if value else "")
            elif column.kind == BOOL:
                cells.append("是" if value else "否")
            elif isinstance(value, dt.date):
                cells.append(value.isoformat())
            else:
                cells.append(value or "")
        yield cells


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_stream(cells: Iterable[list[Any]]) -> Iterator[str]:
    """CSV lines, UTF-8 with a BOM so Excel opens it as UTF-8; risky text behind an apostrophe."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    yield writer.writerow(headers(MEMBER_COLUMNS))
    for row in cells:
        yield writer.writerow([safe_cell(c) if isinstance(c, str) else c for c in row])


def write_csv(path: Path, cells: Iterable[list[Any]]) -> int:
    count = -1
    with path.open("w", encoding="utf-8", newline="") as handle:
        for count, line in enumerate(csv_stream(cells), start=-1):  # noqa: B007
            handle.write(line)
    return max(count, 0)


def write_xlsx(target: Path | str, cells: Iterable[list[Any]]) -> int:
    """Constant memory: rows go to disk as they are written. Every text cell is a string cell."""
    workbook = new_workbook(target, constant_memory=True)
    sheet = workbook.add_worksheet(_("党员信息采集表"))
    bold = workbook.add_format({"bold": True})
    sheet.write_row(0, 0, headers(MEMBER_COLUMNS), bold)
    count = 0
    for count, row in enumerate(cells, start=1):
        for position, cell in enumerate(row):
            if cell != "":
                sheet.write_string(count, position, str(cell))
    workbook.close()
    return count
