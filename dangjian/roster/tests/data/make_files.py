"""Regenerate the roster files the way secretaries make them (tests in test_messy_sheets.py).

    .venv/bin/python dangjian/roster/tests/data/make_files.py

Writes `secretary.xlsxwriter.xlsx` and `problems.xlsxwriter.xlsx` with xlsxwriter, then has
LibreOffice (`soffice`, Debian's libreoffice-calc-nogui) save each as .xlsx, .xls, .ods and .csv
(UTF-8), as a secretary's Excel/WPS would: merged cells, a title above the header, dates typed
as numbers, a total row. The ID numbers are synthetic (`members.idnumbers.make_id_number`).

secretary.*: five members for 东镇党委 (C0002), all valid, every one read other than as written:
  row 1 a merged title, row 2 a note, row 3 the header;
  rows 4–6 党组织代码 C0003 merged over three rows (row 4 the only one holding it);
  row 4: region code 110112 (in force from 1997) for a man born 1965: the issuing code;
  row 5: 出生日期 typed 1972.10, stored by the sheet as the number 1972.1 (the ID says October);
  row 6: name `王  德 明`, 出生日期 the number 1980.05 (year and month), 入党日期 an Excel serial;
  row 7: a 15-digit legacy number, 党组织代码 C0004, 入党日期 `2008年10月`;
  row 8: ID number in full-width digits, 入党日期 `2008-10`;
  row 9: 合计 (merged over two cells), 5人.

problems.*: three rows that must be refused with the right message:
  row 2: the ID number stored as a number (a float: its last digits lost);
  row 3: 入党日期 typed 2008.10 and stored as the number 2008.1 (ambiguous);
  row 4: a correct check character on a region code no table knows (119900).
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import xlsxwriter

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[3]
sys.path.insert(0, str(ROOT))

HEADERS = [
    "姓名",
    "公民身份号码",
    "性别",
    "出生日期",
    "学历",
    "工作岗位",
    "人员类别",
    "入党日期",
    "转正日期",
    "党组织代码",
]

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _check(body17: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return (
        body17 + "10X98765432"[sum(int(d) * w for d, w in zip(body17, weights, strict=True)) % 11]
    )


def secretary(path: Path) -> None:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("党员名册")
    text = book.add_format({"num_format": "@"})
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.set_column(1, 1, 22, text)
    sheet.merge_range(0, 0, 0, len(HEADERS) - 1, "东镇党委党员名册（2026年）")
    sheet.write_string(1, 0, "填报单位：东镇党委    填报日期：2026年12月")
    sheet.write_row(2, 0, HEADERS)
    rows: list[list[str | float]] = [
        ["张建国", _check("11011219650312007"), "男", "", "高中", "农民", "正式党员"],
        ["李秀英", _check("11010119721005008"), "女", 1972.1, "大专", "工人", "正式党员"],
        ["王  德 明", _check("11010119800506011"), "男", 1980.05, "本科", "工人", "正式党员"],
        ["赵卫东", "110101700809123", "男", "1970-08-09", "中专", "农民", "正式党员"],
        [
            "孙丽",
            _check("11010219850420013").translate(FULL_WIDTH),
            "",
            "",
            "本科",
            "专业技术人员",
            "正式党员",
        ],
    ]
    for offset, cells in enumerate(rows):
        row = 3 + offset
        for column, value in enumerate(cells):
            if isinstance(value, float):
                sheet.write_number(row, column, value)
            elif value:
                sheet.write_string(row, column, value)
    joined: list[object] = [
        dt.datetime(1990, 7, 1),  # noqa: DTZ001 (a spreadsheet date has no zone)
        dt.datetime(1998, 6, 30),  # noqa: DTZ001
        39722.0,  # 2008-10-01 as a serial, no date format
        "2008年10月",
        "2008-10",
    ]
    full: list[object] = ["1991-07-01", "1999-07-01", "2009-10-01", "2009年10月", "2009.11"]
    for offset, (when, then) in enumerate(zip(joined, full, strict=True)):
        row = 3 + offset
        if isinstance(when, dt.datetime):
            sheet.write_datetime(row, 7, when, date)
        elif isinstance(when, float):
            sheet.write_number(row, 7, when)
        else:
            sheet.write_string(row, 7, str(when))
        sheet.write_string(row, 8, str(then))
    sheet.merge_range(3, 9, 5, 9, "C0003")
    sheet.write_string(6, 9, "C0004")
    sheet.write_string(7, 9, "C0003")
    sheet.merge_range(8, 0, 8, 1, "合计")
    sheet.write_string(8, 2, "5人")
    book.close()


def problems(path: Path) -> None:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("党员名册")
    sheet.write_row(0, 0, HEADERS)
    common = ["男", "", "本科", "工人", "正式党员"]
    sheet.write_row(1, 0, ["周数字", float(_check("11010119800506013")), *common])
    sheet.write_row(2, 0, ["吴模糊", _check("11010119800506015"), *common])
    sheet.write_row(3, 0, ["郑无码", _check("11990019800506017"), *common])
    for row in (1, 2, 3):
        sheet.write_string(row, 8, "2010-01-01")
        sheet.write_string(row, 9, "C0003")
    sheet.write_string(1, 7, "2008-10-01")
    sheet.write_number(2, 7, 2008.1)
    sheet.write_string(3, 7, "2008-10-01")
    book.close()


def convert(source: Path, stem: str) -> None:
    """LibreOffice saves the sheet as each format a secretary might send."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise SystemExit("soffice not found: apt-get install -y libreoffice-calc-nogui")
    targets = {
        "xlsx": "xlsx:Calc MS Excel 2007 XML",
        "xls": "xls:MS Excel 97",
        "ods": "ods",
        "csv": "csv:Text - txt - csv (StarCalc):44,34,76",  # comma, quote, UTF-8
    }
    with tempfile.TemporaryDirectory() as work:
        profile = Path(work) / "profile"
        for suffix, target in targets.items():
            subprocess.run(
                [
                    soffice,
                    f"-env:UserInstallation=file://{profile}",
                    "--headless",
                    "--convert-to",
                    target,
                    "--outdir",
                    work,
                    str(source),
                ],
                check=True,
                capture_output=True,
                timeout=120,
            )
            produced = Path(work) / f"{source.stem}.{suffix}"
            shutil.move(produced, HERE / f"{stem}.libreoffice.{suffix}")


def main() -> None:
    for stem, build in (("secretary", secretary), ("problems", problems)):
        source = HERE / f"{stem}.xlsxwriter.xlsx"
        build(source)
        convert(source, stem)
    print("\n".join(sorted(p.name for p in HERE.iterdir() if p.suffix != ".py")))


if __name__ == "__main__":
    main()
