"""Writes to organizational life. Each is atomic, checks scope, and writes its audit event;
decisions about a member (民主评议) also go into the member's archive."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, BinaryIO

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from dangjian.accounts.models import User
from dangjian.accounts.scope import scope_for
from dangjian.activities.error_codes import ErrorCode
from dangjian.audit import selectors as audit_selectors
from dangjian.audit.choices import AuditAction
from dangjian.audit.services import audit_record
from dangjian.core import crypto
from dangjian.core import exports as core_exports
from dangjian.core.dates import today
from dangjian.core.error_codes import ErrorCode as CoreErrorCode
from dangjian.core.errors import field_error
from dangjian.core.models import ExportJob
from dangjian.members import services as member_services
from dangjian.members.choices import ArchiveKind, HowRemoved
from dangjian.members.idnumbers import normalize_id_number
from dangjian.members.models import ArchiveEntry, Member, Membership
from dangjian.organizations.choices import OrgKind
from dangjian.organizations.models import Organization

from . import ledger, selectors
from .choices import (
    LEADERSHIP_KINDS,
    ActivityKind,
    ActivityStatus,
    AttendanceStatus,
    AttendanceVia,
    ExemptionReason,
    FrequencyPeriod,
    Grade,
    Handling,
    TrainingForm,
)
from .models import (
    Activity,
    Attachment,
    Attendance,
    FollowUpItem,
    FrequencyRule,
    LifeElsewhere,
    LifeExemption,
    ReviewEntry,
    ReviewRound,
    TrainingCourse,
    TrainingSession,
    VisitingGuest,
    Vote,
)

ACTIVITY_FIELDS = (
    "kind",
    "topic",
    "on",
    "start_time",
    "place",
    "host",
    "lecturer",
    "minutes",
    "resolutions",
)
DEFAULT_EXCELLENT_CAP_PERCENT = 30
ATTACHMENT_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
# What each kind of file starts with, so a renamed executable is not stored as a photo.
_MAGIC = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "application/pdf": (b"%PDF-",),
}
_ZIP = b"PK\x03\x04"
# An exemption from organizational life is reviewed at least once a year (local practice,
# with the annual democratic review; docs/organizational-life.md).
EXEMPTION_MAX_DAYS = 366


def _require_manage(actor: User, organization: Organization) -> None:
    if not scope_for(actor).can_manage_path(organization.path):
        raise PermissionDenied(_("您无权管理该党组织的组织生活。"))


def _check_activity(organization: Organization, data: Mapping[str, Any]) -> None:
    kind = data.get("kind")
    if kind in LEADERSHIP_KINDS:
        if organization.kind not in selectors.LEADERSHIP_ORG_KINDS:
            raise field_error(
                "kind",
                _("民主生活会和班子运行情况分析由党委（党工委）领导班子召开：请选择党委。"),
                code=ErrorCode.LEADERSHIP_ONLY,
            )
    elif organization.kind == OrgKind.LOCAL_COMMITTEE:
        raise field_error(
            "organization",
            _("请选择召开活动的党组织（党委、党总支、党支部或党小组）。"),
            code=ErrorCode.ORG_KIND,
        )
    if kind == ActivityKind.GROUP_MEETING and organization.kind != OrgKind.PARTY_GROUP:
        raise field_error(
            "kind", _("党小组会须由党小组召开：请选择党小组。"), code=ErrorCode.GROUP_ONLY
        )
    if organization.kind == OrgKind.PARTY_GROUP and kind not in (
        ActivityKind.GROUP_MEETING,
        ActivityKind.OTHER,
        ActivityKind.TALK,
        ActivityKind.HOME_EDUCATION,
    ):
        raise field_error(
            "kind",
            _("党小组只能召开党小组会、谈心谈话、送学上门或其他活动。"),
            code=ErrorCode.NOT_FOR_GROUP,
        )
    if not str(data.get("topic") or "").strip():
        raise field_error("topic", _("请填写活动主题。"), code=CoreErrorCode.REQUIRED)
    host = data.get("host")
    if host is not None and host.pk not in selectors.expected_member_ids(
        organization, ActivityKind.OTHER, data["on"]
    ):
        raise field_error("host", _("主持人须是活动当天本组织的党员。"), code=ErrorCode.HOST)


@transaction.atomic
def activity_create(
    *, actor: User, organization: Organization, data: Mapping[str, Any]
) -> Activity:
    """A planned activity (it appears on the calendar); `activity_record` records it as held."""
    _require_manage(actor, organization)
    _check_activity(organization, data)
    activity = Activity(
        organization=organization, recorded_by=actor if actor.is_authenticated else None
    )
    for name in ACTIVITY_FIELDS:
        if name in data:
            setattr(activity, name, data[name])
    activity.full_clean()
    activity.save()
    audit_record(actor=actor, action=AuditAction.CREATE, target=activity, summary=_("新建组织生活"))
    return activity


@transaction.atomic
def activity_update(*, actor: User, activity: Activity, data: Mapping[str, Any]) -> Activity:
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    _require_manage(actor, activity.organization)
    merged = {name: getattr(activity, name) for name in ACTIVITY_FIELDS} | dict(data)
    _check_activity(activity.organization, merged)
    if activity.is_held and (merged["on"] != activity.on or merged["kind"] != activity.kind):
        raise field_error(
            "on",
            _(
                "已召开的活动不能改日期或类型（出席名单按当天的组织关系生成）；如确有错误，请取消后重新录入。"
            ),
            code=ErrorCode.HELD,
        )
    for name in ACTIVITY_FIELDS:
        setattr(activity, name, merged[name])
    activity.full_clean()
    activity.save()
    audit_record(actor=actor, action=AuditAction.UPDATE, target=activity, summary=_("修改组织生活"))
    return activity


@transaction.atomic
def activity_cancel(*, actor: User, activity: Activity) -> Activity:
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    _require_manage(actor, activity.organization)
    if activity.is_held:
        raise ValidationError(_("已召开的活动不能取消。"), code=ErrorCode.HELD)
    activity.status = ActivityStatus.CANCELLED
    activity.save(update_fields=["status", "updated_at"])
    audit_record(actor=actor, action=AuditAction.UPDATE, target=activity, summary=_("取消组织生活"))
    return activity


@transaction.atomic
def activity_record(
    *,
    actor: User,
    activity: Activity,
    exceptions: Mapping[int, tuple[str, str]] | None = None,
    minutes: str | None = None,
    resolutions: str | None = None,
    visited: Sequence[int] | None = None,
) -> Activity:
    """Record the activity as held with its attendance, in one step: every expected attendee
    is present except those in `exceptions` ({member_id: (LEAVE|ABSENT, reason)}). Recording
    again replaces the expected attendees' rows; guests stay.

    送学上门 (`HOME_EDUCATION`) lists instead the members it was taken to (`visited`, from
    the organization's roster that day): only they are recorded, as present, and it counts
    as organizational life for them alone."""
    activity = (
        Activity.objects.select_for_update().select_related("organization").get(pk=activity.pk)
    )
    _require_manage(actor, activity.organization)
    if activity.status == ActivityStatus.CANCELLED:
        raise ValidationError(_("该活动已取消，不能记录出席。"), code=ErrorCode.CANCELLED)
    if activity.on > today():
        raise field_error(
            "on", _("活动日期还没到，召开后再记录出席情况。"), code=CoreErrorCode.FUTURE
        )
    exceptions = dict(exceptions or {})
    expected = selectors.expected_member_ids(activity.organization, activity.kind, activity.on)
    if activity.kind == ActivityKind.HOME_EDUCATION:
        chosen = set(visited or [])
        if not chosen:
            raise field_error(
                "visited", _("请勾选送学上门的对象（至少一名党员）。"), code=ErrorCode.NO_VISITED
            )
        if chosen - set(expected):
            raise field_error(
                "visited",
                _("送学上门的对象须是活动当天本组织的党员。"),
                code=ErrorCode.NOT_EXPECTED,
            )
        expected = sorted(chosen)
        exceptions = {}
    unknown = set(exceptions) - set(expected)
    if unknown:
        raise field_error(
            "exceptions", _("请假或缺席的人员须是本次活动的应到人员。"), code=ErrorCode.NOT_EXPECTED
        )
    errors: dict[str, list[str]] = {}
    for member_id, (status, reason) in exceptions.items():
        if status not in (AttendanceStatus.LEAVE, AttendanceStatus.ABSENT):
            errors.setdefault("exceptions", []).append(_("出席情况只能是请假或缺席。"))
        elif status == AttendanceStatus.LEAVE and not reason.strip():
            name = Member.objects.get(pk=member_id).name
            errors.setdefault(f"reason_{member_id}", []).append(
                _("请填写 %(name)s 的请假事由。") % {"name": name}
            )
    if errors:
        raise ValidationError(errors, code=CoreErrorCode.INVALID)
    full_on_day = set(
        Member.objects.filter(pk__in=expected, full_member_on__lte=activity.on).values_list(
            "pk", flat=True
        )
    )
    activity.attendance.filter(is_guest=False).delete()
    activity.attendance.filter(is_guest=True, member_id__in=expected).delete()
    Attendance.objects.bulk_create(
        Attendance(
            activity=activity,
            member_id=member_id,
            status=exceptions.get(member_id, (AttendanceStatus.PRESENT, ""))[0],
            reason=exceptions.get(member_id, ("", ""))[1].strip()[:200],
            can_vote=member_id in full_on_day,
        )
        for member_id in expected
    )
    activity.status = ActivityStatus.HELD
    if minutes is not None:
        activity.minutes = minutes
    if resolutions is not None:
        activity.resolutions = resolutions
    activity.recorded_by = actor if actor.is_authenticated else None
    activity.save()
    # Its rows, guests recorded before it was held included, carry the date it was held.
    activity.attendance.update(held_on=activity.on)
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        target=activity,
        summary=_("记录组织生活出席情况"),
        detail={"expected": len(expected), "exceptions": len(exceptions)},
    )
    return activity


# The target type of the audit event of each lookup of a guest by ID number (also the count
# the hourly limit reads).
GUEST_LOOKUP = "activities.guest_lookup"


def _not_yours() -> ValidationError:
    # One answer for "no such member", "a member elsewhere" and "not on a roster that day":
    # a bare ID number must not tell who is a party member, or where.
    return field_error(
        "id_number",
        _("该身份证号码不在您的管理范围内。其他党组织的党员请出示电子活动证，扫码登记。"),
        code=ErrorCode.GUEST_OUT_OF_SCOPE,
    )


def attendance_add_guest_by_id_number(
    *, actor: Any, activity: Activity, id_number: str
) -> Attendance:
    """A guest found by bare ID number: only a member the actor may read (another branch of
    the same township, for instance). Every lookup is audited, kept even when refused, and
    limited per hour; a member of another organization comes by their certificate."""
    _require_manage(actor, activity.organization)
    recent = audit_selectors.audit_count_recent(
        actor=actor, target_type=GUEST_LOOKUP, within=dt.timedelta(hours=1)
    )
    if recent >= settings.DANGJIAN_GUEST_LOOKUPS_PER_HOUR:
        raise field_error(
            "id_number",
            _("一小时内按身份证号码查找来宾的次数已达上限，请稍后再试，或扫描来宾的电子活动证。"),
            code=ErrorCode.GUEST_LOOKUP_LIMIT,
        )
    number = normalize_id_number(id_number)
    member = Member.objects.filter(id_number_hash=crypto.lookup_hash(number)).first()
    home = selectors.organization_on(member, activity.on) if member is not None else None
    found = home is not None and scope_for(actor).can_read_path(home.path)
    # Written in its own transaction, before the answer: a refusal is audited too.
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.REVEAL,
            target_type=GUEST_LOOKUP,
            summary=_("按身份证号码查找来宾"),
            detail={"activity": activity.pk, "found": found},
        )
    if not found or member is None:
        raise _not_yours()
    return attendance_add_guest(actor=actor, activity=activity, member=member)


@transaction.atomic
def life_exemption_grant(
    *,
    actor: Any,
    member: Member,
    reason_kind: str,
    reason: str,
    decision: str,
    decided_on: dt.date,
    review_on: dt.date,
) -> LifeExemption:
    """Record the branch's decision that a member who is old or ill need not attend
    organizational life until `review_on` (at most a year later). The member leaves the 党章
    art. 9 alert for life not attended until then; the archive keeps the decision."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    row = (
        Membership.objects.select_related("organization")
        .filter(member=member, ended_on__isnull=True)
        .first()
    )
    if row is None:
        raise ValidationError(_("该党员已不在党员名册中。"), code=CoreErrorCode.NOT_ON_ROSTER)
    _require_manage(actor, row.organization)
    errors: dict[str, str] = {}
    if reason_kind not in ExemptionReason.values:
        errors["reason_kind"] = _("请选择原因：年老体弱、患病或其他行动不便。")
    if not reason.strip():
        errors["reason"] = _("请写明具体情况（如长期卧床、行动不便）。")
    if not decision.strip():
        errors["decision"] = _("请填写支部决定（会议和日期）。")
    if decided_on > today():
        errors["decided_on"] = _("决定日期不能晚于今天。")
    if review_on <= decided_on:
        errors["review_on"] = _("复核日期须晚于决定日期。")
    elif (review_on - decided_on).days > EXEMPTION_MAX_DAYS:
        errors["review_on"] = _("复核日期最迟为决定后一年，到期由支部重新决定。")
    if errors:
        raise ValidationError(errors)
    running = LifeExemption.objects.filter(
        member=member, decided_on__lte=decided_on, review_on__gt=decided_on
    ).first()
    if running is not None:
        raise field_error(
            "decided_on",
            _("该党员已有免于参加组织生活的决定，至 %(day)s 复核；到期后再作新的决定。")
            % {"day": running.review_on.isoformat()},
            code=ErrorCode.EXEMPTION_RUNNING,
        )
    exemption = LifeExemption.objects.create(
        member=member,
        organization=row.organization,
        reason_kind=reason_kind,
        reason=reason.strip()[:300],
        decision=decision.strip()[:200],
        decided_on=decided_on,
        review_on=review_on,
        recorded_by=actor if actor.is_authenticated else None,
    )
    member_services.archive_add(
        member=member,
        actor=actor,
        kind=ArchiveKind.UPDATED,
        summary=_("经支部决定免于参加组织生活（%(why)s），%(day)s 复核")
        % {"why": ExemptionReason(reason_kind).label, "day": review_on.isoformat()},
        after={
            "life_exemption": ExemptionReason(reason_kind).value,
            "review_on": review_on.isoformat(),
            "decision": exemption.decision,
        },
        reason=exemption.reason,
        effective_on=decided_on,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        target=exemption,
        summary=f"life exemption {member.pk} until {review_on}",
    )
    return exemption


