"""Mobile members: outflows (流出, registered at home), their contacts and return, and
inflows (流入, registered at the host). Each is atomic, checks scope and writes its archive
entry and audit event."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.accounts.models import User
from dangjian.accounts.scope import scope_for
from dangjian.audit.choices import AuditAction
from dangjian.audit.services import audit_record
from dangjian.core.dates import today
from dangjian.core.errors import field_error
from dangjian.members import services as member_services
from dangjian.members.choices import (
    ArchiveKind,
    MemberStatus,
)
from dangjian.members.models import Member, Membership
from dangjian.organizations.models import Organization
from dangjian.transfers.error_codes import ErrorCode

from . import services
from .choices import OutflowReason
from .models import Inflow, Outflow, OutflowReport


@transaction.atomic
def outflow_create(
    *,
    actor: User,
    member: Member,
    region_code: str,
    left_on: dt.date,
    reason: OutflowReason,
    city: str = "",
    work_unit: str = "",
    contact: str = "",
    host_organization: Organization | None = None,
    host_organization_name: str = "",
) -> Outflow:
    """Register a member as working or living elsewhere (流出); they stay on the home roster.

    The contact starts from the member's phone: left blank, it is the phone on the record
    (the form shows it prefilled, `outflow_contact_prefill`); anything typed replaces it."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    home = services._member_organization(member)
    if not services._can_manage(actor, home):
        raise PermissionDenied(_("只有党员所在党组织的管理人员可以登记流出。"))
    from .regions import region_name

    errors: dict[str, str] = {}
    if region_name(region_code) == region_code:
        errors["region_code"] = _("请选择流入地（省或地市）。")
    if left_on > today():
        errors["left_on"] = _("外出日期不能晚于今天。")
    if errors:
        raise ValidationError(errors)
    outflow = Outflow(
        member=member,
        home_organization=home,
        region_code=region_code,
        city=city.strip(),
        work_unit=work_unit.strip(),
        left_on=left_on,
        reason=reason,
        contact=contact.strip() or member.phone,
        host_organization=host_organization,
        host_organization_name=(
            host_organization.name if host_organization else host_organization_name.strip()
        ),
        last_contact_on=left_on,
    )
    try:
        with transaction.atomic():
            outflow.save()
    except IntegrityError as exc:
        raise ValidationError(
            _("该党员已登记为流出党员，请先登记返回。"), code=ErrorCode.OPEN_OUTFLOW
        ) from exc
    if member.status == MemberStatus.NORMAL:
        member_services.member_change_status(
            actor=actor,
            member=member,
            status=MemberStatus.MOBILE,
            reason=_("外出到 %(region)s（%(reason)s）")
            % {"region": region_name(region_code), "reason": OutflowReason(reason).label},
        )
    if outflow.host_organization_name:
        summary = _("登记流出：外出到 %(place)s（%(reason)s），在 %(host)s 参加组织生活") % {
            "place": services._outflow_place(outflow),
            "reason": OutflowReason(reason).label,
            "host": outflow.host_organization_name,
        }
    else:
        summary = _("登记流出：外出到 %(place)s（%(reason)s）") % {
            "place": services._outflow_place(outflow),
            "reason": OutflowReason(reason).label,
        }
    member_services.archive_add(
        member=member, actor=actor, kind=ArchiveKind.MOBILE, summary=summary, effective_on=left_on
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        target=outflow,
        summary=_("登记流出党员 %(name)s") % {"name": member.name},
        detail={"region_code": region_code},
    )
    return outflow


def outflow_contact_prefill(*, actor: User, member: Member) -> str:
    """The member's phone to prefill the outflow's contact, for a role that may see it in
    full: putting the number in the form shows it, so the reveal is audited. Empty for a
    role that may not (the service still takes the phone when the field is left blank)."""
    home = (
        Membership.objects.select_related("organization")
        .filter(member=member, ended_on__isnull=True)
        .first()
    )
    if home is None or not member.phone:
        return ""  # off the roster: the service refuses the outflow itself
    if not scope_for(actor).can_reveal_path(home.organization.path):
        return ""
    audit_record(
        actor=actor,
        action=AuditAction.REVEAL,
        target=member,
        summary=_("登记流出时预填 %(name)s 的联系电话") % {"name": member.name},
        detail={"field": "phone"},
    )
    return member.phone


def _locked_outflow(outflow: Outflow) -> Outflow:
    return (
        Outflow.objects.select_for_update(of=("self",))
        .select_related("member", "home_organization")
        .get(pk=outflow.pk)
    )


