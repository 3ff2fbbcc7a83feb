"""The 组织关系转接 part of /api/v1/ (see dangjian.api.v1): the same selectors and services as
the pages; out of scope is a 404, a step the user may not take a 403."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from dangjian.accounts.http import AuthenticatedHttpRequest
from dangjian.core.api import ErrorOut, In, PageOf, Pages
from dangjian.members import selectors as member_selectors
from dangjian.members.refs import member_pk
from dangjian.organizations.models import Organization
from dangjian.organizations.refs import organization_pk

from . import mobile, selectors, services
from .choices import OutflowReason, TransferKind
from .models import Outflow, Transfer
from .regions import region_name

router = Router(tags=["组织关系转接"])
ERRORS: dict[int, Any] = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}


class TransferOut(Schema):
    id: int
    public_id: str
    kind: str
    state: str
    state_label: str
    member_public_id: uuid.UUID
    member_id: int
    member_name: str
    from_organization: str
    to_organization: str
    letter_number: str | None
    issued_on: dt.date | None
    valid_until: dt.date | None
    dues_paid_until: str
    received_on: dt.date | None
    closing_reason: str
    counterpart_issuer: str = Field("", description="对方系统（跨系统转接）")
    package_kid: str = Field("", description="转入：转接包的签名密钥")
    receipt_kid: str = Field("", description="转出：回执的签名密钥")
    actions: list[str]


def _out(request: AuthenticatedHttpRequest, transfer: Transfer) -> TransferOut:
    return TransferOut(
        id=transfer.pk,
        public_id=str(transfer.public_id),
        kind=transfer.kind,
        state=transfer.state,
        state_label=str(transfer.get_state_display()),
        member_public_id=transfer.member.public_id,
        member_id=transfer.member_id,
        member_name=transfer.member.name,
        from_organization=transfer.from_side_name,
        to_organization=transfer.to_side_name,
        letter_number=transfer.letter_number,
        issued_on=transfer.issued_on,
        valid_until=transfer.valid_until,
        dues_paid_until=transfer.dues_paid_until,
        received_on=transfer.received_on,
        closing_reason=transfer.closing_reason,
        counterpart_issuer=transfer.counterpart_issuer,
        package_kid=transfer.package_kid,
        receipt_kid=transfer.receipt_kid,
        actions=services.allowed_actions(request.user, transfer),
    )


class TransferIn(In):
    member_public_id: uuid.UUID | None = Field(None, description="党员的 public_id（推荐）")
    member_id: int | None = Field(None, description="旧的整数编号，仍可用")
    kind: TransferKind = TransferKind.WITHIN
    to_organization_code: str = Field("", description="转入党组织的代码（系统内转接）")
    to_organization_id: int | None = Field(None, description="旧的整数编号，仍可用")
    counterpart_issuer: str = ""
    counterpart_organization: str = ""
    reason: str = ""


class IssueIn(In):
    dues_paid_until: str


class ReasonIn(In):
    reason: str


@router.get("/", response={200: list[TransferOut], 404: ErrorOut})
@paginate(Pages, page_size=50)
def transfer_list(request: AuthenticatedHttpRequest, which: str = "outgoing") -> PageOf:
    """One side's list (`which`): outgoing, incoming, in_transit, overdue or closed."""
    if which not in selectors.LISTS:
        raise Http404
    rows = selectors.transfer_list(user=request.user, which=which)
    return PageOf(rows, lambda page: [_out(request, t) for t in page])


@router.post("/", response={201: TransferOut, **ERRORS})
def transfer_create(request: AuthenticatedHttpRequest, payload: TransferIn) -> Status[TransferOut]:
    """Start a transfer (draft) for a member in the caller's scope."""
    member = member_selectors.member_get(
        user=request.user, pk=member_pk(payload.member_public_id, payload.member_id)
    )
    target = None
    if payload.to_organization_code or payload.to_organization_id is not None:
        target = get_object_or_404(
            Organization,
            pk=organization_pk(
                payload.to_organization_code,
                payload.to_organization_id,
                field="to_organization_code",
            ),
        )
    transfer = services.transfer_create(
        actor=request.user,
        member=member,
        kind=payload.kind,
        to_organization=target,
        counterpart_issuer=payload.counterpart_issuer,
        counterpart_organization=payload.counterpart_organization,
        reason=payload.reason,
    )
    return Status(201, _out(request, transfer))


@router.get("/{transfer_id}", response={200: TransferOut, 404: ErrorOut})
def transfer_get(request: AuthenticatedHttpRequest, transfer_id: int) -> TransferOut:
    return _out(request, selectors.transfer_get(user=request.user, pk=transfer_id))


def _step(request: AuthenticatedHttpRequest, transfer_id: int, run: Any) -> TransferOut:
    transfer = selectors.transfer_get(user=request.user, pk=transfer_id)
    result = run(transfer)
    return _out(request, selectors.transfer_get(user=request.user, pk=result.pk))


@router.post("/{transfer_id}/submit", response={200: TransferOut, **ERRORS})
def transfer_submit(request: AuthenticatedHttpRequest, transfer_id: int) -> TransferOut:
    return _step(
        request, transfer_id, lambda t: services.transfer_submit(actor=request.user, transfer=t)
    )