@transaction.atomic
def attendance_add_guest(
    *,
    actor: User,
    activity: Activity,
    member: Member,
    via: str = "manual",
    certificate_serial: str = "",
) -> Attendance:
    """A member of another organization attended (列席; a mobile member, for instance). The row
    shows in the member's own organizational life; guests never count toward the quorum.

    Without a verified certificate (`via` certificate, with its serial) the member must be one
    the actor may read: nothing is written into another organization's member on a bare
    number, and the refusal names nobody."""
    activity = (
        Activity.objects.select_for_update().select_related("organization").get(pk=activity.pk)
    )
    _require_manage(actor, activity.organization)
    if via not in AttendanceVia.values:
        raise field_error("via", _("记录方式不对。"), code=ErrorCode.VIA)
    home = selectors.organization_on(member, activity.on)
    verified = via == AttendanceVia.CERTIFICATE and bool(certificate_serial)
    if not verified and (home is None or not scope_for(actor).can_read_path(home.path)):
        raise _not_yours()
    if activity.status == ActivityStatus.CANCELLED:
        raise ValidationError(_("该活动已取消，不能记录出席。"), code=ErrorCode.CANCELLED)
    if activity.on > today():
        raise ValidationError(_("活动还没召开，不能登记来宾。"), code=CoreErrorCode.FUTURE)
    if member.pk in selectors.expected_member_ids(
        activity.organization, activity.kind, activity.on
    ):
        raise field_error(
            "member",
            _("%(name)s 是本次活动的应到人员，不是来宾。") % {"name": member.name},
            code=ErrorCode.EXPECTED,
        )
    if home is None:
        raise field_error(
            "member",
            _("活动当天 %(name)s 不在任何党组织的名册中。") % {"name": member.name},
            code=ErrorCode.NO_HOME,
        )
    if activity.attendance.filter(member=member).exists():
        raise field_error(
            "member",
            _("已登记 %(name)s 出席本次活动。") % {"name": member.name},
            code=CoreErrorCode.DUPLICATE,
        )
    row = Attendance.objects.create(
        activity=activity,
        member=member,
        is_guest=True,
        home_organization=home,
        via=via,
        certificate_serial=certificate_serial[:64],
        held_on=activity.on if activity.is_held else None,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        target=row,
        summary=_("登记来宾出席"),
        detail={"activity": activity.pk, "via": via, "certificate_serial": certificate_serial},
    )
    return row


