"""班子队伍 in /api/v1/leadership/: the roster of secretaries and party-affairs staff of a
subtree, the 书记 distribution, and 述职 results. Scoped like the pages (out of scope: 404)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from dangjian.core.api import ErrorOut, PageOf, Pages
from dangjian.core.dates import today
from dangjian.organizations import selectors as organization_selectors
from dangjian.organizations.refs import organization_pk_from_text

from . import selectors

router = Router(tags=["班子队伍"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}


class RosterOut(Schema):
    member_id: int
    member_public_id: uuid.UUID
    name: str
    organization_id: int
    organization_code: str
    organization: str
    post: str
    post_label: str
    since: dt.date
    tenure_years: int
    training_hours: Decimal
    report_year: int | None
    report_grade: str


class DistributionOut(Schema):
    on: dt.date
    secretaries: int
    trained: int
    age: dict[str, int]
    education: dict[str, int]
    tenure: dict[str, int]
    last_year_reports: dict[str, int]


class DutyReportOut(Schema):
    organization_code: str
    organization_name: str
    member_id: int
    member_public_id: uuid.UUID
    name: str
    year: int
    grade: str
    note: str


def _organization(request: HttpRequest, org: str) -> Any:
    return organization_selectors.organization_get(
        user=request.user, pk=organization_pk_from_text(org)
    )


@router.get("/{org}/roster", response={200: list[RosterOut], **ERRORS})
@paginate(Pages, page_size=100)
def roster(request: HttpRequest, org: str) -> list[dict[str, object]]:
    """Everyone in office today in the subtree (`org`: the code) as 书记, 副书记, 委员 or with a
    party-affairs duty: since when, whole years, this year's class hours, latest 述职."""
    return [
        {
            "member_id": r.member_id,
            "member_public_id": r.member_public_id,
            "name": r.name,
            "organization_id": r.organization_id,
            "organization_code": r.organization_code,
            "organization": r.organization,
            "post": r.post,
            "post_label": r.post_label,
            "since": r.since,
            "tenure_years": r.tenure_years,
            "training_hours": r.hours,
            "report_year": r.report_year,
            "report_grade": r.report_grade,
        }
        for r in selectors.roster(_organization(request, org), today())
    ]


@router.get("/{org}/secretaries", response={200: DistributionOut, **ERRORS})
def secretaries(request: HttpRequest, org: str) -> dict[str, object]:
    """The 书记 of the subtree today by age band, education band and years in the post."""
    found = selectors.secretary_distribution(_organization(request, org), today())
    return {
        "on": found.on,
        "secretaries": found.secretaries,
        "trained": found.trained,
        "age": found.age,
        "education": found.education,
        "tenure": found.tenure,
        "last_year_reports": found.reported,
    }


@router.get("/{org}/reports", response={200: list[DutyReportOut], **ERRORS})
@paginate(Pages, page_size=100)
def duty_reports(
    request: HttpRequest, org: str, year: int | None = Query(None, ge=2000, le=2100)
) -> PageOf:
    """书记抓基层党建工作述职评议 results of the subtree, newest year first."""
    queryset = selectors.duty_reports(request.user, _organization(request, org))
    if year is not None:
        queryset = queryset.filter(year=year)
    return PageOf(
        queryset,
        lambda rows: [
            {
                "organization_code": d.organization.code,
                "organization_name": d.organization.name,
                "member_id": d.member_id,
                "member_public_id": d.member.public_id,
                "name": d.member.name,
                "year": d.year,
                "grade": d.grade,
                "note": d.note,
            }
            for d in rows
        ],
    )
