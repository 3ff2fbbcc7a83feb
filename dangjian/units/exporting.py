"""The unit list as .xlsx: the columns the importer reads (an export is a valid import file),
then the members, the organization and the instructors."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _

from dangjian.core.labels import choice_label
from dangjian.core.sheet_text import safe_cell
from dangjian.core.workbooks import new_workbook

from .importing import HEADERS
from .selectors import Coverage

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def write_units(target: io.BytesIO, found: Coverage, instructors: dict[int, list[str]]) -> None:
    book = new_workbook(target)
    sheet = book.add_worksheet(_("单位名录"))
    bold = book.add_format({"bold": True})
    headers = [
        HEADERS["name"][0],
        HEADERS["credit_code"][0],
        HEADERS["kind"][0],
        HEADERS["employees"][0],
        HEADERS["address"][0],
        _("党员"),
        _("正式党员"),
        _("覆盖的党组织"),
        _("党建指导员"),
    ]
    sheet.write_row(0, 0, headers, bold)
    for number, row in enumerate(found.rows, start=1):
        unit = row.unit
        sheet.write_row(
            number,
            0,
            [
                safe_cell(unit.name),
                unit.credit_code,
                str(choice_label(unit, "kind")),
                unit.employees if unit.employees is not None else "",
                safe_cell(unit.address),
                row.members,
                row.full_members,
                safe_cell(unit.organization.name) if unit.organization else "",
                safe_cell("、".join(instructors.get(unit.pk, []))),
            ],
        )
    sheet.set_column(0, 0, 30)
    sheet.set_column(1, 1, 22)
    sheet.set_column(2, 2, 14)
    sheet.set_column(4, 4, 30)
    sheet.set_column(7, 8, 24)
    sheet.freeze_panes(1, 0)
    book.close()
