"""The 发展党员 part of /api/v1/ (see dangjian.api.v1): records, steps, pipeline, deadlines.

Scoped like the pages: out of scope is a 404. ID and phone numbers are always masked here.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from dangjian.accounts.http import AuthenticatedHttpRequest
from dangjian.accounts.scope import scope_for
from dangjian.activities import selectors as activity_selectors
from dangjian.core.api import ErrorOut, In, PageOf, Pages
from dangjian.core.dates import today
from dangjian.core.error_codes import ErrorCode as CoreErrorCode
from dangjian.core.errors import field_error
from dangjian.members.models import Member
from dangjian.members.refs import member_pks
from dangjian.organizations.models import Organization
from dangjian.organizations.refs import organization_pk, organization_pk_from_text

from . import rules, selectors, services
from .models import Applicant, StepRecord

router = Router(tags=["发展党员"])


class StepOut(Schema):
    step: int
    label: str
    on: dt.date
    people: str
    member_public_ids: list[uuid.UUID]
    member_ids: list[int]
    documents: str
    opinion: str
    meeting_id: int | None
    entitled: int | None
    present: int | None
    votes_for: int | None
    votes_against: int | None
    votes_abstaining: int | None
    training_hours: int | None
    exception_reason: str
    exception_rules: str


class ApplicantOut(Schema):
    id: int
    public_id: str
    name: str
    sex: str
    birth_date: dt.date
    id_number_masked: str
    phone_masked: str
    organization_code: str
    organization_id: int
    organization_name: str
    stage: str
    stage_label: str
    last_step: int
    applied_on: dt.date
    member_public_id: uuid.UUID | None
    member_id: int | None
    probation_extension_months: int | None
    ended_on: dt.date | None
    end_reason: str


class ApplicantDetailOut(ApplicantOut):
    steps: list[StepOut]
    next_steps: list[int]


class ApplicantIn(In):
    organization_code: str = Field("", description="党组织代码（推荐）")
    organization_id: int | None = Field(None, description="旧的整数编号，仍可用")
    name: str
    id_number: str
    education: str
    occupation: str
    work_unit: str = ""
    phone: str = ""
    applied_on: dt.date
    documents: str = ""


class VoteIn(In):
    """How those present voted. 应到 and 实到 come from the meeting's roll (`meeting_id`)."""

    votes_for: int
    votes_against: int = 0
    votes_abstaining: int = 0


class StepIn(In):
    step: int
    on: dt.date
    people: str = ""
    member_public_ids: list[uuid.UUID] = Field(
        [], description="培养联系人、入党介绍人等党员的 public_id（推荐）"
    )
    member_ids: list[int] = Field([], description="旧的整数编号，仍可用")
    documents: str = ""
    opinion: str = ""
    meeting_id: int | None = Field(
        None, description="决定本步骤的会议（组织生活的编号）；第15、23步必填，日期即会议日期"
    )
    vote: VoteIn | None = None
    training_hours: int | None = None
    exception_reason: str = ""


class PipelineOut(Schema):
    organization_code: str
    organization_id: int
    year: int
    applicants: int
    activists: int
    candidates: int
    probationary: int
    converted: int
    applied: int
    admitted: int


class DeadlineOut(Schema):
    applicant_id: int
    name: str
    organization_code: str
    organization_id: int
    step: int
    step_label: str
    due_on: dt.date
    overdue: bool
    rule: str
    source: str


def _out(applicant: Applicant) -> dict[str, object]:
    return {
        "id": applicant.pk,
        "public_id": str(applicant.public_id),
        "name": applicant.name,
        "sex": applicant.sex,
        "birth_date": applicant.birth_date,
        "id_number_masked": applicant.id_number_masked,
        "phone_masked": applicant.phone_masked,
        "organization_code": applicant.organization.code,
        "organization_id": applicant.organization_id,
        "organization_name": applicant.organization.name,
        "stage": applicant.stage,
        "stage_label": str(applicant.get_stage_display()),
        "last_step": applicant.last_step,
        "applied_on": applicant.applied_on,
        "member_public_id": applicant.member.public_id if applicant.member else None,
        "member_id": applicant.member_id,
        "probation_extension_months": applicant.probation_extension_months,
        "ended_on": applicant.ended_on,
        "end_reason": applicant.end_reason,
    }


def _step_out(record: StepRecord) -> dict[str, object]:
    return {
        "step": record.step,
        "label": str(record.get_step_display()),
        "on": record.on,
        "people": record.people,
        "member_public_ids": [m.public_id for m in record.members.all()],
        "member_ids": [m.pk for m in record.members.all()],
        "documents": record.documents,
        "opinion": record.opinion,
        "meeting_id": record.meeting_id,
        "entitled": record.entitled,
        "present": record.present,
        "votes_for": record.votes_for,
        "votes_against": record.votes_against,
        "votes_abstaining": record.votes_abstaining,
        "training_hours": record.training_hours,
        "exception_reason": record.exception_reason,
        "exception_rules": record.exception_rules,
    }


def _detail(applicant: Applicant) -> dict[str, object]:
    steps = applicant.steps.prefetch_related("members").order_by("on", "step", "id")
    return {
        **_out(applicant),
        "steps": [_step_out(r) for r in steps],
        "next_steps": [s.value for s in services.next_steps(applicant)],
    }