@transaction.atomic
def visiting_guest_add(
    *,
    actor: User,
    activity: Activity,
    name: str,
    home_issuer: str,
    home_organization_code: str,
    certificate_serial: str,
    member_public_id: uuid.UUID,
) -> VisitingGuest:
    """A guest from another deployment, on a certificate the caller (dangjian.certificates) has
    verified as valid and issued by a trusted deployment: no ID number, no member row here."""
    activity = (
        Activity.objects.select_for_update().select_related("organization").get(pk=activity.pk)
    )
    _require_manage(actor, activity.organization)
    if activity.status == ActivityStatus.CANCELLED:
        raise ValidationError(_("该活动已取消，不能记录出席。"), code=ErrorCode.CANCELLED)
    if activity.on > today():
        raise ValidationError(_("活动还没召开，不能登记来宾。"), code=CoreErrorCode.FUTURE)
    if VisitingGuest.objects.filter(
        activity=activity, home_issuer=home_issuer, member_public_id=member_public_id
    ).exists():
        raise field_error(
            "member",
            _("已登记 %(name)s 出席本次活动。") % {"name": name},
            code=CoreErrorCode.DUPLICATE,
        )
    row = VisitingGuest.objects.create(
        activity=activity,
        name=name[:60],
        home_issuer=home_issuer[:64],
        home_organization_code=home_organization_code[:64],
        certificate_serial=certificate_serial[:16],
        member_public_id=member_public_id,
        recorded_by=actor if actor.is_authenticated else None,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        target=row,
        summary=_("登记外系统来宾出席"),
        detail={
            "activity": activity.pk,
            "home_issuer": home_issuer,
            "certificate_serial": certificate_serial,
        },
    )
    return row


