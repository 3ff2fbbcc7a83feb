"""Attendance that travels: guests from other deployments, and the signed attendance receipts
that take their organizational life home (docs/attendance-receipt.md).

The host branch checks a guest in on a valid certificate of a trusted deployment (no ID number:
the name, home deployment and organization code, serial and member public id the certificate
carries). The host exports one signed receipt per home deployment covering every guest of that
deployment not yet sent. The home deployment imports it: the file as a whole is refused, with
nothing written, when it is not a receipt, is not signed by a key in force on the trust list,
was changed after signing, is addressed to another deployment, or was imported before; then
each entry has one outcome (`choices.EntryOutcome`), and the entries that check out are
credited to the branch that holds the member now, in their organizational life and archive.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections import defaultdict
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from dangjian.accounts.models import User
from dangjian.accounts.scope import scope_for
from dangjian.activities import services as activity_services
from dangjian.activities.choices import ActivityKind
from dangjian.activities.models import Activity, LifeElsewhere, VisitingGuest
from dangjian.audit.choices import AuditAction
from dangjian.audit.services import audit_record
from dangjian.core import signing
from dangjian.core.error_codes import ErrorCode as CoreErrorCode
from dangjian.exchange import documents, trust
from dangjian.members.models import Member, Membership

from .choices import EntryOutcome
from .error_codes import ErrorCode
from .models import AttendanceReceipt, Certificate
from .services import VerificationResult

RECEIPT_FORMAT = "dangjian-attendance-receipt/1"
_SERIAL = re.compile(r"^[0-9a-f]{16}$")


def _what() -> str:
    return pgettext("the subject of a sentence", "出席回执")


# --- the host: check a guest in, export receipts --------------------------------------------


def visiting_guest_checkin(
    *, actor: User, activity: Activity, result: VerificationResult
) -> VisitingGuest:
    """Record a guest of another deployment on their verified certificate (`result` is VALID,
    the issuer trusted and not us)."""
    claims = result.claims
    if not result.is_valid or claims is None or result.is_own:
        raise ValidationError(result.message, code=CoreErrorCode.INVALID)
    return activity_services.visiting_guest_add(
        actor=actor,
        activity=activity,
        name=claims.name,
        home_issuer=claims.issuer,
        home_organization_code=claims.organization_code,
        certificate_serial=claims.serial_hex,
        member_public_id=claims.member_public_id,
    )


def pending_guests(actor: Any, home_issuer: str | None = None) -> QuerySet[VisitingGuest]:
    """Guests at activities the actor manages whose receipt has not been exported yet."""
    rows = VisitingGuest.objects.restrict(actor, "manage").filter(exported_at__isnull=True)
    if home_issuer is not None:
        rows = rows.filter(home_issuer=home_issuer)
    return rows.select_related("activity__organization").order_by("activity__on", "id")


def pending_by_home(actor: Any) -> list[tuple[str, int]]:
    """(home deployment, guests waiting) for the actor's receipts page."""
    rows = (
        pending_guests(actor)
        .order_by()
        .values("home_issuer")
        .annotate(n=Count("id"))
        .order_by("home_issuer")
    )
    return [(r["home_issuer"], r["n"]) for r in rows]


def entry_of(guest: VisitingGuest) -> dict[str, Any]:
    activity = guest.activity
    return {
        "id": str(guest.public_id),
        "serial": guest.certificate_serial,
        "member": str(guest.member_public_id),
        "name": guest.name,
        "home_organization_code": guest.home_organization_code,
        "on": activity.on.isoformat(),
        "kind": activity.kind,
        "topic": activity.topic,
        "place": activity.place,
        "host_organization": {
            "name": activity.organization.name,
            "code": activity.organization.code or "",
        },
    }


def receipt_payload(
    entries: list[dict[str, Any]], *, to: str, exported_at: dt.datetime
) -> dict[str, Any]:
    return {"to": to, "exported_at": exported_at.isoformat(), "entries": entries}


