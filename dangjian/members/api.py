"""Members and their electronic archive in /api/v1/.

Every read goes through the same scope as the pages (selectors.scoped_members); out of scope
is a 404. ID and phone numbers are always masked here; the full value comes only from the
reveal call, for a role allowed to see it, and every reveal is audited.
"""

import datetime as dt
import uuid
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from dangjian.accounts.http import AuthenticatedHttpRequest
from dangjian.core.api import ErrorOut, In, Pages
from dangjian.core.error_codes import ErrorCode as CoreErrorCode
from dangjian.core.errors import field_error
from dangjian.organizations.models import Organization

from . import selectors, services
from .choices import (
    Education,
    Ethnicity,
    FamilyRelation,
    HowAdded,
    MemberCategory,
    MemberStatus,
    Occupation,
    PoliticalStatus,
    Sex,
    TripPurpose,
)
from .models import ArchiveEntry, FamilyMember, Member, Membership, TripAbroad

router = Router(tags=["党员"])

ORDERINGS = {
    "name": ("name_pinyin", "pk"),
    "joined_on": ("joined_on", "pk"),
    "-joined_on": ("-joined_on", "pk"),
    "birth_date": ("birth_date", "pk"),
    "-birth_date": ("-birth_date", "pk"),
}


class MemberOut(Schema):
    public_id: uuid.UUID
    name: str
    sex: str
    sex_label: str
    ethnicity: str
    birth_date: dt.date
    education: str
    occupation: str
    category: str
    category_label: str
    status: str
    status_label: str
    joined_on: dt.date
    full_member_on: dt.date | None
    organization_code: str | None
    organization_name: str | None
    id_number_masked: str
    phone_masked: str

    @staticmethod
    def resolve_sex_label(obj: Member) -> str:
        return str(obj.get_sex_display())

    @staticmethod
    def resolve_category_label(obj: Member) -> str:
        return str(obj.get_category_display())

    @staticmethod
    def resolve_status_label(obj: Member) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_organization_code(obj: Member) -> str | None:
        return getattr(obj, "organization_code", None)


class MembershipOut(Schema):
    organization_code: str
    organization_name: str
    started_on: dt.date
    ended_on: dt.date | None
    how_added: str
    how_removed: str


class MemberDetailOut(MemberOut):
    native_place: str
    degree: str
    work_unit: str
    post: str
    memberships: list[MembershipOut]

    @staticmethod
    def resolve_memberships(obj: Member) -> list[MembershipOut]:
        return [
            MembershipOut(
                organization_code=m.organization.code,
                organization_name=m.organization.name,
                started_on=m.started_on,
                ended_on=m.ended_on,
                how_added=m.how_added,
                how_removed=m.how_removed or "",
            )
            for m in selectors.member_memberships(member=obj)
        ]


class ChangeOut(Schema):
    label: str
    before: str | None
    after: str | None


class ArchiveEntryOut(Schema):
    at: dt.datetime
    kind: str
    kind_label: str
    summary: str
    reason: str
    effective_on: dt.date | None
    actor: str
    changes: list[ChangeOut]


class MemberFilters(In):
    q: str = ""
    org: str = ""  # an organization's code: members in it and below
    status: MemberStatus | None = None
    category: MemberCategory | None = None
    sex: Sex | None = None
    ordering: str = "name"


class RevealIn(In):
    field: str  # "id_number" or "phone"


class RevealOut(Schema):
    field: str
    value: str


class MemberIn(In):
    organization_code: str
    id_number: str
    name: str
    sex: Sex | None = None
    ethnicity: Ethnicity
    birth_date: dt.date | None = None
    native_place: str = ""
    education: Education
    degree: str = ""
    occupation: Occupation
    work_unit: str = ""
    post: str = ""
    phone: str = ""
    address: str = ""
    category: MemberCategory
    joined_on: dt.date
    full_member_on: dt.date | None = None
    started_on: dt.date | None = None


def _organization_in_scope(request: HttpRequest, code: str) -> Organization:
    organization = Organization.objects.restrict(request.user).filter(code=code).first()
    if organization is None:
        raise Http404
    return organization


def _public_id(text: str) -> uuid.UUID:
    """A member's public id from the URL; anything that is not one is simply not found."""
    try:
        return uuid.UUID(text)
    except ValueError:
        raise Http404 from None


def _member(request: HttpRequest, public_id: str) -> Member:
    queryset = selectors.with_organization(selectors.scoped_members(request.user))
    return get_object_or_404(queryset, public_id=_public_id(public_id))


def _with_codes(queryset: QuerySet[Member]) -> QuerySet[Member]:
    latest = Membership.objects.filter(member=OuterRef("pk"), is_latest=True)
    return queryset.annotate(organization_code=Subquery(latest.values("organization__code")[:1]))


@router.get("/", response={200: list[MemberOut], 400: ErrorOut, 404: ErrorOut}, summary="党员列表")
@paginate(Pages, page_size=50)
def member_list(request: HttpRequest, filters: Query[MemberFilters]) -> QuerySet[Member]:
    """Members in the caller's scope (on the roster unless `status` says otherwise)."""
    organization = _organization_in_scope(request, filters.org) if filters.org else None
    queryset = selectors.member_list(
        user=request.user,
        filters=selectors.MemberFilters(
            q=filters.q,
            status=filters.status or "",
            category=filters.category or "",
            sex=filters.sex or "",
            organization=organization,
        ),
    )
    return _with_codes(queryset).order_by(*ORDERINGS.get(filters.ordering, ORDERINGS["name"]))