@transaction.atomic
def visiting_guest_remove(*, actor: User, guest: VisitingGuest) -> None:
    """Remove a guest recorded by mistake, while no receipt has carried it home."""
    _require_manage(actor, guest.activity.organization)
    if guest.exported_at is not None:
        raise ValidationError(
            _("该来宾的出席回执已经导出，不能删除。"), code=ErrorCode.RECEIPT_EXPORTED
        )
    audit_record(actor=actor, action=AuditAction.DELETE, target=guest, summary=_("删除外系统来宾"))
    guest.delete()


def visiting_guests_mark_exported(
    guests: Sequence[VisitingGuest], *, receipt_sha256: str, at: dt.datetime
) -> None:
    """The receipt `receipt_sha256` carries these guests home (the exporting service audits)."""
    VisitingGuest.objects.filter(pk__in=[g.pk for g in guests]).update(
        receipt_sha256=receipt_sha256, exported_at=at
    )


@dataclass(frozen=True)
class LifeCredit:
    """One entry of an attendance receipt, checked by the importing service."""

    member: Member
    organization: Organization  # the branch that holds the member now
    on: dt.date
    kind: str
    topic: str
    host_organization: str
    place: str
    certificate_serial: str
    entry_id: uuid.UUID


def life_elsewhere_credit(
    *, actor: User, host_issuer: str, receipt_sha256: str, credits: Sequence[LifeCredit]
) -> list[LifeElsewhere]:
    """Credit organizational life attended at another deployment (the caller verified the
    signed receipt, checked each entry and audits the import): a row per entry and an entry in
    each member's archive. Runs inside the caller's transaction."""
    rows = LifeElsewhere.objects.bulk_create(
        LifeElsewhere(
            member=c.member,
            organization=c.organization,
            on=c.on,
            kind=c.kind if c.kind in ActivityKind.values else ActivityKind.OTHER,
            topic=c.topic[:200],
            host_issuer=host_issuer[:64],
            host_organization=c.host_organization[:200],
            place=c.place[:200],
            certificate_serial=c.certificate_serial[:16],
            entry_id=c.entry_id,
            receipt_sha256=receipt_sha256,
        )
        for c in credits
    )
    member_services.archive_add_many(
        actor=actor,
        entries=[
            ArchiveEntry(
                member=c.member,
                kind=ArchiveKind.LIFE_ELSEWHERE,
                summary=(
                    _(
                        "在 %(issuer)s %(host)s 参加%(kind)s（%(topic)s），凭电子活动证 %(serial)s 登记"
                    )
                    % {
                        "issuer": host_issuer,
                        "host": c.host_organization,
                        "kind": ActivityKind(r.kind).label,
                        "topic": c.topic,
                        "serial": c.certificate_serial.upper(),
                    }
                )[:300],
                after={"host_issuer": host_issuer, "receipt_sha256": receipt_sha256},
                effective_on=c.on,
            )
            for c, r in zip(credits, rows, strict=True)
        ],
    )
    return rows


