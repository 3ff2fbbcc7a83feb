"""The care part of /api/v1/ (see dangjian.api.v1): volunteer activities, listed and recorded
in one call with everyone who took part. Scoped like the pages; members by public id."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from dangjian.accounts.http import AuthenticatedHttpRequest
from dangjian.care.error_codes import ErrorCode
from dangjian.core.api import ErrorOut, In, PageOf, Pages
from dangjian.core.error_codes import ErrorCode as CoreErrorCode
from dangjian.core.errors import field_error
from dangjian.members.models import Member
from dangjian.organizations.models import Organization

from . import selectors, services
from .models import VolunteerActivity

router = Router(tags=["关怀与志愿服务"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}


class ParticipantIn(In):
    member_id: uuid.UUID = Field(..., description="党员的 public_id")
    hours: Decimal | None = Field(None, description="本人时长；不填则按活动的每人时长")


class VolunteerActivityIn(In):
    organization: str = Field(..., description="组织活动的党组织代码")
    on: dt.date
    title: str = Field(..., max_length=200)
    hours: Decimal = Field(..., description="每人时长（小时），大于 0、不超过 24")
    place: str = Field("", max_length=200)
    note: str = Field("", max_length=300)
    participants: list[ParticipantIn]


class ParticipantOut(Schema):
    member_id: uuid.UUID
    name: str
    hours: Decimal


class VolunteerActivityOut(Schema):
    id: int
    organization_code: str
    organization_name: str
    on: dt.date
    title: str
    place: str
    hours: Decimal
    note: str
    participant_count: int
    hours_total: Decimal


class VolunteerActivityDetailOut(VolunteerActivityOut):
    participants: list[ParticipantOut]


def _out(a: VolunteerActivity) -> dict[str, Any]:
    return {
        "id": a.pk,
        "organization_code": a.organization.code,
        "organization_name": a.organization.name,
        "on": a.on,
        "title": a.title,
        "place": a.place,
        "hours": a.hours,
        "note": a.note,
        "participant_count": getattr(a, "participant_count", 0),
        "hours_total": getattr(a, "hours_total", None) or Decimal(0),
    }


def _detail(a: VolunteerActivity) -> dict[str, Any]:
    return _out(a) | {
        "participants": [
            {"member_id": p.member.public_id, "name": p.member.name, "hours": p.hours}
            for p in selectors.volunteer_participations(a)
        ]
    }


def _organization(request: HttpRequest, code: str) -> Organization:
    organization = Organization.objects.restrict(request.user).filter(code=code).first()
    if organization is None:
        raise Http404
    return organization


@router.get("/volunteer-activities/", response={200: list[VolunteerActivityOut], **ERRORS})
@paginate(Pages, page_size=50)
def volunteer_activity_list(
    request: HttpRequest,
    org: str = "",
    year: int | None = Query(None, ge=1900, le=2200),
) -> PageOf:
    """Volunteer activities in scope, newest first (`org`, a code, narrows to that subtree)."""
    organization = _organization(request, org) if org else None
    queryset = selectors.volunteer_activities(
        user=request.user, organization=organization, year=year
    )
    return PageOf(queryset, lambda rows: [_out(a) for a in rows])


@router.post("/volunteer-activities/", response={201: VolunteerActivityDetailOut, **ERRORS})
def volunteer_activity_create(
    request: AuthenticatedHttpRequest, payload: VolunteerActivityIn
) -> Status[Any]:
    """Record a volunteer activity with its participants in one call (all or nothing); each
    participant's hours go into their electronic archive. Honours `Idempotency-Key`."""
    organization = _organization(request, payload.organization)
    public_ids = [p.member_id for p in payload.participants]
    if len(set(public_ids)) != len(public_ids):
        raise field_error(
            "participants", _("同一名党员在参加人员中出现了两次。"), code=CoreErrorCode.DUPLICATE
        )
    keys = dict(Member.objects.filter(public_id__in=public_ids).values_list("public_id", "pk"))
    unknown = [str(p) for p in public_ids if p not in keys]
    if unknown:
        raise field_error(
            "participants",
            _("找不到这些党员（public_id）：%(ids)s。") % {"ids": _("、").join(unknown)},
            code=ErrorCode.UNKNOWN_MEMBER,
        )
    activity = services.volunteer_activity_record(
        actor=request.user,
        organization=organization,
        on=payload.on,
        title=payload.title,
        hours=payload.hours,
        place=payload.place,
        note=payload.note,
        participants={keys[p.member_id]: p.hours for p in payload.participants},
    )
    return Status(201, _detail(selectors.volunteer_activity_get(user=request.user, pk=activity.pk)))


@router.get("/volunteer-activities/{int:pk}", response={200: VolunteerActivityDetailOut, **ERRORS})
def volunteer_activity_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _detail(selectors.volunteer_activity_get(user=request.user, pk=pk))