@router.post("/{transfer_id}/approve", response={200: TransferOut, **ERRORS})
def transfer_approve(request: AuthenticatedHttpRequest, transfer_id: int) -> TransferOut:
    return _step(
        request, transfer_id, lambda t: services.transfer_approve(actor=request.user, transfer=t)
    )


@router.post("/{transfer_id}/issue", response={200: TransferOut, **ERRORS})
def transfer_issue(
    request: AuthenticatedHttpRequest, transfer_id: int, payload: IssueIn
) -> TransferOut:
    return _step(
        request,
        transfer_id,
        lambda t: services.transfer_issue(
            actor=request.user, transfer=t, dues_paid_until=payload.dues_paid_until
        ),
    )


@router.post("/{transfer_id}/receive", response={200: TransferOut, **ERRORS})
def transfer_receive(request: AuthenticatedHttpRequest, transfer_id: int) -> TransferOut:
    return _step(
        request, transfer_id, lambda t: services.transfer_receive(actor=request.user, transfer=t)
    )


@router.post("/{transfer_id}/return", response={200: TransferOut, **ERRORS})
def transfer_return(
    request: AuthenticatedHttpRequest, transfer_id: int, payload: ReasonIn
) -> TransferOut:
    return _step(
        request,
        transfer_id,
        lambda t: services.transfer_return(actor=request.user, transfer=t, reason=payload.reason),
    )


@router.post("/{transfer_id}/cancel", response={200: TransferOut, **ERRORS})
def transfer_cancel(
    request: AuthenticatedHttpRequest, transfer_id: int, payload: ReasonIn
) -> TransferOut:
    return _step(
        request,
        transfer_id,
        lambda t: services.transfer_cancel(actor=request.user, transfer=t, reason=payload.reason),
    )


@router.post("/{transfer_id}/expire", response={200: TransferOut, **ERRORS})
def transfer_expire(request: AuthenticatedHttpRequest, transfer_id: int) -> TransferOut:
    return _step(
        request, transfer_id, lambda t: services.transfer_expire(actor=request.user, transfer=t)
    )


# --- mobile members ----------------------------------------------------------------------------


class OutflowOut(Schema):
    id: int
    member_public_id: uuid.UUID
    member_id: int
    member_name: str
    home_organization: str
    region_code: str
    region_name: str
    city: str
    reason: str
    left_on: dt.date
    last_contact_on: dt.date
    returned_on: dt.date | None
    has_valid_certificate: bool | None


class OutflowIn(In):
    member_public_id: uuid.UUID | None = Field(None, description="党员的 public_id（推荐）")
    member_id: int | None = Field(None, description="旧的整数编号，仍可用")
    region_code: str
    left_on: dt.date
    reason: OutflowReason
    city: str = ""
    work_unit: str = ""
    contact: str = Field("", description="联系方式；留空则为党员登记的联系电话")
    host_organization_name: str = ""


def _outflow_out(outflow: Outflow, certified: set[int] | None) -> OutflowOut:
    return OutflowOut(
        id=outflow.pk,
        member_public_id=outflow.member.public_id,
        member_id=outflow.member_id,
        member_name=outflow.member.name,
        home_organization=outflow.home_organization.name,
        region_code=outflow.region_code,
        region_name=region_name(outflow.region_code),
        city=outflow.city,
        reason=outflow.reason,
        left_on=outflow.left_on,
        last_contact_on=outflow.last_contact_on,
        returned_on=outflow.returned_on,
        has_valid_certificate=None if certified is None else outflow.member_id in certified,
    )


@router.get("/mobile/outflows", response={200: list[OutflowOut]})
@paginate(Pages, page_size=50)
def outflow_list(request: HttpRequest, region: str = "", not_heard_from: bool = False) -> PageOf:
    """Open outflows in scope, with whether each member holds a valid activity certificate."""

    def build(rows: list[Outflow]) -> list[OutflowOut]:
        certified = (
            selectors.valid_certificate_member_ids([o.member_id for o in rows])
            if selectors.CERTIFICATE_LOOKUP_WIRED
            else None
        )
        return [_outflow_out(o, certified) for o in rows]

    return PageOf(
        selectors.outflow_list(user=request.user, region=region, not_heard_from=not_heard_from),
        build,
    )


@router.post("/mobile/outflows", response={201: OutflowOut, **ERRORS})
def outflow_create(request: AuthenticatedHttpRequest, payload: OutflowIn) -> Status[OutflowOut]:
    member = member_selectors.member_get(
        user=request.user, pk=member_pk(payload.member_public_id, payload.member_id)
    )
    outflow = mobile.outflow_create(
        actor=request.user,
        member=member,
        region_code=payload.region_code,
        left_on=payload.left_on,
        reason=payload.reason,
        city=payload.city,
        work_unit=payload.work_unit,
        contact=payload.contact,
        host_organization_name=payload.host_organization_name,
    )
    return Status(201, _outflow_out(outflow, None))