@transaction.atomic
def attendance_remove_guest(*, actor: User, attendance: Attendance) -> None:
    _require_manage(actor, attendance.activity.organization)
    if not attendance.is_guest:
        raise ValidationError(_("应到人员请在出席登记中标为请假或缺席。"), code=ErrorCode.NOT_GUEST)
    audit_record(
        actor=actor, action=AuditAction.DELETE, target=attendance, summary=_("删除来宾出席")
    )
    attendance.delete()


@transaction.atomic
def vote_record(
    *, actor: User, activity: Activity, subject: str, in_favour: int, against: int, abstained: int
) -> Vote:
    """A vote at a branch general meeting. The meeting must have its quorum (more than half of
    the full members entitled to vote present); the motion passes when more than half of
    those entitled vote in favour (党章 art. 5 and 支部工作条例)."""
    activity = (
        Activity.objects.select_for_update().select_related("organization").get(pk=activity.pk)
    )
    _require_manage(actor, activity.organization)
    if activity.kind != ActivityKind.GENERAL_MEETING:
        raise ValidationError(_("只有支部党员大会进行表决。"), code=ErrorCode.NOT_GENERAL_MEETING)
    if not activity.is_held:
        raise ValidationError(_("请先记录出席情况，再记录表决结果。"), code=ErrorCode.NOT_HELD)
    q = selectors.quorum(activity)
    if not q.met:
        raise ValidationError(
            _("到会有表决权的党员 %(present)d 人，未超过应到会 %(entitled)d 人的半数，不能表决。")
            % {"present": q.present, "entitled": q.entitled},
            code=ErrorCode.NO_QUORUM,
        )
    if not subject.strip():
        raise field_error("subject", _("请填写表决事项。"), code=CoreErrorCode.REQUIRED)
    if min(in_favour, against, abstained) < 0:
        raise field_error("in_favour", _("票数不能为负数。"), code=CoreErrorCode.NEGATIVE)
    if in_favour + against + abstained > q.present:
        raise field_error(
            "in_favour",
            _("赞成、反对、弃权合计 %(sum)d，超过到会有表决权的党员 %(present)d 人。")
            % {"sum": in_favour + against + abstained, "present": q.present},
            code=ErrorCode.TOO_MANY,
        )
    vote = Vote.objects.create(
        activity=activity,
        subject=subject.strip()[:200],
        entitled=q.entitled,
        present=q.present,
        in_favour=in_favour,
        against=against,
        abstained=abstained,
        passed=in_favour * 2 > q.entitled,
    )
    audit_record(actor=actor, action=AuditAction.CREATE, target=vote, summary=_("记录表决结果"))
    return vote


@transaction.atomic
def follow_up_add(
    *,
    actor: User,
    activity: Activity,
    text: str,
    responsible: str,
    deadline: dt.date,
) -> FollowUpItem:
    """An 整改事项 of a leadership team's meeting (民主生活会, 班子运行情况分析), once held."""
    activity = (
        Activity.objects.select_for_update().select_related("organization").get(pk=activity.pk)
    )
    _require_manage(actor, activity.organization)
    if activity.kind not in LEADERSHIP_KINDS:
        raise ValidationError(
            _("只有民主生活会和班子运行情况分析记录整改事项。"), code=ErrorCode.LEADERSHIP_ONLY
        )
    if not activity.is_held:
        raise ValidationError(_("请先记录会议召开情况，再记录整改事项。"), code=ErrorCode.NOT_HELD)
    if not text.strip():
        raise field_error("text", _("请填写整改事项。"), code=CoreErrorCode.REQUIRED)
    if not responsible.strip():
        raise field_error("responsible", _("请填写责任人。"), code=CoreErrorCode.REQUIRED)
    if deadline < activity.on:
        raise field_error("deadline", _("整改时限不能早于会议日期。"), code=ErrorCode.ORDER)
    item = FollowUpItem.objects.create(
        activity=activity,
        text=text.strip()[:300],
        responsible=responsible.strip()[:60],
        deadline=deadline,
    )
    audit_record(actor=actor, action=AuditAction.CREATE, target=item, summary=_("记录整改事项"))
    return item


@transaction.atomic
def follow_up_done(*, actor: User, item: FollowUpItem, done_on: dt.date) -> FollowUpItem:
    """Mark an 整改事项 done on a day (not before the meeting, not in the future)."""
    item = (
        FollowUpItem.objects.select_for_update()
        .select_related("activity__organization")
        .get(pk=item.pk)
    )
    _require_manage(actor, item.activity.organization)
    if item.done_on is not None:
        raise ValidationError(_("该整改事项已完成。"), code=ErrorCode.DONE)
    if not item.activity.on <= done_on <= today():
        raise field_error("done_on", _("完成日期须在会议日期和今天之间。"), code=ErrorCode.RANGE)
    item.done_on = done_on
    item.save(update_fields=["done_on", "updated_at"])
    audit_record(actor=actor, action=AuditAction.UPDATE, target=item, summary=_("整改事项完成"))
    return item


