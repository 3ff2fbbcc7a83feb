"""Writes for care, volunteer service, community reporting, commendations and discipline."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model, Sum
from django.utils.translation import gettext as _

from dangjian.accounts.scope import scope_for
from dangjian.audit.choices import AuditAction
from dangjian.audit.services import audit_record
from dangjian.core.dates import today
from dangjian.members import services as member_services
from dangjian.members.choices import ArchiveKind, HowRemoved
from dangjian.members.models import Member, Membership
from dangjian.organizations.models import Organization

from .models import (
    Assistance,
    CareFundEntry,
    Commendation,
    CommunityReport,
    Discipline,
    DisciplineKind,
    Hardship,
    VolunteerService,
)


def member_organization(member: Member) -> Organization:
    return (
        Membership.objects.select_related("organization")
        .get(member=member, is_latest=True)
        .organization
    )


def _require_manage(actor: Any, organization: Organization) -> None:
    if not scope_for(actor).can_manage_path(organization.path):
        raise PermissionDenied


def _summary(record: Model) -> tuple[ArchiveKind, str]:
    if isinstance(record, Hardship):
        return ArchiveKind.CARE, _("认定为困难党员（%(kind)s）") % {
            "kind": record.get_kind_display()
        }
    if isinstance(record, Assistance):
        return ArchiveKind.CARE, _("%(kind)s：%(what)s（%(amount)s 元，%(who)s）") % {
            "kind": record.get_kind_display(),
            "what": record.description,
            "amount": record.amount,
            "who": record.given_by,
        }
    if isinstance(record, VolunteerService):
        return ArchiveKind.CARE, _("志愿服务：%(what)s，%(hours)s 小时") % {
            "what": record.activity,
            "hours": record.hours,
        }
    if isinstance(record, CommunityReport):
        return ArchiveKind.CARE, _("到 %(community)s 报到") % {"community": record.community}
    if isinstance(record, Commendation):
        return ArchiveKind.COMMENDATION, _("获%(level)s表彰：%(title)s") % {
            "level": record.get_level_display(),
            "title": record.get_title_display(),
        }
    if isinstance(record, Discipline):
        return ArchiveKind.DISCIPLINE, _("受%(kind)s处分（%(body)s %(no)s）") % {
            "kind": record.get_kind_display(),
            "body": record.decided_by,
            "no": record.document_no,
        }
    raise TypeError(type(record))


@transaction.atomic
def record_for_member(*, actor: Any, record: Any) -> Any:
    """Save a care, service, commendation or discipline record of a member, with its archive entry."""
    member: Member = record.member
    organization = member_organization(member)
    _require_manage(actor, organization)
    record.recorded_by = actor
    day = getattr(record, "on", None) or getattr(record, "since", None)
    if day is not None and day > today():
        raise ValidationError({"on" if hasattr(record, "on") else "since": _("日期不能晚于今天。")})
    record.full_clean(exclude=["recorded_by", "member"])
    record.save()
    kind, summary = _summary(record)
    member_services.archive_add(
        member=member, actor=actor, kind=kind, summary=summary, effective_on=day
    )
    audit_record(actor=actor, action=AuditAction.CREATE, target=record, summary=summary)
    if isinstance(record, Hardship) and record.until is None and not member.in_hardship:
        member_services.member_update(
            actor=actor, member=member, changes={"in_hardship": True}, reason=_("认定为困难党员")
        )
    if isinstance(record, Assistance) and record.from_fund and record.amount > 0:
        CareFundEntry.objects.create(
            organization=organization,
            on=record.on,
            amount=-record.amount,
            description=_("%(kind)s %(name)s：%(what)s")
            % {"kind": record.get_kind_display(), "name": member.name, "what": record.description},
            assistance=record,
            recorded_by=actor,
        )
    if isinstance(record, Discipline) and record.kind == DisciplineKind.EXPULSION:
        member_services.member_remove(
            actor=actor,
            member=member,
            how_removed=HowRemoved.EXPELLED,
            on=record.on,
            reason=f"{record.decided_by} {record.document_no}".strip(),
        )
    return record


@transaction.atomic
def commend_organization(*, actor: Any, record: Commendation) -> Commendation:
    assert record.organization is not None
    _require_manage(actor, record.organization.parent or record.organization)
    record.recorded_by = actor
    record.full_clean(exclude=["recorded_by"])
    record.save()
    audit_record(actor=actor, action=AuditAction.CREATE, target=record, summary=_summary(record)[1])
    return record


@transaction.atomic
def fund_income(
    *, actor: Any, organization: Organization, on: Any, amount: Decimal, description: str
) -> CareFundEntry:
    _require_manage(actor, organization)
    if amount <= 0:
        raise ValidationError({"amount": _("收入金额须大于 0。")})
    if not description.strip():
        raise ValidationError({"description": _("请写明资金来源，例如“党员自愿捐款”。")})
    entry = CareFundEntry.objects.create(
        organization=organization,
        on=on,
        amount=amount,
        description=description.strip(),
        recorded_by=actor,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        target=entry,
        summary=_("关爱基金收入 %(a)s 元") % {"a": amount},
    )
    return entry


def fund_balance(organization: Organization) -> Decimal:
    return CareFundEntry.objects.filter(organization=organization).aggregate(total=Sum("amount"))[
        "total"
    ] or Decimal(0)
