"""The activity ledger (组织生活台账) of an organization for a year, as .xlsx and as PDF."""

from __future__ import annotations

import datetime as dt
import io
import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, cast

from django.db.models import Count, Q, QuerySet
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from dangjian.core import pdf
from dangjian.core.labels import choice_label
from dangjian.organizations.models import Organization

from . import periods, selectors
from .choices import ActivityKind, ActivityStatus, AttendanceStatus
from .models import Activity, Attendance


@dataclass
class LedgerRow:
    organization: str
    on: dt.date
    kind: str
    topic: str
    place: str
    host: str
    lecturer: str
    resolutions: str
    expected: int = 0
    present: int = 0
    leave: int = 0
    absent: int = 0
    guests: int = 0
    absentees: str = ""


def held(organization: Organization, year: int) -> QuerySet[Activity]:
    return Activity.objects.within(organization).filter(on__year=year, status=ActivityStatus.HELD)


def ledger_rows(organization: Organization, year: int) -> list[LedgerRow]:
    """One row per activity held in the subtree in `year`, in tree order then by date.

    Three plain queries whatever the size (issue 20: the county's 27,000 activities took
    128 s): the activities as values, the roll counted per activity (grouped by the activity
    alone), and who was not present; the activities' ids stay in the database as a subquery
    (as a list of parameters SQLite took minutes)."""
    activities = held(organization, year)
    kinds = {value: str(label) for value, label in ActivityKind.choices}
    rows: dict[int, LedgerRow] = {}
    for pk, org_name, on, kind, topic, place, host, lecturer, resolutions in activities.order_by(
        "organization__path", "on", "start_time", "pk"
    ).values_list(
        "pk",
        "organization__name",
        "on",
        "kind",
        "topic",
        "place",
        "host__name",
        "lecturer",
        "resolutions",
    ):
        rows[pk] = LedgerRow(
            org_name, on, kinds.get(kind, kind), topic, place, host or "", lecturer, resolutions
        )
    roll = Attendance.objects.filter(activity__in=activities.values("pk"))
    for activity_id, expected, present, leave, absent, guests in (
        roll.order_by()
        .values("activity_id")
        .annotate(
            n_expected=Count("pk", filter=Q(is_guest=False)),
            n_present=Count("pk", filter=Q(is_guest=False, status=AttendanceStatus.PRESENT)),
            n_leave=Count("pk", filter=Q(status=AttendanceStatus.LEAVE)),
            n_absent=Count("pk", filter=Q(status=AttendanceStatus.ABSENT)),
            n_guests=Count("pk", filter=Q(is_guest=True)),
        )
        .values_list("activity_id", "n_expected", "n_present", "n_leave", "n_absent", "n_guests")
    ):
        row = rows[activity_id]
        row.expected, row.present, row.leave, row.absent, row.guests = (
            expected,
            present,
            leave,
            absent,
            guests,
        )
    statuses = {value: str(label) for value, label in AttendanceStatus.choices}
    not_present: dict[int, list[str]] = {}
    for activity_id, name, status, reason in (
        roll.exclude(status=AttendanceStatus.PRESENT)
        .order_by("activity_id", "pk")
        .values_list("activity_id", "member__name", "status", "reason")
    ):
        text = f"{name}（{statuses.get(status, status)}{'：' + reason if reason else ''}）"
        not_present.setdefault(activity_id, []).append(text)
    for activity_id, names in not_present.items():
        rows[activity_id].absentees = "、".join(names)
    return list(rows.values())


def guests_elsewhere(organization: Organization, year: int) -> list[Attendance]:
    """Members of this subtree who attended another organization's activity as guests: their
    home record shows it (a mobile member's life is kept where they live and work)."""
    return list(
        Attendance.objects.within(organization, via="home_organization__path")
        .filter(is_guest=True, activity__on__year=year, activity__status=ActivityStatus.HELD)
        .select_related("member", "home_organization", "activity__organization")
        .order_by("activity__on", "pk")
    )


def _guest_headers() -> list[str]:
    return [_("党员"), _("所在党组织"), _("日期"), _("举办党组织"), _("类型"), _("主题")]


def _guest_values(row: Attendance) -> list[Any]:
    a = row.activity
    home = row.home_organization.name if row.home_organization else ""
    return [
        row.member.name,
        home,
        a.on,
        a.organization.name,
        choice_label(a, "kind"),
        a.topic,
    ]


def _headers() -> list[str]:
    return [
        _("党组织"),
        _("日期"),
        _("类型"),
        _("主题"),
        _("地点"),
        _("主持人"),
        _("授课人"),
        _("应到"),
        _("实到"),
        _("请假"),
        _("缺席"),
        _("列席"),
        _("请假/缺席人员"),
        _("决议事项"),
    ]