@transaction.atomic
def attachment_add(*, actor: User, activity: Activity, upload: UploadedFile) -> Attachment:
    """Store a photo or document under MEDIA_ROOT (never at a public URL)."""
    _require_manage(actor, activity.organization)
    name = (upload.name or "").rsplit("/", 1)[-1]
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    content_type = ATTACHMENT_TYPES.get(suffix)
    if content_type is None:
        raise field_error(
            "file",
            _("只能上传 JPG、PNG 照片或 PDF、Word(docx)、Excel(xlsx) 文件。"),
            code=ErrorCode.TYPE,
        )
    if (upload.size or 0) > ATTACHMENT_MAX_BYTES:
        raise field_error("file", _("文件不能超过 10 MB，请压缩后再上传。"), code=ErrorCode.SIZE)
    if not upload.size:
        raise field_error("file", _("文件是空的。"), code=ErrorCode.EMPTY)
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    magic = _MAGIC.get(content_type, (_ZIP,))
    if not any(head.startswith(m) for m in magic):
        raise field_error(
            "file",
            _("文件内容与扩展名 .%(suffix)s 不符。") % {"suffix": suffix},
            code=ErrorCode.CONTENT,
        )
    attachment = Attachment(
        activity=activity,
        original_name=name[:200],
        content_type=content_type,
        size=upload.size,
        uploaded_by=actor if actor.is_authenticated else None,
    )
    attachment.file.save(name, upload, save=False)
    attachment.save()
    audit_record(actor=actor, action=AuditAction.CREATE, target=attachment, summary=_("上传附件"))
    return attachment


@transaction.atomic
def frequency_update(
    *, actor: User, kind: str, period: str, times: int, active: bool
) -> FrequencyRule:
    """Change the frequency table (deployment-wide): only an administrator of a top organization."""
    scope = scope_for(actor)
    if not any(
        scope.can_manage_path(o.path) for o in Organization.objects.filter(parent__isnull=True)
    ):
        raise PermissionDenied(_("只有最上级党组织的管理员可以修改组织生活频次。"))
    if period not in FrequencyPeriod.values:
        raise field_error(
            "period", _("周期只能是每月、每季度、每半年或每年。"), code=ErrorCode.PERIOD
        )
    if not 1 <= times <= 31:
        raise field_error("times", _("次数须在 1 到 31 之间。"), code=ErrorCode.TIMES)
    selectors.frequency_rules()
    rule, _created = FrequencyRule.objects.update_or_create(
        kind=kind, defaults={"period": period, "times": times, "active": active}
    )
    audit_record(actor=actor, action=AuditAction.UPDATE, target=rule, summary=_("修改组织生活频次"))
    return rule


# --- 民主评议党员 ---------------------------------------------------------------------------


def excellent_cap_default() -> int:
    return int(
        getattr(settings, "DANGJIAN_REVIEW_EXCELLENT_CAP_PERCENT", DEFAULT_EXCELLENT_CAP_PERCENT)
    )


@transaction.atomic
def review_open(
    *, actor: User, organization: Organization, year: int, excellent_cap_percent: int | None = None
) -> ReviewRound:
    """Open the year's review for a branch: one entry per member on its roster."""
    _require_manage(actor, organization)
    if organization.kind == OrgKind.PARTY_GROUP or organization.kind == OrgKind.LOCAL_COMMITTEE:
        raise field_error("organization", _("民主评议由党支部组织。"), code=ErrorCode.ORG_KIND)
    if year > today().year:
        raise field_error("year", _("不能为将来的年度开展评议。"), code=CoreErrorCode.FUTURE)
    if ReviewRound.objects.filter(organization=organization, year=year).exists():
        raise field_error(
            "year",
            _("%(year)d 年度的民主评议已经开始。") % {"year": year},
            code=CoreErrorCode.DUPLICATE,
        )
    cap = excellent_cap_default() if excellent_cap_percent is None else excellent_cap_percent
    if not 0 <= cap <= 100:
        raise field_error(
            "excellent_cap_percent", _("优秀比例上限须在 0 到 100 之间。"), code=ErrorCode.CAP
        )
    review = ReviewRound.objects.create(
        organization=organization, year=year, excellent_cap_percent=cap
    )
    on = min(today(), dt.date(year, 12, 31))
    member_ids = selectors.expected_member_ids(organization, ActivityKind.REVIEW_MEETING, on)
    ReviewEntry.objects.bulk_create(ReviewEntry(review=review, member_id=m) for m in member_ids)
    audit_record(actor=actor, action=AuditAction.CREATE, target=review, summary=_("开始民主评议"))
    return review


@transaction.atomic
def review_self_assess(*, actor: User, entry: ReviewEntry, text: str) -> ReviewEntry:
    """The member writes their own self-assessment (or the branch enters it for them)."""
    entry = ReviewEntry.objects.select_related("member", "review__organization").get(pk=entry.pk)
    own = entry.member.user_id is not None and entry.member.user_id == actor.pk
    if not own:
        _require_manage(actor, entry.review.organization)
    if not text.strip():
        raise field_error("self_assessment", _("请填写自我评价。"), code=CoreErrorCode.REQUIRED)
    entry.self_assessment = text.strip()
    entry.save(update_fields=["self_assessment"])
    audit_record(actor=actor, action=AuditAction.UPDATE, target=entry, summary=_("填写自我评价"))
    return entry


def excellent_cap(review: ReviewRound, total: int) -> int:
    """The most members that may be graded 优秀: the cap share of those reviewed, rounded down."""
    return total * review.excellent_cap_percent // 100