def _organization(request: HttpRequest, pk: int) -> Organization:
    organization = get_object_or_404(Organization, pk=pk)
    scope_for(request.user).require_read(organization)
    return organization


@router.get("/applicants", response={200: list[ApplicantOut], 404: ErrorOut})
@paginate(Pages, page_size=50)
def applicant_list(
    request: HttpRequest,
    organization_code: str = Query("", max_length=32, description="党组织代码（推荐）"),
    organization_id: int | None = Query(None, description="旧的整数编号，仍可用"),
    stage: str = "",
) -> PageOf:
    """People in the pipeline of an organization's subtree."""
    organization = _organization(request, organization_pk(organization_code, organization_id))
    queryset = selectors.applicant_list(user=request.user, organization=organization, stage=stage)
    return PageOf(queryset, lambda rows: [_out(a) for a in rows])


@router.get("/applicants/{applicant_id}", response={200: ApplicantDetailOut, 404: ErrorOut})
def applicant_detail(request: HttpRequest, applicant_id: int) -> dict[str, object]:
    """A person's record: every step with its people, documents, votes and exceptions."""
    return _detail(selectors.applicant_get(user=request.user, pk=applicant_id))


@router.post(
    "/applicants",
    response={201: ApplicantDetailOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
)
def applicant_create(
    request: AuthenticatedHttpRequest, payload: ApplicantIn
) -> Status[dict[str, object]]:
    """Register a written application (step 1). Honours `Idempotency-Key`."""
    organization = _organization(
        request, organization_pk(payload.organization_code, payload.organization_id)
    )
    applicant = services.applicant_create(
        actor=request.user,
        organization=organization,
        data={
            "name": payload.name,
            "sex": "",
            "birth_date": None,
            "education": payload.education,
            "occupation": payload.occupation,
            "work_unit": payload.work_unit,
            "phone": payload.phone,
        },
        id_number=payload.id_number,
        applied_on=payload.applied_on,
        documents=payload.documents,
    )
    return Status(201, _detail(applicant))


@router.post(
    "/applicants/{applicant_id}/steps",
    response={201: ApplicantDetailOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
)
def step_record(
    request: AuthenticatedHttpRequest, applicant_id: int, payload: StepIn
) -> Status[dict[str, object]]:
    """Record the next step; refused (400, code `step_order` or `time_rule`) with the rule."""
    applicant = selectors.applicant_get(user=request.user, pk=applicant_id)
    if not scope_for(request.user).can_manage_path(applicant.organization.path):
        raise PermissionDenied
    keys = member_pks(payload.member_public_ids, field="member_public_ids")
    keys += [k for k in payload.member_ids if k not in keys]
    members = list(Member.objects.filter(pk__in=keys))
    if len(members) != len(set(keys)):
        raise field_error(
            "member_ids", _("有的党员编号找不到，请核对。"), code=CoreErrorCode.NOT_FOUND
        )
    ballot = rules.Ballot(**payload.vote.dict()) if payload.vote else None
    meeting = None
    if payload.meeting_id is not None:
        meeting = (
            activity_selectors.scoped_activities(request.user).filter(pk=payload.meeting_id).first()
        )
        if meeting is None:
            raise field_error(
                "meeting_id", _("找不到这次会议，请核对编号。"), code=CoreErrorCode.NOT_FOUND
            )
    services.step_record(
        actor=request.user,
        applicant=applicant,
        data=services.StepInput(
            step=payload.step,
            on=payload.on,
            people=payload.people,
            members=members,
            documents=payload.documents,
            opinion=payload.opinion,
            meeting=meeting,
            ballot=ballot,
            training_hours=payload.training_hours,
            exception_reason=payload.exception_reason,
        ),
    )
    applicant.refresh_from_db()
    return Status(201, _detail(applicant))


@router.get("/organizations/{organization}/pipeline", response={200: PipelineOut, 404: ErrorOut})
def pipeline(request: HttpRequest, organization: str, year: int | None = None) -> dict[str, object]:
    """Counts per stage for the subtree (`organization`: the code): at the end of `year`, and
    what happened during it."""
    unit = _organization(request, organization_pk_from_text(organization))
    counts = selectors.pipeline_counts(unit, year or today().year)
    return {"organization_code": unit.code, "organization_id": unit.pk, **vars(counts)}


@router.get(
    "/organizations/{organization}/deadlines",
    response={200: list[DeadlineOut], 404: ErrorOut},
)
def deadlines(
    request: HttpRequest, organization: str, on: dt.date | None = None
) -> list[dict[str, object]]:
    """What is due in the subtree (`organization`: the code), soonest first, with the rule
    and its source."""
    unit = _organization(request, organization_pk_from_text(organization))
    return [
        {
            "applicant_id": d.applicant.pk,
            "name": d.applicant.name,
            "organization_code": d.applicant.organization.code,
            "organization_id": d.applicant.organization_id,
            "step": d.step.value,
            "step_label": str(d.step.label),
            "due_on": d.due_on,
            "overdue": d.overdue,
            "rule": d.rule,
            "source": d.source,
        }
        for d in selectors.deadlines(unit, on or today())
    ]
