"""The transfer workflow: draft, approval, the introduction letter, then received, returned,
cancelled or expired. Each step is atomic, locks what it moves, checks scope, and writes its
archive entry, its transfer event and its audit event. Packages between deployments are in
`exchange`, mobile members in `mobile`."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from dangjian.accounts.models import User
from dangjian.accounts.scope import scope_for
from dangjian.audit import context as audit_context
from dangjian.audit import selectors as audit_selectors
from dangjian.audit.choices import AuditAction
from dangjian.audit.services import audit_record
from dangjian.core import signing
from dangjian.core.crypto import mask_name
from dangjian.core.dates import today
from dangjian.core.error_codes import ErrorCode as CoreErrorCode
from dangjian.core.errors import field_error
from dangjian.members import services as member_services
from dangjian.members.choices import (
    REMOVING_STATUSES,
    ArchiveKind,
    MemberStatus,
)
from dangjian.members.models import Member, Membership
from dangjian.organizations.choices import OrgKind
from dangjian.organizations.models import Organization
from dangjian.transfers.error_codes import ErrorCode

from . import letter
from .choices import OPEN_STATES, TransferKind, TransferState
from .models import Outflow, Transfer, TransferEvent, year_month

DEFAULT_LETTER_VALID_MONTHS = 3


# --- configuration (settings.DANGJIAN_RULES, RULES.md "Transfers") -------------------------


def letter_valid_months() -> int:
    """Validity of an introduction letter, in months (configurable; default 3)."""
    rules = getattr(settings, "DANGJIAN_RULES", {}) or {}
    return int(rules.get("transfer_letter_valid_months", DEFAULT_LETTER_VALID_MONTHS))


def approval_required() -> bool:
    """Whether the sending side's committee approves before the letter is issued."""
    rules = getattr(settings, "DANGJIAN_RULES", {}) or {}
    return bool(rules.get("transfer_requires_approval", True))


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, or the month's last day when it is shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, candidate)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def approving_organization(transfer: Transfer) -> Organization:
    """Who approves: the committee above the sending organization (or itself at the top)."""
    sender = transfer.from_organization
    assert sender is not None
    return sender.parent if sender.parent_id else sender  # type: ignore[return-value]


# --- guards ----------------------------------------------------------------------------------


def _can_manage(actor: User, organization: Organization | None) -> bool:
    return organization is not None and scope_for(actor).can_manage_path(organization.path)


def can_act_as_sender(actor: User, transfer: Transfer) -> bool:
    return _can_manage(actor, transfer.from_organization)


def can_act_as_receiver(actor: User, transfer: Transfer) -> bool:
    return _can_manage(actor, transfer.to_organization)


def can_approve(actor: User, transfer: Transfer) -> bool:
    return transfer.from_organization is not None and _can_manage(
        actor, approving_organization(transfer)
    )


def allowed_actions(actor: User, transfer: Transfer, on: dt.date | None = None) -> list[str]:
    """The steps `actor` may take on `transfer` now; pages and the API show exactly these."""
    on = on or today()
    actions: list[str] = []
    sender = can_act_as_sender(actor, transfer)
    required = approval_required()
    if sender and required and transfer.can_submit():
        actions.append("submit")
    if transfer.can_approve() and can_approve(actor, transfer):
        actions.append("approve")
    if sender and transfer.can_issue(approval_required=required):
        actions.append("issue")
    # Only a letter in transit concerns the receiving side.
    receiver = (transfer.can_receive() or transfer.can_return()) and can_act_as_receiver(
        actor, transfer
    )
    overdue = transfer.is_overdue(on)
    if transfer.kind == TransferKind.WITHIN and receiver:
        if transfer.can_receive() and not overdue:
            actions.append("receive")
        if transfer.can_return():
            actions.append("return")
    if transfer.can_expire() and overdue and (sender or receiver):
        actions.append("expire")
    if transfer.can_cancel() and sender:
        actions.append("cancel")
    return actions


def _locked(transfer: Transfer) -> Transfer:
    """The transfer again, under a row lock: concurrent steps on it run one after the other."""
    return (
        Transfer.objects.select_for_update(of=("self",))
        .select_related("member", "from_organization", "to_organization")
        .get(pk=transfer.pk)
    )


