"""The 组织生活 part of /api/v1/ (see dangjian.api.v1): activities, attendance recorded in one
call, guests, votes, compliance and a member's organizational life. Scoped like the pages."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from dangjian.accounts.http import AuthenticatedHttpRequest
from dangjian.accounts.scope import scope_for
from dangjian.activities.error_codes import ErrorCode
from dangjian.core.api import ErrorOut, In, PageOf, Pages
from dangjian.core.errors import field_error
from dangjian.members.refs import member_pk, member_pk_from_path
from dangjian.members.selectors import member_get
from dangjian.organizations import selectors as organization_selectors
from dangjian.organizations.refs import organization_pk, organization_pk_from_text

from . import periods, selectors, services
from .choices import ActivityKind, AttendanceStatus
from .models import Activity, FollowUpItem

router = Router(tags=["组织生活"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}


class ActivityIn(In):
    organization_code: str = Field("", description="党组织代码（推荐）")
    organization_id: int | None = Field(None, description="旧的整数编号，仍可用")
    kind: ActivityKind
    topic: str
    on: dt.date
    start_time: dt.time | None = None
    place: str = ""
    lecturer: str = ""


class AttendanceOut(Schema):
    member_public_id: uuid.UUID
    member_id: int
    name: str
    status: str
    reason: str
    is_guest: bool
    home_organization: str | None


class VoteOut(Schema):
    subject: str
    entitled: int
    present: int
    in_favour: int
    against: int
    abstained: int
    passed: bool


class ActivityOut(Schema):
    id: int
    organization_code: str
    organization_id: int
    organization_name: str
    kind: str
    kind_label: str
    status: str
    topic: str
    on: dt.date
    place: str
    lecturer: str


class ActivityDetailOut(ActivityOut):
    attendance: list[AttendanceOut]
    votes: list[VoteOut]
    quorum_entitled: int | None
    quorum_present: int | None
    quorum_met: bool | None


def _out(a: Activity) -> dict[str, object]:
    return {
        "id": a.pk,
        "organization_code": a.organization.code,
        "organization_id": a.organization_id,
        "organization_name": a.organization.name,
        "kind": a.kind,
        "kind_label": a.get_kind_display(),
        "status": a.status,
        "topic": a.topic,
        "on": a.on,
        "place": a.place,
        "lecturer": a.lecturer,
    }


def _detail(a: Activity) -> dict[str, object]:
    q = selectors.quorum(a) if a.kind == ActivityKind.GENERAL_MEETING else None
    return _out(a) | {
        "attendance": [
            {
                "member_public_id": r.member.public_id,
                "member_id": r.member_id,
                "name": r.member.name,
                "status": r.status,
                "reason": r.reason,
                "is_guest": r.is_guest,
                "home_organization": r.home_organization.name if r.home_organization else None,
            }
            for r in a.attendance.select_related("member", "home_organization")
        ],
        "votes": list(a.votes.values(*VoteOut.model_fields)),
        "quorum_entitled": q.entitled if q else None,
        "quorum_present": q.present if q else None,
        "quorum_met": q.met if q else None,
    }


@router.get("/", response={200: list[ActivityOut], **ERRORS})
@paginate(Pages, page_size=50)
def activity_list(
    request: HttpRequest,
    org: str = Query("", max_length=32, description="党组织代码（或旧的整数编号）"),
    year: int | None = Query(None, ge=1900, le=2200),
) -> PageOf:
    """Activities in scope, newest first (`org`, a code, narrows to a subtree)."""
    queryset = selectors.scoped_activities(request.user)
    if org:
        organization = organization_selectors.organization_get(
            user=request.user, pk=organization_pk_from_text(org)
        )
        queryset = queryset.within(organization)
    if year is not None:
        queryset = queryset.filter(on__year=year)
    return PageOf(queryset.order_by("-on", "-pk"), lambda rows: [_out(a) for a in rows])


@router.post("/", response={201: ActivityOut, **ERRORS})
def activity_create(request: AuthenticatedHttpRequest, payload: ActivityIn) -> Status[Any]:
    organization = organization_selectors.organization_get(
        user=request.user, pk=organization_pk(payload.organization_code, payload.organization_id)
    )
    data = payload.dict(exclude={"organization_id", "organization_code"})
    activity = services.activity_create(actor=request.user, organization=organization, data=data)
    return Status(201, _out(activity))


@router.get("/{int:pk}", response={200: ActivityDetailOut, **ERRORS})
def activity_detail(request: HttpRequest, pk: int) -> dict[str, object]:
    return _detail(selectors.activity_get(user=request.user, pk=pk))


class ExceptionIn(In):
    member_public_id: uuid.UUID | None = Field(None, description="党员的 public_id（推荐）")
    member_id: int | None = Field(None, description="旧的整数编号，仍可用")
    status: AttendanceStatus
    reason: str = ""


class RecordIn(In):
    exceptions: list[ExceptionIn] = []
    minutes: str | None = None
    resolutions: str | None = None


@router.post("/{int:pk}/record", response={200: ActivityDetailOut, **ERRORS})
def activity_record(
    request: AuthenticatedHttpRequest, pk: int, payload: RecordIn
) -> dict[str, object]:
    """Record the activity as held: everyone expected is present except `exceptions`."""
    activity = selectors.activity_get(user=request.user, pk=pk)
    services.activity_record(
        actor=request.user,
        activity=activity,
        exceptions={
            member_pk(e.member_public_id, e.member_id, field=f"exceptions.{i}.member_public_id"): (
                e.status,
                e.reason,
            )
            for i, e in enumerate(payload.exceptions)
        },
        minutes=payload.minutes,
        resolutions=payload.resolutions,
    )
    return _detail(selectors.activity_get(user=request.user, pk=pk))


class GuestIn(In):
    id_number: str


@router.post("/{int:pk}/guests", response={201: AttendanceOut, **ERRORS})
def guest_add(request: AuthenticatedHttpRequest, pk: int, payload: GuestIn) -> Status[Any]:
    """A guest found by citizen ID number: only a member the caller may read; any other number
    gets the same refusal (`guest_out_of_scope`), naming nobody. Audited and limited per hour
    (`guest_lookup_limit`); a member of another organization comes by their certificate."""
    activity = selectors.activity_get(user=request.user, pk=pk)
    if not scope_for(request.user).can_manage_path(activity.organization.path):
        raise PermissionDenied
    row = services.attendance_add_guest_by_id_number(
        actor=request.user, activity=activity, id_number=payload.id_number
    )
    member = row.member
    return Status(
        201,
        {
            "member_public_id": member.public_id,
            "member_id": member.pk,
            "name": member.name,
            "status": row.status,
            "reason": "",
            "is_guest": True,
            "home_organization": row.home_organization.name if row.home_organization else None,
        },
    )


class VoteIn(In):
    subject: str
    in_favour: int
    against: int = 0
    abstained: int = 0


@router.post("/{int:pk}/votes", response={201: VoteOut, **ERRORS})
def vote_add(request: AuthenticatedHttpRequest, pk: int, payload: VoteIn) -> Status[Any]:
    activity = selectors.activity_get(user=request.user, pk=pk)
    return Status(
        201, services.vote_record(actor=request.user, activity=activity, **payload.dict())
    )


class KindCountOut(Schema):
    kind: str
    label: str
    required: int
    held: int


class ComplianceOut(Schema):
    period: str
    sentence: str
    branches: int
    compliant_branches: int
    counts: list[KindCountOut]


@router.get("/compliance/{org}", response={200: ComplianceOut, **ERRORS})
def compliance(
    request: HttpRequest,
    org: str,
    year: int = Query(..., ge=1900, le=2200),
    quarter: int | None = Query(None, ge=1, le=4),
) -> dict[str, object]:
    """Required vs held by kind, summed over the branches of the subtree (`org`: the code)."""
    organization = organization_selectors.organization_get(
        user=request.user, pk=organization_pk_from_text(org)
    )
    if quarter is not None and quarter not in (1, 2, 3, 4):
        raise field_error("quarter", _("季度只能是 1 到 4。"), code=ErrorCode.QUARTER)
    period = periods.quarter(year, quarter) if quarter else periods.year(year)
    result = selectors.compliance_rollup(organization, period)
    return {
        "period": period.label,
        "sentence": result.sentence(),
        "branches": result.branches,
        "compliant_branches": result.compliant_branches,
        "counts": [
            {"kind": c.kind, "label": c.label, "required": c.required, "held": c.held}
            for c in result.counts
        ],
    }


class LifeOut(Schema):
    activity_id: int
    on: dt.date
    kind: str
    topic: str
    organization_name: str
    is_guest: bool


class MemberLifeOut(Schema):
    last_on: dt.date | None
    activities: list[LifeOut]


@router.get("/members/{member}/life", response={200: MemberLifeOut, **ERRORS})
def member_life(request: HttpRequest, member: str) -> dict[str, object]:
    """A member's organizational life, anywhere, newest first (`member`: the public_id)."""
    person = member_get(user=request.user, pk=member_pk_from_path(member))
    rows = list(selectors.member_life(person)[:200])
    return {
        "last_on": rows[0].activity.on if rows else None,
        "activities": [
            {
                "activity_id": r.activity_id,
                "on": r.activity.on,
                "kind": r.activity.kind,
                "topic": r.activity.topic,
                "organization_name": r.activity.organization.name,
                "is_guest": r.is_guest,
            }
            for r in rows
        ],
    }