def _values(row: LedgerRow) -> list[Any]:
    return [
        row.organization,
        row.on,
        row.kind,
        row.topic,
        row.place,
        row.host,
        row.lecturer,
        row.expected,
        row.present,
        row.leave,
        row.absent,
        row.guests,
        row.absentees,
        row.resolutions,
    ]


def _summary(organization: Organization, year: int) -> list[selectors.Compliance]:
    wanted = [*(periods.quarter(year, q) for q in range(1, 5)), periods.year(year)]
    return selectors.compliance_rollups(organization, wanted, lagging_limit=0)


LEDGER_SHEET = "xl/worksheets/sheet1.xml"
_FIRST_ROW = 3  # 0-based: the title, a blank row, the header, then the activities


def ledger_xlsx(organization: Organization, year: int) -> bytes:
    """The ledger as .xlsx: the activities, the members who were guests elsewhere, and how
    far each period's life was held.

    XlsxWriter makes the workbook and writes the first activity; the others' rows are written
    here as XlsxWriter writes them (`core.sheet_rows`, decision 0279: its per-cell calls ran
    8,000 rows/s where issue 20 asks 50,000), with the date style XlsxWriter gave the first
    row's date, and spliced into the sheet."""
    from dangjian.core import exports, sheet_rows

    rows = ledger_rows(organization, year)
    shell = io.BytesIO()
    _workbook(shell, organization, year, rows[:1])
    if len(rows) < 2:
        return shell.getvalue()
    with zipfile.ZipFile(shell) as source:
        first = re.search(r'<c r="B4"( s="\d+")><v>', source.read(LEDGER_SHEET).decode())
    if first is None:
        raise RuntimeError("the ledger's first row has no date cell")
    output = io.BytesIO()
    with tempfile.TemporaryDirectory(prefix="dangjian-ledger-") as directory:
        rows_path = Path(directory) / "rows.sealed"
        with exports.SealedWriter(rows_path) as sealed:
            handle = io.TextIOWrapper(cast(BinaryIO, sealed), encoding="utf-8")
            sheet_rows.plain_rows_xml(
                handle,
                (_values(row) for row in rows[1:]),
                first=_FIRST_ROW + 2,
                date_style=first[1],
            )
            handle.flush()
            handle.detach()
        sheet_rows.splice_rows(shell, output, LEDGER_SHEET, rows_path, _FIRST_ROW + len(rows))
    return output.getvalue()


def _workbook(
    target: io.BytesIO, organization: Organization, year: int, rows: list[LedgerRow]
) -> None:
    from dangjian.core.workbooks import new_workbook

    book = new_workbook(target, in_memory=True)
    bold = book.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})

    def put(target: Any, r: int, col: int, value: Any) -> None:
        # A date is a date cell (Excel/WPS sort and filter it as one), shown as 2026-03-05.
        if isinstance(value, dt.date):
            target.write_datetime(r, col, value, date_format)
        else:
            target.write(r, col, value)

    title = book.add_format({"bold": True, "font_size": 14})
    sheet = book.add_worksheet(_("组织生活台账"))
    sheet.write(
        0, 0, _("%(org)s %(year)d年组织生活台账") % {"org": organization.name, "year": year}, title
    )
    for col, header in enumerate(_headers()):
        sheet.write(2, col, header, bold)
    for r, row in enumerate(rows, start=_FIRST_ROW):
        for col, value in enumerate(_values(row)):
            put(sheet, r, col, value)
    sheet.set_column(0, 0, 22)
    sheet.set_column(1, 2, 14)
    sheet.set_column(3, 3, 30)
    sheet.set_column(12, 13, 30)
    sheet.freeze_panes(3, 0)
    guests = book.add_worksheet(_("在外列席"))
    for col, header in enumerate(_guest_headers()):
        guests.write(0, col, header, bold)
    for r, guest in enumerate(guests_elsewhere(organization, year), start=1):
        for col, value in enumerate(_guest_values(guest)):
            put(guests, r, col, value)
    guests.set_column(0, 5, 18)
    summary = book.add_worksheet(_("完成情况"))
    summary.write(0, 0, _("期间"), bold)
    summary.write(0, 1, _("完成情况"), bold)
    for i, result in enumerate(_summary(organization, year), start=1):
        summary.write(i, 0, result.period.label)
        summary.write(i, 1, result.sentence())
    summary.set_column(0, 0, 18)
    summary.set_column(1, 1, 100)
    book.close()


def ledger_pdf(organization: Organization, year: int) -> bytes:
    html = render_to_string(
        "activities/ledger_pdf.html",
        {
            "organization": organization,
            "year": year,
            "rows": ledger_rows(organization, year),
            "headers": _headers(),
            "guest_headers": _guest_headers(),
            "guests": [
                [v.isoformat() if isinstance(v, dt.date) else v for v in _guest_values(g)]
                for g in guests_elsewhere(organization, year)
            ],
            "summary": [r.sentence() for r in _summary(organization, year)],
        },
    )
    return pdf.html_to_pdf(html)