def _require_state(transfer: Transfer, allowed: bool) -> None:
    """Refuse a step the transfer's state does not allow (`allowed`: the model's guard)."""
    if not allowed:
        raise ValidationError(
            _("该转接当前为“%(state)s”，不能办理此操作；请刷新页面查看最新状态。")
            % {"state": TransferState(transfer.state).label},
            code=ErrorCode.WRONG_STATE,
        )


def _record(
    transfer: Transfer,
    *,
    actor: User | None,  # None: the nightly job expires letters (transfer_expire)
    state: TransferState,
    summary: str,
    action: AuditAction,
    note: str = "",
    effective_on: dt.date | None = None,
    archive: bool = True,
) -> None:
    """The transfer event, the member's archive entry (组织关系转接) and the audit event of
    one step. `archive=False` for steps that do not concern the member (报审批 only routes the draft)."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    TransferEvent.objects.create(transfer=transfer, actor=user, state=state, note=note[:300])
    if archive:
        member_services.archive_add(
            member=transfer.member,
            actor=actor,
            kind=ArchiveKind.TRANSFER,
            summary=summary,
            reason=note,
            effective_on=effective_on or today(),
        )
    audit_record(
        actor=actor,
        action=action,
        target=transfer,
        summary=summary,
        detail={"state": state.value, "member_id": transfer.member_id},
    )


def refuse_move_during_transfer(member: Member) -> None:
    """A guard on members.services.membership_move (registered in TransfersConfig.ready): a
    member with an open transfer is moved by its receipt; moving them by hand would make the
    receipt refuse ("moved_meanwhile") or, between deployments, take them off the wrong roster."""
    transfer = Transfer.objects.filter(member=member, state__in=sorted(OPEN_STATES)).first()
    if transfer is None:
        return
    if transfer.letter_number:
        message = _(
            "该党员有一项进行中的组织关系转接（介绍信 %(number)s，转往 %(to)s），"
            "请先办结或撤销该转接，再调整组织关系。"
        ) % {"number": transfer.letter_number, "to": transfer.to_side_name}
    else:
        message = _(
            "该党员有一项进行中的组织关系转接（转往 %(to)s，%(state)s），"
            "请先办结或撤销该转接，再调整组织关系。"
        ) % {"to": transfer.to_side_name, "state": TransferState(transfer.state).label}
    raise ValidationError(message, code=ErrorCode.OPEN_TRANSFER)


# --- the workflow ------------------------------------------------------------------------------


@transaction.atomic
def transfer_create(
    *,
    actor: User,
    member: Member,
    kind: TransferKind,
    to_organization: Organization | None = None,
    counterpart_issuer: str = "",
    counterpart_organization: str = "",
    reason: str = "",
) -> Transfer:
    """Start a transfer (草稿) for a member on the sending organization's roster."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    current = (
        Membership.objects.select_related("organization")
        .filter(member=member, ended_on__isnull=True)
        .first()
    )
    if current is None or member.status in REMOVING_STATUSES:
        raise ValidationError(
            _("该党员已不在党员名册中，不能办理转接。"), code=CoreErrorCode.NOT_ON_ROSTER
        )
    sender = current.organization
    if not _can_manage(actor, sender):
        raise PermissionDenied(_("只有党员所在党组织的管理人员可以办理转出。"))
    if kind == TransferKind.INBOUND:
        raise ValueError("Inbound transfers come from transfer_package_import.")
    if kind == TransferKind.WITHIN:
        counterpart_issuer = counterpart_organization = ""
        if to_organization is None:
            raise field_error(
                "to_organization", _("请选择接收党组织。"), code=CoreErrorCode.REQUIRED
            )
        if to_organization.pk == sender.pk:
            raise field_error(
                "to_organization",
                _("接收党组织与党员现在的党组织相同。"),
                code=ErrorCode.SAME_ORGANIZATION,
            )
        if to_organization.kind in (OrgKind.LOCAL_COMMITTEE, OrgKind.PARTY_GROUP):
            raise field_error(
                "to_organization",
                _("组织关系应转入基层党组织（党委、党总支或党支部），请重新选择。"),
                code=ErrorCode.NOT_GRASSROOTS,
            )
        if to_organization.dissolved_on is not None:
            raise field_error(
                "to_organization", _("该党组织已撤销，不能接收党员。"), code=ErrorCode.DISSOLVED
            )
    else:
        to_organization = None
        counterpart_issuer = counterpart_issuer.strip()
        counterpart_organization = counterpart_organization.strip()
        errors: dict[str, str] = {}
        if not counterpart_issuer:
            errors["counterpart_issuer"] = _("请填写对方系统的标识（如 CN-440300）。")
        elif counterpart_issuer == signing.issuer():
            errors["counterpart_issuer"] = _("这是本系统的标识；本系统内转接请选择“本系统内转接”。")
        if not counterpart_organization:
            errors["counterpart_organization"] = _("请填写接收党组织的全称。")
        if errors:
            raise ValidationError(errors, code=CoreErrorCode.REQUIRED)
    transfer = Transfer(
        kind=kind,
        member=member,
        from_organization=sender,
        to_organization=to_organization,
        counterpart_issuer=counterpart_issuer,
        counterpart_organization=counterpart_organization,
        reason=reason.strip(),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    try:
        with transaction.atomic():
            transfer.save()
    except IntegrityError as exc:
        raise ValidationError(
            _("该党员已有一项未办结的组织关系转接，请先办结或撤销。"), code=ErrorCode.OPEN_TRANSFER
        ) from exc
    _record(
        transfer,
        actor=actor,
        state=TransferState.DRAFT,
        summary=_("拟将组织关系由 %(from)s 转往 %(to)s")
        % {"from": sender.name, "to": transfer.to_side_name},
        action=AuditAction.CREATE,
        note=transfer.reason,
    )
    return transfer


@transaction.atomic
def transfer_submit(*, actor: User, transfer: Transfer) -> Transfer:
    """Send a draft to the sending side's committee for approval."""
    transfer = _locked(transfer)
    if not can_act_as_sender(actor, transfer):
        raise PermissionDenied
    _require_state(transfer, transfer.can_submit())
    if not approval_required():
        raise ValidationError(
            _("本系统的转接无需审批，可直接开具介绍信。"), code=ErrorCode.NO_APPROVAL
        )
    transfer.state = TransferState.AWAITING_APPROVAL
    transfer.save(update_fields=["state", "updated_at"])
    _record(
        transfer,
        actor=actor,
        state=TransferState.AWAITING_APPROVAL,
        summary=_("组织关系转接报 %(org)s 审批") % {"org": approving_organization(transfer).name},
        action=AuditAction.UPDATE,
        archive=False,
    )
    return transfer


@transaction.atomic
def transfer_approve(*, actor: User, transfer: Transfer) -> Transfer:
    """The committee above the sending organization approves the transfer."""
    transfer = _locked(transfer)
    if not can_approve(actor, transfer):
        raise PermissionDenied(_("只有转出党组织的上级党组织可以审批。"))
    _require_state(transfer, transfer.can_approve())
    transfer.state = TransferState.APPROVED
    transfer.approved_by = actor if getattr(actor, "is_authenticated", False) else None
    transfer.save(update_fields=["state", "approved_by", "updated_at"])
    _record(
        transfer,
        actor=actor,
        state=TransferState.APPROVED,
        summary=_("%(org)s 审批同意组织关系由 %(from)s 转往 %(to)s")
        % {
            "org": approving_organization(transfer).name,
            "from": transfer.from_side_name,
            "to": transfer.to_side_name,
        },
        action=AuditAction.APPROVE,
    )
    return transfer


def _check_year_month(value: str) -> str:
    value = (value or "").strip()
    try:
        year_month(value)
    except ValidationError as exc:
        raise field_error(
            "dues_paid_until",
            _("请填写党费交至的年月，例如 2026-05。"),
            code=ErrorCode.BAD_YEAR_MONTH,
        ) from exc
    return value


@transaction.atomic
def transfer_issue(
    *, actor: User, transfer: Transfer, dues_paid_until: str, on: dt.date | None = None
) -> Transfer:
    """Issue the introduction letter (介绍信): numbered, valid for the configured months."""
    transfer = _locked(transfer)
    if not can_act_as_sender(actor, transfer):
        raise PermissionDenied
    _require_state(transfer, transfer.can_issue(approval_required=approval_required()))
    dues = _check_year_month(dues_paid_until)
    on = on or today()
    transfer.state = TransferState.IN_TRANSIT
    transfer.dues_paid_until = dues
    transfer.issued_on = on
    transfer.valid_until = add_months(on, letter_valid_months())
    # The primary key makes the number unique without a counter to race on.
    transfer.letter_number = f"{signing.issuer()}-{on.year}-{transfer.pk:06d}"
    transfer.save(
        update_fields=[
            "state",
            "dues_paid_until",
            "issued_on",
            "valid_until",
            "letter_number",
            "updated_at",
        ]
    )
    _record(
        transfer,
        actor=actor,
        state=TransferState.IN_TRANSIT,
        summary=_(
            "开具组织关系介绍信 %(number)s，由 %(from)s 转往 %(to)s，有效期至 %(until)s，"
            "党费交至 %(dues)s"
        )
        % {
            "number": transfer.letter_number,
            "from": transfer.from_side_name,
            "to": transfer.to_side_name,
            "until": transfer.valid_until.isoformat(),
            "dues": transfer.dues_paid_until,
        },
        action=AuditAction.ISSUE,
        effective_on=on,
    )
    return transfer


def _member_organization(member: Member) -> Organization:
    current = (
        Membership.objects.select_related("organization")
        .filter(member=member, ended_on__isnull=True)
        .first()
    )
    if current is None:
        raise ValidationError(_("该党员已不在党员名册中。"), code=CoreErrorCode.NOT_ON_ROSTER)
    return current.organization


def _outflow_place(outflow: Outflow) -> str:
    """Where the member went, for the archive: region and city (no employer, no contact)."""
    from .regions import region_name

    return f"{region_name(outflow.region_code)}{outflow.city}"


def _close_outflow(*, actor: User, member: Member, on: dt.date, note: str) -> None:
    """A member whose relationship moves is no longer mobile: close an open outflow."""
    outflow = Outflow.objects.select_for_update().filter(member=member, returned_on__isnull=True)
    for row in outflow:
        row.returned_on = max(on, row.left_on)
        row.save(update_fields=["returned_on", "updated_at"])
        member_services.archive_add(
            member=member,
            actor=actor,
            kind=ArchiveKind.MOBILE,
            summary=_("流出登记结束：%(note)s（%(left)s 外出到 %(place)s）")
            % {"note": note, "left": row.left_on.isoformat(), "place": _outflow_place(row)},
            effective_on=row.returned_on,
        )
        audit_record(actor=actor, action=AuditAction.UPDATE, target=row, summary=note)


@transaction.atomic
def transfer_receive(*, actor: User, transfer: Transfer, on: dt.date | None = None) -> Transfer:
    """The receiving organization accepts the member: the membership rows close and open on
    the same date (members.services.membership_move)."""
    transfer = _locked(transfer)
    if transfer.kind != TransferKind.WITHIN:
        raise ValidationError(
            _("跨系统的转接由对方系统导入转接包并回执，不能在本系统接收。"),
            code=ErrorCode.WRONG_KIND,
        )
    if not can_act_as_receiver(actor, transfer):
        raise PermissionDenied(_("只有接收党组织的管理人员可以接收。"))
    _require_state(transfer, transfer.can_receive())
    on = on or today()
    assert transfer.valid_until is not None
    if on > transfer.valid_until:
        raise ValidationError(
            _("介绍信已于 %(until)s 过期，不能接收；请退回或由转出方撤销后重新开具。")
            % {"until": transfer.valid_until.isoformat()},
            code=ErrorCode.LETTER_EXPIRED,
        )
    assert transfer.to_organization is not None
    if _member_organization(transfer.member).pk != transfer.from_organization_id:
        # Moved meanwhile by another way (e.g. 本系统内调整 on the member page).
        raise ValidationError(
            _("该党员的组织关系已不在 %(org)s，不能按这封介绍信接收；请转出方撤销本次转接。")
            % {"org": transfer.from_side_name},
            code=ErrorCode.MOVED_MEANWHILE,
        )
    member_services.membership_move(
        actor=actor,
        member=transfer.member,
        organization=transfer.to_organization,
        on=on,
        reason=_("组织关系转接，介绍信 %(number)s") % {"number": transfer.letter_number},
        released_by_sender=True,
    )
    _close_outflow(actor=actor, member=transfer.member, on=on, note=_("组织关系已转接，流出结束"))
    if transfer.member.status == MemberStatus.MOBILE:
        # Now on the receiver's roster, so the receiver may change the status.
        member_services.member_change_status(
            actor=actor,
            member=transfer.member,
            status=MemberStatus.NORMAL,
            reason=_("组织关系已转接"),
        )
    transfer.state = TransferState.RECEIVED
    transfer.received_on = on
    transfer.save(update_fields=["state", "received_on", "updated_at"])
    _record(
        transfer,
        actor=actor,
        state=TransferState.RECEIVED,
        summary=_("%(to)s 接收组织关系，由 %(from)s 转入（介绍信 %(number)s），转接办结")
        % {
            "to": transfer.to_organization.name,
            "from": transfer.from_side_name,
            "number": transfer.letter_number,
        },
        action=AuditAction.MOVE,
        effective_on=on,
    )
    return transfer


@transaction.atomic
def transfer_return(*, actor: User, transfer: Transfer, reason: str) -> Transfer:
    """The receiving organization sends the letter back (退回) with a reason."""
    transfer = _locked(transfer)
    if not can_act_as_receiver(actor, transfer):
        raise PermissionDenied(_("只有接收党组织的管理人员可以退回。"))
    _require_state(transfer, transfer.can_return())
    if not reason.strip():
        raise field_error(
            "reason", _("请填写退回原因，转出方据此处理。"), code=CoreErrorCode.REQUIRED
        )
    transfer.state = TransferState.RETURNED
    transfer.closing_reason = reason.strip()[:300]
    transfer.save(update_fields=["state", "closing_reason", "updated_at"])
    _record(
        transfer,
        actor=actor,
        state=TransferState.RETURNED,
        summary=_("%(to)s 退回介绍信 %(number)s，组织关系仍在 %(from)s")
        % {
            "to": transfer.to_side_name,
            "number": transfer.letter_number,
            "from": transfer.from_side_name,
        },
        action=AuditAction.UPDATE,
        note=transfer.closing_reason,
    )
    return transfer


@transaction.atomic
def transfer_cancel(*, actor: User, transfer: Transfer, reason: str) -> Transfer:
    """The sending organization withdraws an open transfer (撤销); the member stays."""
    transfer = _locked(transfer)
    if not can_act_as_sender(actor, transfer):
        raise PermissionDenied(_("只有转出党组织的管理人员可以撤销。"))
    _require_state(transfer, transfer.can_cancel())
    if not reason.strip():
        raise field_error("reason", _("请填写撤销原因。"), code=CoreErrorCode.REQUIRED)
    transfer.state = TransferState.CANCELLED
    transfer.closing_reason = reason.strip()[:300]
    transfer.save(update_fields=["state", "closing_reason", "updated_at"])
    _record(
        transfer,
        actor=actor,
        state=TransferState.CANCELLED,
        summary=_("撤销组织关系转接（由 %(from)s 转往 %(to)s），组织关系仍在 %(from)s")
        % {"from": transfer.from_side_name, "to": transfer.to_side_name},
        action=AuditAction.UPDATE,
        note=transfer.closing_reason,
    )
    return transfer


@transaction.atomic
def transfer_expire(
    *, actor: User | None, transfer: Transfer, on: dt.date | None = None
) -> Transfer:
    """A letter past its validity expires the transfer; the member stays with the sender.

    `actor` None is the nightly job (transfers_expire); a person must be on either side.
    """
    transfer = _locked(transfer)
    if actor is not None and not (
        can_act_as_sender(actor, transfer) or can_act_as_receiver(actor, transfer)
    ):
        raise PermissionDenied
    _require_state(transfer, transfer.can_expire())
    on = on or today()
    assert transfer.valid_until is not None
    if transfer.valid_until >= on:
        raise ValidationError(
            _("介绍信有效期至 %(until)s，尚未过期。") % {"until": transfer.valid_until.isoformat()},
            code=ErrorCode.NOT_EXPIRED,
        )
    transfer.state = TransferState.EXPIRED
    transfer.save(update_fields=["state", "updated_at"])
    _record(
        transfer,
        actor=actor,
        state=TransferState.EXPIRED,
        summary=_("介绍信 %(number)s 已过有效期（%(until)s），转接失效，组织关系仍在 %(from)s")
        % {
            "number": transfer.letter_number,
            "until": transfer.valid_until.isoformat(),
            "from": transfer.from_side_name,
        },
        action=AuditAction.UPDATE,
        effective_on=on,
    )
    return transfer


def transfers_expire_overdue(*, on: dt.date | None = None) -> int:
    """Expire every transfer whose letter ran out before `on`; each in its own transaction."""
    on = on or today()
    expired = 0
    for pk in Transfer.objects.filter(
        state=TransferState.IN_TRANSIT, valid_until__lt=on
    ).values_list("pk", flat=True):
        try:
            transfer_expire(actor=None, transfer=Transfer(pk=pk), on=on)
        except ValidationError:
            continue  # received, returned or cancelled meanwhile
        expired += 1
    return expired


def transfer_letter_print(*, actor: User, transfer: Transfer, base_url: str) -> bytes:
    """The introduction letter as a PDF, for either side of the transfer; the printing is
    audited."""
    if transfer.letter_number is None:
        raise ValueError("no letter issued")  # the page offers none; a URL typed by hand 404s
    if not (can_act_as_sender(actor, transfer) or can_act_as_receiver(actor, transfer)):
        raise PermissionDenied
    pdf = letter.letter_pdf(transfer, base_url)
    audit_record(
        actor=actor,
        action=AuditAction.EXPORT,
        target=transfer,
        summary=_("打印介绍信 %(number)s") % {"number": transfer.letter_number},
    )
    return pdf


LETTER_CHECK = "transfers.letter_check"


@dataclass(frozen=True)
class LetterCheck:
    """What the public page of a letter's QR shows: only what a receiving secretary needs to
    match the paper. The member's name is masked (core.crypto.mask_name); no ID number."""

    outcome: str  # valid, bad_signature, unknown_issuer, malformed
    issuer: str = ""
    number: str = ""
    member_name: str = ""
    from_name: str = ""
    to_name: str = ""
    valid_until: str = ""
    dues_paid_until: str = ""
    issued_on: dt.date | None = None
    state: str = ""  # a TransferState when the letter is ours; "" for another deployment's
    transfer: Transfer | None = None

    @property
    def signature_valid(self) -> bool:
        return self.outcome == "valid"

    @property
    def usable(self) -> bool:
        """The letter may still be presented: signed, not past its date, and (when ours) in
        transit; a received, returned, cancelled or expired transfer ends it."""
        if not self.signature_valid or self.valid_until < today().isoformat():
            return False
        return self.state in ("", TransferState.IN_TRANSIT)

    @property
    def state_label(self) -> str:
        return str(TransferState(self.state).label) if self.state else ""


def transfer_letter_check(*, actor: Any, token: str) -> LetterCheck:
    """Check the signed token of a letter's QR, for anyone (no sign-in). Each check is audited
    and counted: DANGJIAN_LETTER_CHECKS_PER_HOUR per user, or per client address when anonymous,
    so the page cannot be used to walk through letters."""
    recent = audit_selectors.audit_count_recent(
        actor=actor,
        target_type=LETTER_CHECK,
        within=dt.timedelta(hours=1),
        ip_address=audit_context.client_address.get(),
    )
    if recent >= settings.DANGJIAN_LETTER_CHECKS_PER_HOUR:
        raise ValidationError(
            _("一小时内核验介绍信的次数已达上限，请稍后再试。"), code=ErrorCode.LETTER_CHECK_LIMIT
        )
    outcome, claims = letter.verify_letter_token(token)
    check = LetterCheck(outcome=outcome)
    if outcome == "valid":
        transfer = None
        if claims.get("i") == signing.issuer():
            try:
                public_id = uuid.UUID(str(claims.get("id", "")))
            except ValueError:
                public_id = None
            transfer = Transfer.objects.filter(public_id=public_id).first() if public_id else None
        check = LetterCheck(
            outcome=outcome,
            issuer=str(claims.get("i", "")),
            number=str(claims.get("n", "")),
            member_name=mask_name(str(claims.get("m", ""))),
            from_name=str(claims.get("from", "")),
            to_name=str(claims.get("to", "")),
            valid_until=str(claims.get("v", "")),
            dues_paid_until=str(claims.get("d", "") or ""),
            issued_on=transfer.issued_on if transfer else None,
            state=transfer.state if transfer else "",
            transfer=transfer,
        )
    with transaction.atomic():
        audit_record(
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            action=AuditAction.REVEAL,
            target_type=LETTER_CHECK,
            summary=_("核验介绍信"),
            detail={"outcome": outcome, "number": check.number},
        )
    return check
