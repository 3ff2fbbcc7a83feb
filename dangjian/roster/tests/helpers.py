"""Building roster files for the tests."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import xlsxwriter

from dangjian.site.testing import new_id_number

HEADERS = [
    "姓名",
    "公民身份号码",
    "性别",
    "民族",
    "出生日期",
    "学历",
    "工作岗位",
    "人员类别",
    "入党日期",
    "转正日期",
    "党组织代码",
]


def member_row(**overrides: Any) -> dict[str, Any]:
    """A valid row (a man born 1980-05-06, full member) for 东村党支部 (C0003)."""
    birth = overrides.pop("birth", dt.date(1980, 5, 6))
    sex = overrides.pop("sex_code", "1")
    row: dict[str, Any] = {
        "姓名": "测试党员",
        "公民身份号码": new_id_number(birth, sex),
        "性别": "男" if sex == "1" else "女",
        "民族": "汉族",
        "出生日期": birth.isoformat(),
        "学历": "大学本科",
        "工作岗位": "专业技术人员",
        "人员类别": "正式党员",
        "入党日期": "2008-10-01",
        "转正日期": "2009-10-01",
        "党组织代码": "C0003",
    }
    row.update(overrides)
    return row


def write_csv(
    path: Path,
    rows: list[dict[str, Any]],
    *,
    encoding: str = "utf-8",
    headers: list[str] | None = None,
) -> Path:
    headers = headers or list(dict.fromkeys(h for row in rows for h in row)) or HEADERS
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        for row in rows:
            writer.writerow([row.get(h, "") for h in headers])
    return path


def write_xlsx(path: Path, rows: list[dict[str, Any]]) -> Path:
    """Dates stay real spreadsheet dates; ints and floats stay numbers (as Excel keeps them)."""
    headers = list(dict.fromkeys(h for row in rows for h in row))
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, headers)
    for r, row in enumerate(rows, start=1):
        for c, header in enumerate(headers):
            value = row.get(header, "")
            if isinstance(value, dt.date):
                sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date_format)
            elif isinstance(value, int | float):
                sheet.write_number(r, c, value)
            elif value != "":
                sheet.write_string(r, c, str(value))
    workbook.close()
    return path