@transaction.atomic
def attendance_receipt_export(*, actor: User, home_issuer: str) -> dict[str, Any]:
    """One signed receipt for every guest of `home_issuer` at activities the actor manages that
    has not been sent yet; the guests are marked as sent (download the file again from the
    receipts page)."""
    guests = list(pending_guests(actor, home_issuer).select_for_update(of=("self",)))
    if not guests:
        raise ValidationError(
            _("没有等待导出出席回执的 %(issuer)s 来宾。") % {"issuer": home_issuer},
            code=ErrorCode.NOTHING_TO_EXPORT,
        )
    at = timezone.now()
    payload = receipt_payload([entry_of(g) for g in guests], to=home_issuer, exported_at=at)
    document = documents.sign(RECEIPT_FORMAT, payload)
    sha256 = documents.digest(document)
    activity_services.visiting_guests_mark_exported(guests, receipt_sha256=sha256, at=at)
    receipt = AttendanceReceipt.objects.create(
        direction=AttendanceReceipt.Direction.EXPORTED,
        counterpart=home_issuer,
        sha256=sha256,
        kid=document["kid"],
        entries=len(guests),
        document=document,
        actor=actor if actor.is_authenticated else None,
    )
    audit_record(
        actor=actor,
        action=AuditAction.EXPORT,
        target=receipt,
        summary=_("导出发往 %(issuer)s 的出席回执（%(n)d 人次）")
        % {"issuer": home_issuer, "n": len(guests)},
        detail={"sha256": sha256, "to": home_issuer, "entries": len(guests)},
    )
    return document


# --- the home deployment: import ------------------------------------------------------------


def _incomplete() -> ValidationError:
    return ValidationError(
        _("出席回执的内容不完整或格式不对，已拒绝，未做任何改动；请向举办方索取原始文件。"),
        code=CoreErrorCode.INCOMPLETE,
    )