class TrainingGroupOut(Schema):
    group: str
    label: str
    required_hours: Decimal
    people: int
    trained: int
    untrained: int
    met: int


class TrainingCoverageOut(Schema):
    year: int
    on: dt.date
    groups: list[TrainingGroupOut]


@router.get("/training/coverage/{org}", response={200: TrainingCoverageOut, **ERRORS})
def training_coverage(
    request: HttpRequest, org: str, year: int = Query(..., ge=1900, le=2200)
) -> dict[str, object]:
    """Training coverage of the subtree (`org`: the code): by group (secretaries, party-affairs
    staff, members), the people, those trained in the year, the untrained and those with the
    class hours required."""
    organization = organization_selectors.organization_get(
        user=request.user, pk=organization_pk_from_text(org)
    )
    coverage = selectors.training_coverage(organization, year)
    return {
        "year": coverage.year,
        "on": coverage.on,
        "groups": [
            {
                "group": g.group,
                "label": g.label,
                "required_hours": g.required,
                "people": g.people,
                "trained": g.trained,
                "untrained": g.untrained_count,
                "met": g.met,
            }
            for g in coverage.groups
        ],
    }


class FollowUpOut(Schema):
    id: int
    activity_id: int
    activity_kind: str
    activity_on: dt.date
    organization_code: str
    organization_name: str
    text: str
    responsible: str
    deadline: dt.date
    done_on: dt.date | None


@router.get("/follow-ups/{org}", response={200: list[FollowUpOut], **ERRORS})
@paginate(Pages, page_size=50)
def follow_up_list(
    request: HttpRequest,
    org: str,
    open_only: bool = Query(False, description="只列未完成的整改事项"),
) -> PageOf:
    """整改事项 of the leadership meetings (民主生活会, 班子运行情况分析) of the subtree (`org`:
    the code), earliest deadline first."""
    organization = organization_selectors.organization_get(
        user=request.user, pk=organization_pk_from_text(org)
    )
    queryset = (
        FollowUpItem.objects.restrict(request.user)
        .within(organization)
        .select_related("activity__organization")
        .order_by("deadline", "pk")
    )
    if open_only:
        queryset = queryset.filter(done_on__isnull=True)
    return PageOf(
        queryset,
        lambda rows: [
            {
                "id": i.pk,
                "activity_id": i.activity_id,
                "activity_kind": i.activity.kind,
                "activity_on": i.activity.on,
                "organization_code": i.activity.organization.code,
                "organization_name": i.activity.organization.name,
                "text": i.text,
                "responsible": i.responsible,
                "deadline": i.deadline,
                "done_on": i.done_on,
            }
            for i in rows
        ],
    )