@transaction.atomic
def review_grade(*, actor: User, review: ReviewRound, grades: Mapping[int, str]) -> ReviewRound:
    """The branch's grades ({member_id: grade}); the share of 优秀 may not exceed the cap."""
    review = (
        ReviewRound.objects.select_for_update().select_related("organization").get(pk=review.pk)
    )
    _require_manage(actor, review.organization)
    entries = {e.member_id: e for e in review.entries.all()}
    if set(grades) - set(entries):
        raise field_error(
            "grades", _("只能为本次评议的党员评定等次。"), code=ErrorCode.NOT_REVIEWED
        )
    for member_id, grade in grades.items():
        if grade and grade not in Grade.values:
            raise field_error(
                "grades", _("等次只能是优秀、合格、基本合格或不合格。"), code=ErrorCode.GRADE
            )
        entry = entries[member_id]
        if entry.handling and grade != Grade.UNQUALIFIED:
            raise field_error(
                "grades",
                _("%(name)s 已按不合格作出处置，不能改为其他等次。") % {"name": entry.member.name},
                code=ErrorCode.HANDLED,
            )
        entry.grade = grade
    excellent = sum(1 for e in entries.values() if e.grade == Grade.EXCELLENT)
    cap = excellent_cap(review, len(entries))
    if excellent > cap:
        raise field_error(
            "grades",
            _(
                "评为优秀的有 %(n)d 人，超过上限 %(cap)d 人（参评 %(total)d 人的 %(percent)d%%）。请减少优秀人数。"
            )
            % {
                "n": excellent,
                "cap": cap,
                "total": len(entries),
                "percent": review.excellent_cap_percent,
            },
            code=ErrorCode.CAP,
        )
    ReviewEntry.objects.bulk_update(list(entries.values()), ["grade"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        target=review,
        summary=_("评定民主评议等次"),
        detail={"graded": len(grades)},
    )
    return review


@transaction.atomic
def review_handle(
    *,
    actor: User,
    entry: ReviewEntry,
    handling: str,
    on: dt.date,
    reason: str,
    withdrew: bool = False,
) -> ReviewEntry:
    """The handling decided for a member graded 不合格, written to the member's archive.
    除名 takes the member off the roster (减少方式 除名); 劝其退党 does when the member withdrew
    (退党), and otherwise stays a decision on record; 限期改正 keeps the member."""
    entry = (
        ReviewEntry.objects.select_for_update()
        .select_related("member", "review__organization")
        .get(pk=entry.pk)
    )
    _require_manage(actor, entry.review.organization)
    if entry.grade != Grade.UNQUALIFIED:
        raise field_error(
            "handling", _("只有评为不合格的党员才作处置。"), code=ErrorCode.NOT_UNQUALIFIED
        )
    if entry.handling:
        raise field_error(
            "handling",
            _("已作出处置：%(h)s。") % {"h": Handling(entry.handling).label},
            code=ErrorCode.HANDLED,
        )
    if handling not in Handling.values:
        raise field_error(
            "handling", _("处置只能是限期改正、劝其退党或除名。"), code=ErrorCode.HANDLING
        )
    if not reason.strip():
        raise field_error(
            "reason", _("请填写处置依据（如支部大会决议）。"), code=CoreErrorCode.REQUIRED
        )
    if on > today():
        raise field_error("on", _("处置日期不能晚于今天。"), code=CoreErrorCode.FUTURE)
    entry.handling = handling
    entry.handling_on = on
    entry.handling_reason = reason.strip()[:300]
    entry.save(update_fields=["handling", "handling_on", "handling_reason"])
    label = Handling(handling).label
    ArchiveEntry.objects.create(
        member=entry.member,
        actor=actor if actor.is_authenticated else None,
        kind=ArchiveKind.UPDATED,
        summary=(
            _("%(year)d年度民主评议：不合格，%(handling)s")
            % {"year": entry.review.year, "handling": label}
        )[:300],
        after={"民主评议": f"{entry.review.year} {Grade.UNQUALIFIED.label}", "处置": str(label)},
        reason=entry.handling_reason,
        effective_on=on,
    )
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        target=entry,
        summary=_("不合格党员处置"),
        detail={"handling": handling},
    )
    removal = None
    if handling == Handling.STRIKE_OFF:
        removal = HowRemoved.STRUCK_OFF
    elif handling == Handling.PERSUADE and withdrew:
        removal = HowRemoved.WITHDREW
    on_roster = Membership.objects.filter(member=entry.member, ended_on__isnull=True).exists()
    if removal is not None and on_roster:
        member_services.member_remove(
            actor=actor,
            member=entry.member,
            how_removed=removal,
            on=on,
            reason=entry.handling_reason,
        )
    return entry


# --- training -----------------------------------------------------------------------------