@transaction.atomic
def outflow_contact(*, actor: User, outflow: Outflow, on: dt.date, note: str = "") -> Outflow:
    """Record a contact or a report from a mobile member (the follow-up date)."""
    outflow = _locked_outflow(outflow)
    if not services._can_manage(actor, outflow.home_organization):
        raise PermissionDenied
    if on > today() or on < outflow.left_on:
        raise field_error("on", _("联系日期须在外出之后，且不晚于今天。"), code=ErrorCode.BAD_DATE)
    if on > outflow.last_contact_on:
        outflow.last_contact_on = on
        outflow.save(update_fields=["last_contact_on", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        target=outflow,
        summary=_("记录与流出党员 %(name)s 的联系") % {"name": outflow.member.name},
        detail={"on": on.isoformat(), "note": note[:200]},
    )
    return outflow


def own_open_outflow(user: Any) -> Outflow | None:
    """The signed-in member's own open outflow (None: not a mobile member, or no member)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        Outflow.objects.filter(member__user_id=user.pk, returned_on__isnull=True)
        .select_related("member", "home_organization")
        .first()
    )


@transaction.atomic
def outflow_self_report(
    *,
    actor: User,
    region_code: str,
    city: str = "",
    work_unit: str = "",
    contact: str = "",
    well: bool = True,
    note: str = "",
) -> OutflowReport:
    """A mobile member reports where they are and how they are (近况报告), from /me/.

    Only the member themself reports, on their own open outflow. The outflow takes the place,
    work unit and contact; the report keeps what it replaced (history) and counts as contact
    today, so the "not heard from" alert ends. Offered, never demanded: nothing reminds or
    ranks members who do not report."""
    current = own_open_outflow(actor)
    if current is None:
        raise PermissionDenied(_("只有登记为流出的党员本人可以报告近况。"))
    outflow = _locked_outflow(current)
    if outflow.returned_on is not None:  # returned meanwhile
        raise ValidationError(_("您的流出登记已结束。"), code=ErrorCode.ALREADY_RETURNED)
    from .regions import region_name

    if region_name(region_code) == region_code:
        raise field_error("region_code", _("请选择所在地（省或地市）。"), code=ErrorCode.BAD_REGION)
    previous = {
        "region_code": outflow.region_code,
        "city": outflow.city,
        "work_unit": outflow.work_unit,
    }
    report = OutflowReport(
        outflow=outflow,
        region_code=region_code,
        city=city.strip(),
        work_unit=work_unit.strip(),
        contact=contact.strip(),
        well=well,
        note=note.strip(),
        previous=previous,
    )
    report.full_clean()
    report.save()
    place_before = services._outflow_place(outflow)
    # The archive's before/after: the work unit and the contact phone (sealed and shown masked,
    # as the member's own phone is); the places are in the summary and the reason.
    before: dict[str, str] = {}
    after: dict[str, str] = {}
    if report.work_unit != outflow.work_unit:
        before["work_unit"], after["work_unit"] = outflow.work_unit, report.work_unit
    if report.contact and report.contact != outflow.contact:
        before["phone"], after["phone"] = outflow.contact, report.contact
    outflow.region_code, outflow.city, outflow.work_unit = (
        report.region_code,
        report.city,
        report.work_unit,
    )
    fields = ["region_code", "city", "work_unit", "last_contact_on", "updated_at"]
    if report.contact:
        outflow.contact = report.contact
        fields.append("contact")
    outflow.last_contact_on = max(outflow.last_contact_on, today())
    outflow.save(update_fields=fields)
    member_services.archive_add(
        member=outflow.member,
        actor=actor,
        kind=ArchiveKind.MOBILE,
        summary=(
            _("本人报告近况：在 %(place)s，一切安好")
            if well
            else _("本人报告近况：在 %(place)s，需要支部关心")
        )
        % {"place": services._outflow_place(outflow)},
        before=before or None,
        after=after or None,
        reason=_("原登记在 %(place)s") % {"place": place_before},
        effective_on=today(),
    )
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        target=outflow,
        summary=_("流出党员 %(name)s 本人报告近况") % {"name": outflow.member.name},
        detail={"report": report.pk, "region_code": region_code, "well": well},
    )
    return report


@transaction.atomic
def outflow_report_seen(*, actor: User, report: OutflowReport) -> OutflowReport:
    """The home branch has read a mobile member's report (it leaves 本月待办)."""
    report = (
        OutflowReport.objects.select_for_update(of=("self",))
        .select_related("outflow__home_organization", "outflow__member")
        .get(pk=report.pk)
    )
    if not services._can_manage(actor, report.outflow.home_organization):
        raise PermissionDenied
    if report.seen_at is not None:
        return report
    report.seen_at = timezone.now()
    report.seen_by = actor
    report.save(update_fields=["seen_at", "seen_by"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        target=report,
        summary=_("已阅流出党员 %(name)s 的近况报告") % {"name": report.outflow.member.name},
    )
    return report


@transaction.atomic
def outflow_return(*, actor: User, outflow: Outflow, on: dt.date) -> Outflow:
    """The member is back (返回): the outflow closes and the status returns to 正常."""
    outflow = _locked_outflow(outflow)
    if not services._can_manage(actor, outflow.home_organization):
        raise PermissionDenied
    if outflow.returned_on is not None:
        raise ValidationError(_("该党员已登记返回。"), code=ErrorCode.ALREADY_RETURNED)
    if on > today() or on < outflow.left_on:
        raise field_error("on", _("返回日期须在外出之后，且不晚于今天。"), code=ErrorCode.BAD_DATE)
    outflow.returned_on = on
    outflow.last_contact_on = max(outflow.last_contact_on, on)
    outflow.save(update_fields=["returned_on", "last_contact_on", "updated_at"])
    member = outflow.member
    if member.status == MemberStatus.MOBILE:
        member_services.member_change_status(
            actor=actor, member=member, status=MemberStatus.NORMAL, reason=_("流动党员返回")
        )
    member_services.archive_add(
        member=member,
        actor=actor,
        kind=ArchiveKind.MOBILE,
        summary=_("从 %(place)s 返回，流出登记结束（%(left)s 外出）")
        % {"place": services._outflow_place(outflow), "left": outflow.left_on.isoformat()},
        effective_on=on,
    )
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        target=outflow,
        summary=_("流出党员 %(name)s 返回") % {"name": member.name},
    )
    return outflow


@transaction.atomic
def inflow_create(
    *,
    actor: User,
    host_organization: Organization,
    name: str,
    home_organization_name: str,
    arrived_on: dt.date,
    reason: OutflowReason,
    member: Member | None = None,
    home_region_code: str = "",
    phone: str = "",
    work_unit: str = "",
    has_certificate: bool = False,
) -> Inflow:
    """A host organization registers a member from elsewhere (流入) who joins its life."""
    if not services._can_manage(actor, host_organization):
        raise PermissionDenied(_("您无权管理该党组织。"))
    errors: dict[str, str] = {}
    if member is not None:
        name = member.name
        home_organization_name = (
            home_organization_name or services._member_organization(member).name
        )
    if not name.strip():
        errors["name"] = _("请填写姓名。")
    if not home_organization_name.strip():
        errors["home_organization_name"] = _("请填写其组织关系所在的党组织。")
    if arrived_on > today():
        errors["arrived_on"] = _("流入日期不能晚于今天。")
    if errors:
        raise ValidationError(errors)
    inflow = Inflow(
        host_organization=host_organization,
        member=member,
        name=name.strip(),
        home_organization_name=home_organization_name.strip(),
        home_region_code=home_region_code,
        phone=phone.strip(),
        work_unit=work_unit.strip(),
        arrived_on=arrived_on,
        reason=reason,
        has_certificate=has_certificate,
        last_contact_on=arrived_on,
    )
    inflow.full_clean()
    inflow.save()
    if member is not None:
        # A member of this deployment joining another organization's life here; a guest from
        # elsewhere has no record here (their archive is at home).
        member_services.archive_add(
            member=member,
            actor=actor,
            kind=ArchiveKind.MOBILE,
            summary=_("在 %(host)s 登记为流入党员（%(reason)s），参加其组织生活")
            % {"host": host_organization.name, "reason": OutflowReason(reason).label},
            effective_on=arrived_on,
        )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        target=inflow,
        summary=_("登记流入党员 %(name)s") % {"name": inflow.name},
    )
    return inflow


@transaction.atomic
def inflow_leave(*, actor: User, inflow: Inflow, on: dt.date) -> Inflow:
    inflow = (
        Inflow.objects.select_for_update(of=("self",))
        .select_related("host_organization", "member")
        .get(pk=inflow.pk)
    )
    if not services._can_manage(actor, inflow.host_organization):
        raise PermissionDenied
    if inflow.left_on is not None:
        raise ValidationError(_("已登记离开。"), code=ErrorCode.ALREADY_LEFT)
    if on > today() or on < inflow.arrived_on:
        raise field_error("on", _("离开日期须在流入之后，且不晚于今天。"), code=ErrorCode.BAD_DATE)
    inflow.left_on = on
    inflow.save(update_fields=["left_on", "updated_at"])
    if inflow.member is not None:
        member_services.archive_add(
            member=inflow.member,
            actor=actor,
            kind=ArchiveKind.MOBILE,
            summary=_("离开 %(host)s，流入登记结束（%(arrived)s 流入）")
            % {"host": inflow.host_organization.name, "arrived": inflow.arrived_on.isoformat()},
            effective_on=on,
        )
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        target=inflow,
        summary=_("流入党员 %(name)s 离开") % {"name": inflow.name},
    )
    return inflow
