"""The ledger's activity rows are written by the exporter, not XlsxWriter (decision 0279): the
workbook is cell for cell the one XlsxWriter wrote whole."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from types import SimpleNamespace
from typing import Any
from unittest import mock
from xml.etree import ElementTree

import pytest
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from dangjian.activities import ledger, services
from dangjian.core import sheet_rows
from dangjian.core.dates import today

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def _whole(organization: Any, year: int) -> bytes:
    """The ledger as before: every row through XlsxWriter's per-cell calls."""
    buffer = io.BytesIO()
    ledger._workbook(buffer, organization, year, ledger.ledger_rows(organization, year))
    return buffer.getvalue()


def _sheets(body: bytes) -> dict[str, Any]:
    """Each sheet's cells {reference: (kind, text as stored, style)} and the rest of its XML;
    the workbook's styles."""
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        names = archive.namelist()
        shared = []
        if "xl/sharedStrings.xml" in names:
            root = ElementTree.fromstring(archive.read("xl/sharedStrings.xml"))  # noqa: S314 (ours)
            shared = ["".join(t.text or "" for t in si.iter(f"{NS}t")) for si in root]
        found: dict[str, Any] = {"styles": archive.read("xl/styles.xml")}
        for name in names:
            if not name.startswith("xl/worksheets/sheet"):
                continue
            xml = archive.read(name).decode()
            cells = {}
            for cell in ElementTree.fromstring(xml).iter(f"{NS}c"):  # noqa: S314 (ours)
                kind, value = cell.get("t", "n"), cell.find(f"{NS}v")
                text: str | None
                if kind == "s":
                    kind, text = "str", shared[int(value.text or "")]  # type: ignore[union-attr]
                elif kind == "inlineStr":
                    kind, text = "str", "".join(t.text or "" for t in cell.iter(f"{NS}t"))
                else:
                    text = value.text if value is not None else None
                cells[cell.get("r")] = (kind, text, cell.get("s"))
            rest = re.sub(r"<sheetData>.*</sheetData>", "", xml, flags=re.S)
            found[name] = (cells, rest)
    return found


def _same(old: bytes, new: bytes) -> None:
    assert _sheets(new) == _sheets(old)
    for index in range(3):
        read_old = CalamineWorkbook.from_filelike(io.BytesIO(old)).get_sheet_by_index(index)
        read_new = CalamineWorkbook.from_filelike(io.BytesIO(new)).get_sheet_by_index(index)
        assert read_new.to_python() == read_old.to_python()


ODD = [
    "&<>\"'",
    " 前后有空格 ",
    "_x0041_ 与 _X00a0_",
    "a\tb\nc\r\nd",
    "\x01\x1f\x0b",
    "\ufffe\uffff",
    "=SUM(A1)",
    "+86 138",
    "",
]


@pytest.mark.django_db
def test_the_ledger_of_real_activities_is_the_workbook_xlsxwriter_wrote(
    county: Any, make_activity: Any
) -> None:
    day = today().replace(month=1, day=15)
    meetings = [
        make_activity(topic=topic, on=day + dt.timedelta(days=i))
        for i, topic in enumerate(["学习党章 & <党史>", " 主题党日 ", "_x0041_ 学习", "会议"])
    ]
    services.activity_record(
        actor=county.east_secretary,
        activity=meetings[0],
        exceptions={county.li.pk: ("LEAVE", "外出务工\t（广东）")},
        resolutions="一、\n二、 ",
    )
    for meeting in meetings[1:]:
        services.activity_record(actor=county.east_secretary, activity=meeting)
    new = ledger.ledger_xlsx(county.east, day.year)
    assert len(CalamineWorkbook.from_filelike(io.BytesIO(new)).get_sheet_by_index(0).to_python())
    _same(_whole(county.east, day.year), new)


rows_strategy = st.lists(
    st.builds(
        ledger.LedgerRow,
        organization=st.sampled_from(ODD) | st.text(max_size=20),
        on=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)),
        kind=st.sampled_from(["支部党员大会", ""]),
        topic=st.text(
            alphabet=st.characters(exclude_categories=["Cs"]),
            max_size=30,
        ),
        place=st.sampled_from(ODD),
        host=st.text(max_size=5),
        lecturer=st.sampled_from(ODD),
        resolutions=st.sampled_from(ODD) | st.just("长" * 40_000),
        expected=st.integers(min_value=0, max_value=10**12),
        present=st.integers(min_value=0, max_value=10**17),
        leave=st.integers(min_value=0, max_value=3),
        absent=st.integers(min_value=0, max_value=3),
        guests=st.integers(min_value=0, max_value=3),
        absentees=st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=30),
    ),
    min_size=0,
    max_size=6,
)


@given(rows=rows_strategy)
@hyp_settings(max_examples=60, deadline=None)
def test_any_ledger_rows_give_the_workbook_xlsxwriter_wrote(rows: list[ledger.LedgerRow]) -> None:
    """XML specials, control characters, Excel's `_xHHHH_`, edge spaces, text longer than a
    cell holds (cut as XlsxWriter cuts it), large numbers, dates from 1900, no rows or one."""
    organization: Any = SimpleNamespace(name="东镇党委 & <一>")
    with (
        mock.patch.object(ledger, "ledger_rows", return_value=rows),
        mock.patch.object(ledger, "guests_elsewhere", return_value=[]),
        mock.patch.object(ledger, "_summary", return_value=[]),
    ):
        _same(_whole(organization, 2026), ledger.ledger_xlsx(organization, 2026))


def test_a_value_with_no_cell_kind_is_refused() -> None:
    """A new column of another type fails loudly rather than writing a wrong cell."""
    with pytest.raises(TypeError):
        sheet_rows.plain_rows_xml(
            io.StringIO(), [[dt.datetime(2026, 1, 1, tzinfo=dt.UTC)]], first=1, date_style=""
        )
