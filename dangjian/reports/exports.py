"""The report as a workbook (.xlsx, one sheet per table) and as a printable PDF (WeasyPrint)."""

from __future__ import annotations

import io
import re
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import pdf
from dangjian.core.dates import today
from dangjian.core.workbooks import new_workbook

from . import charts
from .report import Report

_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def chart_titles() -> dict[str, str]:
    return {
        "pyramid": _("年龄结构(按性别)"),
        "education": _("学历结构"),
        "years": _("历年党员数"),
        "kinds": _("党组织类别"),
        "men": _("男"),
        "women": _("女"),
    }


def report_svgs(report: Report) -> dict[str, str]:
    return charts.report_charts(report.charts(), chart_titles())


def report_xlsx(report: Report, snapshot: Any = None) -> bytes:
    """One sheet for the summary, then one sheet per table."""
    buffer = io.BytesIO()
    book = new_workbook(buffer, in_memory=True)
    bold = book.add_format({"bold": True})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    summary = book.add_worksheet(_("综述"))
    summary.set_column(0, 0, 100)
    summary.write(0, 0, f"{report.organization_name} {report.as_of.isoformat()}", bold)
    if snapshot is not None:
        summary.write(
            1,
            0,
            _("年终封存于 %(at)s，此后的更正不影响本表。")
            % {"at": timezone.localtime(snapshot.created_at).strftime("%Y-%m-%d %H:%M")},
        )
    else:
        summary.write(
            1,
            0,
            _("统计于 %(at)s")
            % {"at": timezone.localtime(report.computed_at).strftime("%Y-%m-%d %H:%M")},
        )
    summary.write(2, 0, report.summary, wrap)
    summary.set_row(2, 260)
    used: set[str] = {_("综述")}
    for table in report.tables:
        name = _SHEET_FORBIDDEN.sub(" ", table.title)[:31]
        while name in used:
            name = name[:28] + f"({len(used)})"
        used.add(name)
        sheet = book.add_worksheet(name)
        sheet.set_column(0, 0, 28)
        sheet.set_column(1, len(table.columns), 12)
        sheet.write(0, 0, table.title, bold)
        sheet.write(1, 0, f"{report.organization_name} {report.as_of.isoformat()}")
        sheet.write(3, 0, _("项目"), bold)
        for c, column in enumerate(table.columns, start=1):
            sheet.write(3, c, column.label, bold)
        for r, row in enumerate(table.rows, start=4):
            sheet.write(r, 0, row.label)
            for c, value in enumerate(row.values, start=1):
                sheet.write_number(r, c, value)
        if table.note:
            sheet.write(len(table.rows) + 5, 0, table.note)
    book.close()
    return buffer.getvalue()


def report_html(report: Report, **extra: Any) -> str:
    """The report as an official form: 填报单位 on every page; 单位负责人 (signed by hand),
    填表人 (`filled_by`, the user who printed it) and 报出日期 (`reported_on`, today) last."""
    return render_to_string(
        "reports/report_pdf.html",
        {
            "report": report,
            "summary": report.summary,
            "svgs": report_svgs(report),
            "reported_on": today(),
            **extra,
        },
    )


def report_pdf(report: Report, **extra: Any) -> bytes:
    """The printable report: the summary, the charts and every table, with Chinese text."""
    return pdf.html_to_pdf(report_html(report, **extra))
