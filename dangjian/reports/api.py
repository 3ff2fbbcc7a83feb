"""The statistics part of /api/v1/ (see dangjian.api.v1): the report, snapshots, comparisons."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from dangjian.accounts.http import AuthenticatedHttpRequest
from dangjian.core.api import ErrorOut, In, Pages
from dangjian.core.dates import today
from dangjian.core.errors import field_error
from dangjian.reports.error_codes import ErrorCode

from . import report as report_module
from . import selectors, services

router = Router(tags=["统计"])


class ColumnOut(Schema):
    label: str


class RowOut(Schema):
    key: str
    label: str
    values: list[int]


class TableOut(Schema):
    key: str
    title: str
    columns: list[ColumnOut]
    rows: list[RowOut]
    note: str


class ReportOut(Schema):
    organization_id: int
    organization_code: str
    organization_name: str
    as_of: dt.date
    frozen: bool
    summary: str
    tables: list[TableOut]
    charts: dict[str, Any]


class SnapshotIn(In):
    year: int


class SnapshotOut(Schema):
    year: int
    as_of: dt.date
    created_at: dt.datetime


class ComparedRowOut(Schema):
    label: str
    first: int
    second: int
    change: int


class CompareOut(Schema):
    first_as_of: dt.date
    second_as_of: dt.date
    first_frozen: bool
    second_frozen: bool
    rows: list[ComparedRowOut]


def _report_out(report: report_module.Report, frozen: bool) -> dict[str, Any]:
    return {
        "organization_id": report.organization_id,
        "organization_code": report.organization_code,
        "organization_name": report.organization_name,
        "as_of": report.as_of,
        "frozen": frozen,
        "summary": report.summary,
        "tables": [t.as_dict() for t in report.tables],
        "charts": report.charts(),
    }


@router.get(
    "/organizations/{pk}/report",
    response={200: ReportOut, 400: ErrorOut, 404: ErrorOut},
    summary="统计年报",
)
def report(request: HttpRequest, pk: int, as_of: dt.date | None = None) -> dict[str, Any]:
    """Every table and the summary for the organization and everything below it, as of a date
    (today by default)."""
    organization = selectors.report_organization(user=request.user, pk=pk)
    day = as_of or today()
    if day > today():
        raise field_error("as_of", _("统计截止日不能晚于今天。"), code=ErrorCode.AS_OF_IN_FUTURE)
    computed = selectors.report_for(user=request.user, organization=organization, as_of=day)
    return _report_out(computed, frozen=False)


@router.get(
    "/organizations/{pk}/snapshots",
    response={200: list[SnapshotOut], 404: ErrorOut},
    summary="已封存的年报",
)
@paginate(Pages, page_size=50)
def snapshot_list(request: HttpRequest, pk: int) -> list[Any]:
    organization = selectors.report_organization(user=request.user, pk=pk)
    return list(selectors.snapshot_list(user=request.user, organization=organization))


@router.post(
    "/organizations/{pk}/snapshots",
    response={201: SnapshotOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="封存年报",
)
def snapshot_create(request: AuthenticatedHttpRequest, pk: int, payload: SnapshotIn) -> Status[Any]:
    """Freeze the year's report as of 31 December; later corrections do not change it."""
    organization = selectors.report_organization(user=request.user, pk=pk)
    snapshot = services.snapshot_freeze(
        actor=request.user, organization=organization, year=payload.year
    )
    return Status(201, snapshot)


@router.get(
    "/organizations/{pk}/snapshots/{year}",
    response={200: ReportOut, 404: ErrorOut},
    summary="封存的年报",
)
def snapshot_detail(request: HttpRequest, pk: int, year: int) -> dict[str, Any]:
    organization = selectors.report_organization(user=request.user, pk=pk)
    snapshot = selectors.snapshot_get(user=request.user, organization=organization, year=year)
    return _report_out(report_module.Report.from_dict(snapshot.data), frozen=True)


@router.get(
    "/organizations/{pk}/compare",
    response={200: CompareOut, 400: ErrorOut, 404: ErrorOut},
    summary="两年党员数比较",
)
def compare(request: HttpRequest, pk: int, first: int, second: int) -> dict[str, Any]:
    organization = selectors.report_organization(user=request.user, pk=pk)
    if not (1921 <= first <= today().year and 1921 <= second <= today().year):
        raise field_error(
            "second", _("年度应在1921年至今年之间。"), code=ErrorCode.YEAR_OUT_OF_RANGE
        )
    a, a_frozen = selectors.year_report(user=request.user, organization=organization, year=first)
    b, b_frozen = selectors.year_report(user=request.user, organization=organization, year=second)
    rows = report_module.compare(a, b)
    return {
        "first_as_of": a.as_of,
        "second_as_of": b.as_of,
        "first_frozen": a_frozen,
        "second_frozen": b_frozen,
        "rows": [
            {"label": r.label, "first": r.first, "second": r.second, "change": r.change}
            for r in rows
        ],
    }
