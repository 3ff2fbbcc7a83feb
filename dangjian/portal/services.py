"""Correction requests and notices: the writes of the member portal."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.accounts.models import User
from dangjian.accounts.scope import scope_for
from dangjian.alerts import services as alert_services
from dangjian.audit.choices import AuditAction
from dangjian.audit.services import audit_record
from dangjian.core.crypto import mask_phone
from dangjian.core.error_codes import ErrorCode as CoreErrorCode
from dangjian.core.errors import field_error
from dangjian.members import services as member_services
from dangjian.members.choices import ArchiveKind
from dangjian.members.models import Member, Membership
from dangjian.organizations.models import Organization
from dangjian.portal.error_codes import ErrorCode
from dangjian.transfers import mobile

from .models import CorrectionRequest, CorrectionStatus, Notice

# What a member may ask to correct; "other" is handled by hand and changes nothing by itself.
CORRECTABLE = (
    "name",
    "ethnicity",
    "birth_date",
    "native_place",
    "education",
    "degree",
    "occupation",
    "work_unit",
    "post",
    "phone",
    "address",
)
OTHER = "other"


def field_label(name: str) -> str:
    return CorrectionRequest(field=name).field_label


def _shown(member: Member, name: str, value: Any = None) -> str:
    """A value as the archive and the secretary see it (phone numbers masked)."""
    if name == OTHER:
        return ""
    if value is None:
        value = getattr(member, name)
        display = getattr(member, f"get_{name}_display", None)
        if display is not None:
            value = display()
    text = "" if value is None else str(value)
    return mask_phone(text) if name == "phone" and text else text


def _organization_of(member: Member) -> Organization:
    return (
        Membership.objects.select_related("organization")
        .get(member=member, is_latest=True)
        .organization
    )


@transaction.atomic
def correction_request(
    *, actor: User, field: str, proposed_value: str, note: str = ""
) -> CorrectionRequest:
    """The signed-in member asks for a correction of their own record."""
    self_id = scope_for(actor).self_user_id
    member = Member.objects.filter(user_id=self_id).first() if self_id is not None else None
    if member is None:
        raise PermissionDenied
    if field not in (*CORRECTABLE, OTHER):
        raise field_error("field", _("请选择要更正的项目。"), code=CoreErrorCode.BAD_FIELD)
    proposed_value = proposed_value.strip()
    if not proposed_value:
        raise field_error(
            "proposed_value", _("请填写应更正为的内容。"), code=CoreErrorCode.REQUIRED
        )
    if field == OTHER and not note.strip():
        raise field_error(
            "note", _("选择“其他”时请在说明中写明要更正什么。"), code=CoreErrorCode.REQUIRED
        )
    if CorrectionRequest.objects.filter(
        member=member, field=field, status=CorrectionStatus.PENDING
    ).exists():
        raise field_error(
            "field",
            _("这一项已有待处理的更正申请，请等待支部处理。"),
            code=ErrorCode.ALREADY_PENDING,
        )
    request = CorrectionRequest.objects.create(
        member=member,
        field=field,
        current_value=_shown(member, field)[:200],
        proposed_value=proposed_value[:200],
        note=note.strip()[:300],
        requested_by=actor,
    )
    shown = mask_phone(proposed_value) if field == "phone" else proposed_value
    member_services.archive_add(
        member=member,
        actor=actor,
        kind=ArchiveKind.CORRECTION,
        summary=_("本人申请更正%(field)s：%(value)s")
        % {"field": field_label(field), "value": shown},
        reason=request.note,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        target=request,
        summary=_("提交更正申请（%(field)s）") % {"field": field_label(field)},
    )
    return request


def can_decide(actor: User, request: CorrectionRequest) -> bool:
    return scope_for(actor).can_manage_path(_organization_of(request.member).path)


@transaction.atomic
def correction_decide(
    *, actor: User, request: CorrectionRequest, approve: bool, value: Any = None, note: str = ""
) -> CorrectionRequest:
    """The branch approves (the record changes, with the request as the reason) or declines."""
    request = (
        CorrectionRequest.objects.select_for_update().select_related("member").get(pk=request.pk)
    )
    if not can_decide(actor, request):
        raise PermissionDenied
    if request.status != CorrectionStatus.PENDING:
        raise ValidationError(_("这份更正申请已经处理过了。"), code=ErrorCode.DECIDED)
    member = request.member
    reason = _("党员本人申请更正（第 %(n)d 号）") % {"n": request.pk}
    if approve:
        if request.field != OTHER:
            if value is None or value == "":
                raise field_error("value", _("请填写更正后的内容。"), code=CoreErrorCode.REQUIRED)
            member_services.member_update(
                actor=actor, member=member, changes={request.field: value}, reason=reason
            )
        request.status = CorrectionStatus.APPROVED
        summary = _("更正申请已采纳（%(field)s）") % {"field": field_label(request.field)}
    else:
        if not note.strip():
            raise field_error(
                "note", _("未采纳时请写明原因，申请人会看到。"), code=CoreErrorCode.REQUIRED
            )
        request.status = CorrectionStatus.REJECTED
        summary = _("更正申请未采纳（%(field)s）") % {"field": field_label(request.field)}
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.decision_note = note.strip()[:300]
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    member_services.archive_add(
        member=member,
        actor=actor,
        kind=ArchiveKind.CORRECTION,
        summary=summary,
        reason=request.decision_note or reason,
    )
    audit_record(
        actor=actor,
        action=AuditAction.APPROVE,
        target=request,
        summary=summary,
        detail={"approved": approve},
    )
    return request


@transaction.atomic
def notice_publish(*, actor: User, organization: Organization, title: str, body: str) -> Notice:
    if not scope_for(actor).can_manage_path(organization.path):
        raise PermissionDenied
    errors = {}
    if not title.strip():
        errors["title"] = _("请填写标题。")
    if not body.strip():
        errors["body"] = _("请填写通知内容。")
    if errors:
        raise ValidationError(errors)
    notice = Notice.objects.create(
        organization=organization, title=title.strip(), body=body.strip(), author=actor
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        target=notice,
        summary=_("发布通知：%(title)s") % {"title": notice.title},
    )
    return notice


# --- keeping in touch (a mobile member's own report) ------------------------------------------


@transaction.atomic
def mobile_report(
    *,
    actor: User,
    region_code: str,
    city: str = "",
    work_unit: str = "",
    contact: str = "",
    well: bool = True,
    note: str = "",
) -> Any:
    """A mobile member's own report from /me/ (transfers.mobile.outflow_self_report), and the
    "not heard from" alert of their branch brought up to date at once: the report is contact,
    so the alert ends now rather than at the nightly run."""
    report = mobile.outflow_self_report(
        actor=actor,
        region_code=region_code,
        city=city,
        work_unit=work_unit,
        contact=contact,
        well=well,
        note=note,
    )
    alert_services.alerts_recompute(
        root=report.outflow.home_organization, only=[MOBILE_SILENT_RULE]
    )
    return report


# The alerts rule a mobile member's report answers (alerts.domain_rules).
MOBILE_SILENT_RULE = "mobile_silent"