@transaction.atomic
def course_create(
    *,
    actor: User,
    organization: Organization,
    title: str,
    form: str,
    starts_on: dt.date,
    ends_on: dt.date,
) -> TrainingCourse:
    _require_manage(actor, organization)
    if form not in TrainingForm.values:
        raise field_error(
            "form", _("培训形式只能是集中培训、党校或网络培训。"), code=ErrorCode.FORM
        )
    if not title.strip():
        raise field_error("title", _("请填写培训名称。"), code=CoreErrorCode.REQUIRED)
    if ends_on < starts_on:
        raise field_error("ends_on", _("结束日期不能早于开始日期。"), code=ErrorCode.ORDER)
    course = TrainingCourse.objects.create(
        organization=organization,
        title=title.strip(),
        form=form,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    audit_record(actor=actor, action=AuditAction.CREATE, target=course, summary=_("新建培训班"))
    return course


@transaction.atomic
def session_add(
    *,
    actor: User,
    course: TrainingCourse,
    on: dt.date,
    topic: str,
    hours: Decimal,
    participants: Sequence[Member],
) -> TrainingSession:
    """A session with its class hours and who took part (members in the course's subtree)."""
    _require_manage(actor, course.organization)
    if not course.starts_on <= on <= course.ends_on:
        raise field_error("on", _("课次日期须在培训班起止日期之内。"), code=ErrorCode.RANGE)
    if not Decimal("0.5") <= hours <= Decimal("12"):
        raise field_error("hours", _("每次课的学时须在 0.5 到 12 之间。"), code=CoreErrorCode.HOURS)
    if not topic.strip():
        raise field_error("topic", _("请填写课次内容。"), code=CoreErrorCode.REQUIRED)
    allowed = set(
        Membership.objects.within(course.organization)
        .filter(started_on__lte=on)
        .values_list("member_id", flat=True)
    )
    outside = [m.name for m in participants if m.pk not in allowed]
    if outside:
        raise field_error(
            "participants",
            _("%(names)s 不是本组织的党员。") % {"names": "、".join(outside)},
            code=CoreErrorCode.OUTSIDE,
        )
    session = TrainingSession.objects.create(course=course, on=on, topic=topic.strip(), hours=hours)
    session.participants.set(participants)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        target=session,
        summary=_("记录培训课次"),
        detail={"participants": len(participants)},
    )
    return session


LEDGER_FORMATS = ("xlsx", "pdf")


def ledger_export(*, actor: User, organization: Organization, year: int, fmt: str) -> bytes:
    """The organization's ledger of organizational life for a year, as .xlsx or .pdf; the
    export is audited."""
    if fmt not in LEDGER_FORMATS:
        raise ValueError(fmt)
    if not scope_for(actor).can_read_path(organization.path):
        raise PermissionDenied
    audit_record(
        actor=actor,
        action=AuditAction.EXPORT,
        target=organization,
        summary=_("导出组织生活台账"),
        detail={"year": year, "format": fmt},
    )
    if fmt == "xlsx":
        return ledger.ledger_xlsx(organization, year)
    return ledger.ledger_pdf(organization, year)


LEDGER_EXPORT = "activities.ledger"


def ledger_export_start(
    *, actor: User, organization: Organization, year: int, fmt: str, rows: int
) -> ExportJob:
    """Ask the worker for a large ledger (decision 0265); audited as the export."""
    if fmt not in LEDGER_FORMATS:
        raise ValueError(fmt)
    if not scope_for(actor).can_read_path(organization.path):
        raise PermissionDenied
    return core_exports.export_start(
        actor=actor,
        kind=LEDGER_EXPORT,
        title=_("%(org)s %(year)d年组织生活台账") % {"org": organization.name, "year": year},
        file_name=f"ledger-{organization.code}-{year}.{fmt}",
        params={"organization": organization.pk, "year": year, "format": fmt},
        total_rows=rows,
        summary=_("导出组织生活台账"),
        detail={"year": year, "format": fmt, "organization": organization.pk},
        target_type=Organization._meta.label_lower,
    )


def ledger_export_write(job: ExportJob, stream: BinaryIO, progress: Callable[[int], None]) -> int:
    """The producer of a background ledger: the asker's scope as it is now."""
    organization = Organization.objects.get(pk=job.params["organization"])
    if not scope_for(job.created_by).can_read_path(organization.path):
        raise PermissionDenied(_("您已无权查看该党组织，台账没有生成。"))
    year, fmt = job.params["year"], job.params["format"]
    body = (
        ledger.ledger_xlsx(organization, year)
        if fmt == "xlsx"
        else ledger.ledger_pdf(organization, year)
    )
    stream.write(body)
    progress(job.total_rows)
    return job.total_rows


def ledger_size(*, organization: Organization, year: int) -> int:
    """How many rows the ledger has (the activities held): large ones go to the worker."""
    return ledger.held(organization, year).count()


def training_coverage_export(*, actor: User, organization: Organization, year: int) -> bytes:
    """The training coverage page as .xlsx: the groups, every untrained person by group and
    organization (the page shows the first 200) and each organization; the export is audited."""
    if not scope_for(actor).can_read_path(organization.path):
        raise PermissionDenied
    from dangjian.core.workbooks import table_xlsx

    coverage = selectors.training_coverage(organization, year)
    title = _("%(org)s %(year)d 年培训覆盖（截至 %(day)s）") % {
        "org": organization.name,
        "year": year,
        "day": coverage.on.isoformat(),
    }
    untrained = [
        [str(g.label), p.organization, p.name] for g in coverage.groups for p in g.untrained
    ]
    body = table_xlsx(
        [
            (
                _("分组"),
                [_("分组"), _("人数"), _("已参训"), _("未参训"), _("达到学时要求"), _("要求学时")],
                [
                    [str(g.label), g.people, g.trained, g.untrained_count, g.met, g.required]
                    for g in coverage.groups
                ],
                title,
            ),
            (_("未参训人员"), [_("分组"), _("党组织"), _("姓名")], untrained, title),
            (
                _("各党组织"),
                [_("党组织"), _("党员"), _("未参训"), _("未达学时要求"), _("书记已参训")],
                [
                    [
                        r.name,
                        r.members,
                        r.untrained_members,
                        r.below_required,
                        "—"
                        if r.secretary_trained is None
                        else (_("是") if r.secretary_trained else _("否")),
                    ]
                    for r in coverage.organizations
                ],
                title,
            ),
        ]
    )
    audit_record(
        actor=actor,
        action=AuditAction.EXPORT,
        target=organization,
        summary=_("导出培训覆盖"),
        detail={"year": year, "untrained": len(untrained)},
    )
    return body