@router.get("/{public_id}", response={200: MemberDetailOut, 404: ErrorOut}, summary="党员信息")
def member_detail(request: HttpRequest, public_id: str) -> Member:
    queryset = _with_codes(selectors.with_organization(selectors.scoped_members(request.user)))
    return get_object_or_404(queryset, public_id=_public_id(public_id))


@router.get(
    "/{public_id}/archive",
    response={200: list[ArchiveEntryOut], 404: ErrorOut},
    summary="党员电子档案",
)
@paginate(Pages, page_size=100)
def member_archive(request: HttpRequest, public_id: str) -> list[dict[str, Any]]:
    member = _member(request, public_id)
    entries: list[ArchiveEntry] = list(selectors.member_timeline(member=member))
    return [
        {
            "at": e.at,
            "kind": e.kind,
            "kind_label": str(e.get_kind_display()),
            "summary": e.summary,
            "reason": e.reason,
            "effective_on": e.effective_on,
            "actor": str(e.actor) if e.actor else "",
            "changes": [
                {
                    "label": str(label),
                    "before": None if old is None else str(old),
                    "after": None if new is None else str(new),
                }
                for label, old, new in e.changes()
            ],
        }
        for e in entries
    ]


@router.post(
    "/{public_id}/reveal",
    response={200: RevealOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="查看完整身份证号或电话（留痕）",
)
def member_reveal(
    request: AuthenticatedHttpRequest, public_id: str, payload: RevealIn
) -> RevealOut:
    if payload.field not in ("id_number", "phone"):
        raise field_error("field", "只能查看 id_number 或 phone。", code=CoreErrorCode.BAD_FIELD)
    member = _member(request, public_id)
    value = services.member_reveal(actor=request.user, member=member, field=payload.field)
    return RevealOut(field=payload.field, value=value)


@router.post(
    "/", response={201: MemberOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut}, summary="新增党员"
)
def member_create(request: AuthenticatedHttpRequest, payload: MemberIn) -> Status[Member]:
    """Register a member (建档). Send an `Idempotency-Key` header so a retry does not create two."""
    organization = _organization_in_scope(request, payload.organization_code)
    data = payload.dict(exclude={"organization_code", "id_number", "started_on"})
    data = {k: v for k, v in data.items() if v is not None}
    member = services.member_create(
        actor=request.user,
        organization=organization,
        data=data,
        id_number=payload.id_number,
        how_added=HowAdded.OTHER,
        started_on=payload.started_on,
    )
    return Status(
        201, _with_codes(selectors.with_organization(Member.objects.filter(pk=member.pk))).get()
    )


class FamilyMemberOut(Schema):
    id: int
    relation: str
    relation_label: str
    name_masked: str  # the full name only on the member page, for a role that may reveal it
    birth_year: int | None
    birth_date: dt.date | None
    political_status: str
    work_unit: str
    post: str

    @staticmethod
    def resolve_relation_label(obj: FamilyMember) -> str:
        return str(obj.get_relation_display())


class FamilyMemberIn(Schema):
    relation: FamilyRelation
    name: str
    birth_year: int | None = None
    birth_date: dt.date | None = None
    political_status: PoliticalStatus | None = None
    work_unit: str = ""
    post: str = ""


class TripAbroadOut(Schema):
    id: int
    left_on: dt.date
    returned_on: dt.date | None
    destination: str
    purpose: str
    purpose_label: str
    approval: str

    @staticmethod
    def resolve_purpose_label(obj: TripAbroad) -> str:
        return str(obj.get_purpose_display())


class TripAbroadIn(Schema):
    left_on: dt.date
    returned_on: dt.date | None = None
    destination: str
    purpose: TripPurpose
    approval: str = ""


@router.get(
    "/{public_id}/family",
    response={200: list[FamilyMemberOut], 404: ErrorOut},
    summary="家庭成员",
)
def family_list(request: HttpRequest, public_id: str) -> list[FamilyMember]:
    return selectors.family_of(_member(request, public_id))


@router.post(
    "/{public_id}/family",
    response={201: FamilyMemberOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="登记家庭成员",
)
def family_create(
    request: AuthenticatedHttpRequest, public_id: str, payload: FamilyMemberIn
) -> Status[FamilyMember]:
    row = services.family_member_add(
        actor=request.user,
        member=_member(request, public_id),
        relation=payload.relation,
        name=payload.name,
        birth_year=payload.birth_year,
        birth_date=payload.birth_date,
        political_status=payload.political_status or "",
        work_unit=payload.work_unit,
        post=payload.post,
    )
    return Status(201, row)


@router.get(
    "/{public_id}/trips",
    response={200: list[TripAbroadOut], 404: ErrorOut},
    summary="出国出境",
)
def trip_list(request: HttpRequest, public_id: str) -> list[TripAbroad]:
    return selectors.trips_of(_member(request, public_id))


@router.post(
    "/{public_id}/trips",
    response={201: TripAbroadOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="登记出国出境",
)
def trip_create(
    request: AuthenticatedHttpRequest, public_id: str, payload: TripAbroadIn
) -> Status[TripAbroad]:
    row = services.trip_abroad_add(
        actor=request.user,
        member=_member(request, public_id),
        left_on=payload.left_on,
        returned_on=payload.returned_on,
        destination=payload.destination,
        purpose=payload.purpose,
        approval=payload.approval,
    )
    return Status(201, row)
