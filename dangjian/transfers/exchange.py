"""Transfers between deployments: the signed package that carries a member's archive out,
its import at the receiving deployment, and the signed receipt that closes the transfer at
the sender. Each is atomic and writes its archive entry, transfer event and audit event."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.accounts.models import User
from dangjian.audit.choices import AuditAction
from dangjian.audit.services import audit_record
from dangjian.core import signing
from dangjian.core.dates import today
from dangjian.core.error_codes import ErrorCode as CoreErrorCode
from dangjian.members import services as member_services
from dangjian.members.choices import (
    ArchiveKind,
    HowAdded,
    HowRemoved,
)
from dangjian.members.models import ArchiveEntry, Member
from dangjian.organizations.models import Organization
from dangjian.transfers.error_codes import ErrorCode

from . import package, services
from .choices import TransferKind, TransferState
from .models import Transfer, TransferEvent


def _member_payload(member: Member) -> dict[str, Any]:
    fields = {name: getattr(member, name) for name in member_services.RECORD_FIELDS}
    data = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in fields.items()}
    return {
        "public_id": str(member.public_id),
        "id_number": member.id_number,
        "status": member.status,
        **data,
    }


def _history_payload(member: Member) -> dict[str, Any]:
    memberships = [
        {
            "organization": m.organization.name,
            "organization_code": m.organization.code,
            "started_on": m.started_on.isoformat(),
            "ended_on": m.ended_on.isoformat() if m.ended_on else None,
            "how_added": m.how_added,
            "how_removed": m.how_removed,
        }
        for m in member.memberships.select_related("organization").order_by("started_on", "id")
    ]
    positions = [
        {
            "organization": p.organization.name,
            "title": p.title,
            "started_on": p.started_on.isoformat(),
            "ended_on": p.ended_on.isoformat() if p.ended_on else None,
        }
        for p in member.positions.select_related("organization").order_by("started_on", "id")
    ]
    archive = [
        {
            "at": e.at.isoformat(),
            "effective_on": e.effective_on.isoformat() if e.effective_on else None,
            "kind": e.kind,
            "summary": e.summary,
            "before": e.plain_before(),  # the receiving deployment seals them under its own key
            "after": e.plain_after(),
            "reason": e.reason,
        }
        for e in member.archive.order_by("at", "id")
    ]
    return {
        "memberships": memberships,
        "positions": positions,
        "archive": archive,
        # Since 2026-12 (decision 0230); a package without them still imports.
        **member_services.information_sets_payload(member),
    }


@transaction.atomic
def transfer_package_export(*, actor: User, transfer: Transfer) -> dict[str, Any]:
    """The signed package (JSON) that carries the member's whole electronic archive."""
    transfer = services._locked(transfer)
    if not services.can_act_as_sender(actor, transfer):
        raise PermissionDenied
    if transfer.kind != TransferKind.OUTBOUND:
        raise ValidationError(_("只有转往其他系统的转接才导出转接包。"), code=ErrorCode.WRONG_KIND)
    services._require_state(transfer, transfer.can_export_package())
    assert transfer.from_organization is not None
    assert transfer.issued_on is not None
    assert transfer.valid_until is not None
    payload = {
        "transfer": {
            "id": str(transfer.public_id),
            "letter_number": transfer.letter_number,
            "issued_on": transfer.issued_on.isoformat(),
            "valid_until": transfer.valid_until.isoformat(),
            "dues_paid_until": transfer.dues_paid_until,
            "reason": transfer.reason,
            "from_organization": {
                "name": transfer.from_organization.name,
                "code": transfer.from_organization.code,
            },
            "to": {
                "issuer": transfer.counterpart_issuer,
                "organization": transfer.counterpart_organization,
            },
        },
        "member": _member_payload(transfer.member),
        **_history_payload(transfer.member),
        "exported_at": timezone.now().isoformat(),
    }
    document = package.sign_document(package.PACKAGE_FORMAT, payload)
    transfer.package_sha256 = package.digest(document)
    transfer.save(update_fields=["package_sha256", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.EXPORT,
        target=transfer,
        summary=_("导出 %(name)s 的组织关系转接包") % {"name": transfer.member.name},
        detail={"sha256": transfer.package_sha256, "to": transfer.counterpart_issuer},
    )
    return document


def _date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


@transaction.atomic
def transfer_package_import(
    *, actor: User, document: str | bytes | dict[str, Any], organization: Organization
) -> Transfer:
    """Receive a member from another deployment: check the signature against the trust list,
    create the member with their history (no re-typing) and sign a receipt for the sender."""
    if not services._can_manage(actor, organization):
        raise PermissionDenied(_("您无权管理该党组织的党员。"))
    document = package.verify_document(document, package.PACKAGE_FORMAT)
    payload = document["payload"]
    sender_issuer = str(document["issuer"])
    try:
        info = payload["transfer"]
        member_data = dict(payload["member"])
        public_id = str(info["id"])
        valid_until = dt.date.fromisoformat(info["valid_until"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ValidationError(
            _("转接包缺少必要内容（转接信息或党员信息），请向转出方索取完整的转接包。"),
            code=CoreErrorCode.INCOMPLETE,
        ) from exc
    if str(info.get("to", {}).get("issuer", "")) != signing.issuer():
        raise ValidationError(
            _("该转接包是转往 %(to)s 的，不是转往本系统（%(own)s）的。")
            % {"to": info.get("to", {}).get("issuer", ""), "own": signing.issuer()},
            code=ErrorCode.NOT_FOR_US,
        )
    if Transfer.objects.filter(public_id=public_id).exists():
        raise ValidationError(
            _("该转接包已经导入过，无需重复导入。"), code=ErrorCode.ALREADY_IMPORTED
        )
    on = today()
    if valid_until < on:
        raise ValidationError(
            _("介绍信已于 %(until)s 过期，不能接收；请转出方重新开具。")
            % {"until": valid_until.isoformat()},
            code=ErrorCode.LETTER_EXPIRED,
        )
    id_number = str(member_data.pop("id_number", ""))
    data = {
        name: member_data.get(name)
        for name in member_services.RECORD_FIELDS
        if member_data.get(name) is not None
    }
    for name in ("birth_date", "joined_on", "full_member_on"):
        if name in data:
            data[name] = _date(data[name])
    from_organization = info.get("from_organization", {})
    member = member_services.member_create(
        actor=actor,
        organization=organization,
        data=data,
        id_number=id_number,
        how_added=HowAdded.TRANSFERRED_IN,
        started_on=on,
        reason=_("由 %(issuer)s %(org)s 转入，介绍信 %(number)s")
        % {
            "issuer": sender_issuer,
            "org": from_organization.get("name", ""),
            "number": info.get("letter_number", ""),
        },
    )
    entries = []
    for entry in payload.get("archive", []):
        entries.append(
            ArchiveEntry(
                member=member,
                kind=str(entry.get("kind", ArchiveKind.UPDATED)),
                summary=(
                    _("〔原系统 %(issuer)s〕%(summary)s")
                    % {"issuer": sender_issuer, "summary": entry.get("summary", "")}
                )[:300],
                before=entry.get("before") or {},
                after=entry.get("after") or {},
                reason=str(entry.get("reason", ""))[:300],
                effective_on=_date(entry.get("effective_on")),
            )
        )
    created = ArchiveEntry.objects.bulk_create(entries)
    member_services.information_sets_import(
        actor=actor,
        member=member,
        family=payload.get("family_members") or [],
        trips=payload.get("trips_abroad") or [],
    )
    # The archive keeps when each entry was first written, at the sending deployment.
    for row, entry in zip(created, payload.get("archive", []), strict=True):
        if entry.get("at"):
            ArchiveEntry.objects.filter(pk=row.pk).update(at=dt.datetime.fromisoformat(entry["at"]))
    transfer = Transfer.objects.create(
        public_id=public_id,
        kind=TransferKind.INBOUND,
        state=TransferState.RECEIVED,
        member=member,
        to_organization=organization,
        counterpart_issuer=sender_issuer,
        counterpart_organization=str(from_organization.get("name", ""))[:200],
        reason=str(info.get("reason", ""))[:300],
        letter_number=None,
        issued_on=_date(info.get("issued_on")),
        valid_until=valid_until,
        dues_paid_until=str(info.get("dues_paid_until", ""))[:7],
        received_on=on,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        package_sha256=package.digest(document),
        package_kid=str(document["kid"]),
    )
    receipt_payload = {
        "transfer": public_id,
        "letter_number": info.get("letter_number"),
        "package_sha256": transfer.package_sha256,
        "sender": sender_issuer,
        "member_public_id": member_data.get("public_id"),
        "member_name": member.name,
        "received_on": on.isoformat(),
        "organization": organization.name,
        "organization_code": organization.code,
    }
    transfer.receipt = package.sign_document(package.RECEIPT_FORMAT, receipt_payload)
    transfer.history = {
        "memberships": payload.get("memberships", []),
        "positions": payload.get("positions", []),
    }
    transfer.save(update_fields=["receipt", "history"])
    TransferEvent.objects.create(
        transfer=transfer,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        state=TransferState.RECEIVED,
        note=_("导入 %(issuer)s 的转接包，签名有效（密钥 %(kid)s）")
        % {"issuer": sender_issuer, "kid": document["kid"]},
    )
    member_services.archive_add(
        member=member,
        actor=actor,
        kind=ArchiveKind.TRANSFER,
        summary=_(
            "%(to)s 接收组织关系，由 %(issuer)s %(from)s 转入（介绍信 %(number)s，"
            "党费交至 %(dues)s），转接办结"
        )
        % {
            "to": organization.name,
            "issuer": sender_issuer,
            "from": transfer.counterpart_organization,
            "number": info.get("letter_number", ""),
            "dues": transfer.dues_paid_until or "—",
        },
        effective_on=on,
    )
    audit_record(
        actor=actor,
        action=AuditAction.IMPORT,
        target=transfer,
        summary=_("导入转接包：%(name)s 由 %(issuer)s 转入")
        % {"name": member.name, "issuer": sender_issuer},
        detail={
            "sha256": transfer.package_sha256,
            "issuer": sender_issuer,
            "kid": str(document["kid"]),
        },
    )
    return transfer


@transaction.atomic
def transfer_receipt_import(*, actor: User, document: str | bytes | dict[str, Any]) -> Transfer:
    """The receiving deployment's signed receipt closes the transfer here: the member leaves
    the roster with the way 转出 (members.services.member_remove)."""
    document = package.verify_document(document, package.RECEIPT_FORMAT)
    payload = document["payload"]
    transfer_row = Transfer.objects.filter(
        public_id=str(payload.get("transfer", "")), kind=TransferKind.OUTBOUND
    ).first()
    if transfer_row is None:
        raise ValidationError(
            _("本系统没有与该回执对应的转出记录。"), code=ErrorCode.UNKNOWN_TRANSFER
        )
    transfer = services._locked(transfer_row)
    if not services.can_act_as_sender(actor, transfer):
        raise PermissionDenied
    if transfer.state == TransferState.RECEIVED:
        raise ValidationError(_("该回执已经导入过，转接已办结。"), code=ErrorCode.ALREADY_RECEIVED)
    services._require_state(transfer, transfer.can_receive())
    if str(document["issuer"]) != transfer.counterpart_issuer:
        raise ValidationError(
            _("回执由 %(issuer)s 签发，但该转接是转往 %(to)s 的。")
            % {"issuer": document["issuer"], "to": transfer.counterpart_issuer},
            code=ErrorCode.WRONG_ISSUER,
        )
    if transfer.package_sha256 and payload.get("package_sha256") != transfer.package_sha256:
        raise ValidationError(
            _("回执对应的转接包与本系统最近导出的不一致，请核对。"), code=ErrorCode.PACKAGE_MISMATCH
        )
    try:
        received_on = dt.date.fromisoformat(str(payload["received_on"]))
    except (KeyError, ValueError) as exc:
        raise ValidationError(_("回执缺少接收日期。"), code=CoreErrorCode.INCOMPLETE) from exc
    received_on = min(max(received_on, transfer.issued_on or received_on), today())
    member_services.member_remove(
        actor=actor,
        member=transfer.member,
        how_removed=HowRemoved.TRANSFERRED_OUT,
        on=received_on,
        reason=_("组织关系转往 %(issuer)s %(org)s，介绍信 %(number)s")
        % {
            "issuer": transfer.counterpart_issuer,
            "org": payload.get("organization", transfer.counterpart_organization),
            "number": transfer.letter_number,
        },
    )
    services._close_outflow(
        actor=actor, member=transfer.member, on=received_on, note=_("组织关系已转出")
    )
    transfer.state = TransferState.RECEIVED
    transfer.received_on = received_on
    transfer.receipt = document
    transfer.receipt_kid = str(document["kid"])
    transfer.save(update_fields=["state", "received_on", "receipt", "receipt_kid", "updated_at"])
    services._record(
        transfer,
        actor=actor,
        state=TransferState.RECEIVED,
        summary=_(
            "%(org)s（%(issuer)s）回执已接收（密钥 %(kid)s 签名），组织关系由 %(from)s 转出"
            "（介绍信 %(number)s）"
        )
        % {
            "org": payload.get("organization", transfer.counterpart_organization),
            "issuer": transfer.counterpart_issuer,
            "kid": transfer.receipt_kid,
            "from": transfer.from_side_name,
            "number": transfer.letter_number,
        },
        action=AuditAction.IMPORT,
        effective_on=received_on,
    )
    return transfer