def _entries(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """The entries, each field checked for type and form; any fault refuses the whole file."""
    raw = payload.get("entries")
    if not isinstance(raw, list) or not raw:
        raise _incomplete()
    entries = []
    for item in raw:
        try:
            host = item["host_organization"]
            entry = {
                "id": uuid.UUID(str(item["id"])),
                "serial": str(item["serial"]),
                "member": uuid.UUID(str(item["member"])),
                "name": str(item["name"]),
                "on": dt.date.fromisoformat(str(item["on"])),
                "kind": str(item["kind"]),
                "topic": str(item["topic"]),
                "place": str(item.get("place", "")),
                "host_organization": str(host["name"]),
            }
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise _incomplete() from exc
        if not _SERIAL.match(str(entry["serial"])) or entry["kind"] not in ActivityKind.values:
            raise _incomplete()
        entries.append(entry)
    return entries


def _day(moment: dt.datetime) -> dt.date:
    return timezone.localdate(moment)


def _outcome(entry: dict[str, Any], certificate: Certificate | None, already: bool) -> EntryOutcome:
    if already:
        return EntryOutcome.ALREADY_CREDITED
    if certificate is None or certificate.member.public_id != entry["member"]:
        return EntryOutcome.UNKNOWN_CARD
    if certificate.revoked_at is not None and _day(certificate.revoked_at) <= entry["on"]:
        return EntryOutcome.REVOKED
    if not certificate.valid_from <= entry["on"] <= certificate.valid_until:
        return EntryOutcome.EXPIRED
    return EntryOutcome.CREDITED


@transaction.atomic
def attendance_receipt_import(
    *, actor: User, document: str | bytes | dict[str, Any]
) -> AttendanceReceipt:
    """Verify a host deployment's signed attendance receipt and credit its entries (module
    docstring). Only a manager of the whole deployment (a top-level administrator) imports:
    the entries reach members of any branch."""
    if not trust.can_manage_trust(actor):
        raise PermissionDenied
    verified = documents.verify(document, RECEIPT_FORMAT, what=_what())
    payload = verified.payload
    if str(payload.get("to", "")) != signing.issuer():
        raise ValidationError(
            _("该出席回执是发往 %(to)s 的，不是发往本系统（%(own)s）的。")
            % {"to": payload.get("to", ""), "own": signing.issuer()},
            code=ErrorCode.NOT_FOR_US,
        )
    sha256 = verified.sha256
    if AttendanceReceipt.objects.filter(
        direction=AttendanceReceipt.Direction.IMPORTED, sha256=sha256
    ).exists():
        raise ValidationError(
            _("该出席回执已于此前导入（同一文件重复导入），已拒绝，未做任何改动。"),
            code=ErrorCode.REPLAYED,
        )
    entries = _entries(payload)
    certificates = {
        c.serial: c
        for c in Certificate.objects.select_related("member").filter(
            serial__in={e["serial"] for e in entries}
        )
    }
    done = set(
        LifeElsewhere.objects.filter(
            host_issuer=verified.issuer, entry_id__in=[e["id"] for e in entries]
        ).values_list("entry_id", flat=True)
    )
    homes = {
        m.member_id: m
        for m in Membership.objects.select_related("organization").filter(
            member_id__in=[c.member_id for c in certificates.values()], ended_on__isnull=True
        )
    }
    credits: list[activity_services.LifeCredit] = []
    outcomes = []
    seen: set[uuid.UUID] = set()
    for entry in entries:
        certificate = certificates.get(entry["serial"])
        outcome = _outcome(entry, certificate, entry["id"] in done or entry["id"] in seen)
        seen.add(entry["id"])
        home = homes.get(certificate.member_id) if certificate is not None else None
        if outcome == EntryOutcome.CREDITED and home is None:
            outcome = EntryOutcome.NOT_ON_ROSTER
        if outcome == EntryOutcome.CREDITED and certificate is not None and home is not None:
            member: Member = certificate.member
            credits.append(
                activity_services.LifeCredit(
                    member=member,
                    organization=home.organization,
                    on=entry["on"],
                    kind=entry["kind"],
                    topic=entry["topic"],
                    host_organization=entry["host_organization"],
                    place=entry["place"],
                    certificate_serial=entry["serial"],
                    entry_id=entry["id"],
                )
            )
        outcomes.append(
            {
                "id": str(entry["id"]),
                "name": entry["name"],
                "serial": entry["serial"],
                "on": entry["on"].isoformat(),
                "outcome": str(outcome),
                "organization": home.organization.name
                if outcome == EntryOutcome.CREDITED and home is not None
                else "",
            }
        )
    activity_services.life_elsewhere_credit(
        actor=actor, host_issuer=verified.issuer, receipt_sha256=sha256, credits=credits
    )
    receipt = AttendanceReceipt.objects.create(
        direction=AttendanceReceipt.Direction.IMPORTED,
        counterpart=verified.issuer,
        sha256=sha256,
        kid=verified.kid,
        entries=len(entries),
        credited=len(credits),
        outcomes=outcomes,
        document=verified.document,
        actor=actor if actor.is_authenticated else None,
    )
    counts: dict[str, int] = defaultdict(int)
    for row in outcomes:
        counts[row["outcome"]] += 1
    audit_record(
        actor=actor,
        action=AuditAction.IMPORT,
        target=receipt,
        summary=_("导入 %(issuer)s 的出席回执（%(signed_by)s 签名），记入 %(n)d 人次")
        % {"issuer": verified.issuer, "signed_by": verified.signed_by, "n": len(credits)},
        detail={"sha256": sha256, "issuer": verified.issuer, "kid": verified.kid, **counts},
    )
    return receipt


def receipts(actor: Any) -> QuerySet[AttendanceReceipt]:
    """The receipts page's history: every receipt for a top-level administrator; exports the
    actor made for anyone else."""
    rows = AttendanceReceipt.objects.all()
    if not trust.can_manage_trust(actor):
        rows = rows.filter(actor_id=actor.pk, direction=AttendanceReceipt.Direction.EXPORTED)
    return rows.order_by("-at", "-id")


def can_export(actor: Any) -> bool:
    return bool(scope_for(actor).paths("manage"))
