"""Writes for care, volunteer service, community reporting, commendations and discipline."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Model, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.accounts.models import User
from dangjian.accounts.scope import scope_for
from dangjian.audit.choices import AuditAction
from dangjian.audit.services import audit_record
from dangjian.care.error_codes import ErrorCode
from dangjian.core.dates import today
from dangjian.core.error_codes import ErrorCode as CoreErrorCode
from dangjian.core.errors import field_error
from dangjian.members import services as member_services
from dangjian.members.choices import ArchiveKind, HowRemoved
from dangjian.members.models import Member, Membership
from dangjian.members.selectors import scoped_members
from dangjian.organizations.models import Organization

from .models import (
    HOURS_IN_A_DAY,
    Assistance,
    AssistanceKind,
    CareFundEntry,
    Commendation,
    CommunityReport,
    Discipline,
    DisciplineKind,
    Hardship,
    HardshipKind,
    HelpRequest,
    HelpStatus,
    HelpUrgency,
    VolunteerActivity,
    VolunteerService,
    VolunteerSignup,
)


def member_organization(member: Member) -> Organization:
    return (
        Membership.objects.select_related("organization")
        .get(member=member, is_latest=True)
        .organization
    )


def _require_manage(actor: User, organization: Organization) -> None:
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
def record_for_member(*, actor: User, record: Any) -> Any:
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
def commend_organization(*, actor: User, record: Commendation) -> Commendation:
    assert record.organization is not None
    _require_manage(actor, record.organization.parent or record.organization)
    record.recorded_by = actor
    record.full_clean(exclude=["recorded_by"])
    record.save()
    audit_record(actor=actor, action=AuditAction.CREATE, target=record, summary=_summary(record)[1])
    return record


@transaction.atomic
def fund_income(
    *, actor: User, organization: Organization, on: Any, amount: Decimal, description: str
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


# --- volunteer activities -------------------------------------------------------------------

TENTH = Decimal("0.1")


def _hours_problem(hours: Decimal | None) -> str | None:
    """Why `hours` cannot be one person's hours on one day, or None."""
    if hours is None or not hours.is_finite():
        return _("请填写时长（小时）。")
    if hours <= 0 or hours > HOURS_IN_A_DAY:
        return _("时长须大于 0，且不超过 24 小时。")
    if hours != hours.quantize(TENTH):
        return _("时长最多保留一位小数，例如 2.5。")
    return None


def _names(members: list[Member]) -> str:
    return _("、").join(m.name for m in members)


def _check_in_organization(
    *, actor: User, organization: Organization, member_ids: set[int]
) -> dict[int, Member]:
    """The participants, each on the organization's roster (or below it) today; anyone else is
    refused by name when the actor may read them, by count otherwise (no name leaks)."""
    members = {
        m.pk: m
        for m in Member.objects.filter(
            pk__in=Membership.objects.within(organization)
            .filter(member_id__in=member_ids, ended_on__isnull=True)
            .values("member_id")
        )
    }
    outside = member_ids - set(members)
    if outside:
        readable = list(scoped_members(actor).filter(pk__in=outside).order_by("name_pinyin", "pk"))
        messages = []
        if readable:
            messages.append(
                _(
                    "以下人员不是%(organization)s（含下级组织）的党员，不能登记为参加人员：%(names)s。"
                )
                % {"organization": organization.name, "names": _names(readable)}
            )
        if len(outside) > len(readable):
            messages.append(
                _("另有 %(n)s 人不在您的管理范围内，不能登记为参加人员。")
                % {"n": len(outside) - len(readable)}
            )
        raise ValidationError(
            {"participants": ValidationError("".join(messages), code=CoreErrorCode.OUTSIDE)}
        )
    return members


def _check_day_total(
    *,
    on: dt.date,
    hours_by_member: Mapping[int, Decimal],
    members: Mapping[int, Member],
    exclude_pk: int | None = None,
) -> None:
    """No one is credited more than 24 hours of volunteer service on one day."""
    rows = VolunteerService.objects.filter(member_id__in=list(hours_by_member), on=on)
    if exclude_pk is not None:  # the row being corrected
        rows = rows.exclude(pk=exclude_pk)
    done = dict(
        rows.values("member_id").annotate(total=Sum("hours")).values_list("member_id", "total")
    )
    over = [
        _("%(name)s 当天已登记 %(done)s 小时，再加 %(hours)s 小时超过 24 小时")
        % {"name": members[pk].name, "done": done[pk], "hours": hours}
        for pk, hours in hours_by_member.items()
        if pk in done and done[pk] + hours > HOURS_IN_A_DAY
    ]
    if over:
        raise ValidationError(
            {
                "participants": ValidationError(
                    _("%(people)s。请核对时长。") % {"people": _("；").join(over)},
                    code=ErrorCode.OVER_A_DAY,
                )
            }
        )


def _service_summary(title: str, hours: Decimal) -> str:
    # 3 and 3.0 (as typed, as read back from the column) read the same: "3 小时".
    shown = format(hours.quantize(Decimal("0.1")), "f").removesuffix(".0")
    return _("志愿服务：%(what)s，%(hours)s 小时") % {"what": title, "hours": shown}


@transaction.atomic
def volunteer_activity_record(
    *,
    actor: User,
    organization: Organization,
    on: dt.date,
    title: str,
    hours: Decimal,
    participants: Mapping[int, Decimal | None],
    place: str = "",
    note: str = "",
) -> VolunteerActivity:
    """Record a volunteer activity once with everyone who took part.

    `participants` maps member ids to their own hours (None: the activity's `hours`). Writes the
    activity, one `VolunteerService` and one archive entry per participant and one audit event,
    or nothing at all. Participants must be on the roster of the organization or below it.
    """
    _require_manage(actor, organization)
    errors: dict[str, list[ValidationError]] = {}

    def add(field: str, message: str, code: enum.StrEnum) -> None:
        errors.setdefault(field, []).append(ValidationError(message, code=code))

    title = title.strip()
    if not title:
        add("title", _("请写明服务内容，例如“防汛值守”。"), CoreErrorCode.REQUIRED)
    if on > today():
        add("on", _("日期不能晚于今天。"), CoreErrorCode.FUTURE)
    problem = _hours_problem(hours)
    if problem:
        add("hours", problem, CoreErrorCode.HOURS)
    if not participants:
        add("participants", _("请至少勾选一名参加人员。"), ErrorCode.NO_PARTICIPANTS)
    if errors:
        raise ValidationError(errors)

    members = _check_in_organization(
        actor=actor, organization=organization, member_ids=set(participants)
    )
    hours_by_member = {pk: own if own is not None else hours for pk, own in participants.items()}
    wrong = sorted(
        (m for pk, m in members.items() if _hours_problem(hours_by_member[pk])),
        key=lambda m: (m.name_pinyin, m.pk),
    )
    if wrong:
        raise ValidationError(
            {
                "participants": ValidationError(
                    _("%(names)s 的时长有误：每人时长须大于 0、不超过 24 小时，最多一位小数。")
                    % {"names": _names(wrong)},
                    code=CoreErrorCode.HOURS,
                )
            }
        )
    _check_day_total(on=on, hours_by_member=hours_by_member, members=members)

    activity = VolunteerActivity(
        organization=organization,
        on=on,
        title=title,
        place=place.strip(),
        hours=hours,
        note=note.strip(),
        recorded_by=actor,
    )
    activity.full_clean()
    activity.save()
    rows = VolunteerService.objects.bulk_create(
        VolunteerService(
            member=members[pk],
            on=on,
            activity=title,
            hours=hours_by_member[pk],
            activity_record=activity,
            recorded_by=actor,
        )
        for pk in sorted(members)
    )
    for row in rows:
        member_services.archive_add(
            member=row.member,
            actor=actor,
            kind=ArchiveKind.CARE,
            summary=_service_summary(title, row.hours),
            effective_on=on,
        )
    total = sum((row.hours for row in rows), Decimal(0))
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        target=activity,
        summary=_("登记志愿服务活动：%(what)s，%(n)s 人，共 %(hours)s 小时")
        % {"what": title, "n": len(rows), "hours": total},
        detail={"participants": len(rows), "hours": str(total)},
    )
    return activity


def _locked_participation(service: VolunteerService) -> tuple[VolunteerService, VolunteerActivity]:
    """The row and its activity, locked; a row recorded alone is corrected on its own form."""
    if service.activity_record_id is None:
        raise ValidationError(
            _("这条志愿服务不属于任何志愿服务活动。"), code=ErrorCode.NOT_IN_ACTIVITY
        )
    activity = (
        VolunteerActivity.objects.select_for_update()
        .select_related("organization")
        .get(pk=service.activity_record_id)
    )
    row = VolunteerService.objects.select_for_update().select_related("member").get(pk=service.pk)
    return row, activity


def _when(activity: VolunteerActivity) -> str:
    return activity.on.isoformat()


@transaction.atomic
def volunteer_participant_add(
    *,
    actor: User,
    activity: VolunteerActivity,
    member: Member,
    hours: Decimal | None = None,
    reason: str = "",
) -> VolunteerService:
    """Add someone who took part but was not ticked when the activity was recorded; their
    archive gets the service like everyone else's, with the reason for the late entry."""
    activity = (
        VolunteerActivity.objects.select_for_update()
        .select_related("organization")
        .get(pk=activity.pk)
    )
    _require_manage(actor, activity.organization)
    hours = activity.hours if hours is None else hours
    problem = _hours_problem(hours)
    if problem:
        raise ValidationError({"hours": ValidationError(problem, code=CoreErrorCode.HOURS)})
    if activity.participations.filter(member=member).exists():
        raise ValidationError(
            {
                "member": ValidationError(
                    _("该党员已是这次志愿服务活动的参加人员。"), code=ErrorCode.AGAIN
                )
            }
        )
    members = _check_in_organization(
        actor=actor, organization=activity.organization, member_ids={member.pk}
    )
    _check_day_total(on=activity.on, hours_by_member={member.pk: hours}, members=members)
    row = VolunteerService.objects.create(
        member=members[member.pk],
        on=activity.on,
        activity=activity.title,
        hours=hours,
        activity_record=activity,
        recorded_by=actor,
    )
    summary = _service_summary(activity.title, hours)
    member_services.archive_add(
        member=row.member,
        actor=actor,
        kind=ArchiveKind.CARE,
        summary=summary,
        reason=(reason.strip() or _("补登参加人员"))[:300],
        effective_on=activity.on,
    )
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        target=activity,
        summary=_("补登志愿服务参加人员：%(name)s，%(hours)s 小时")
        % {"name": row.member.name, "hours": hours},
        detail={"member_id": row.member_id, "hours": str(hours)},
    )
    return row


@transaction.atomic
def volunteer_participant_update(
    *, actor: User, service: VolunteerService, hours: Decimal, reason: str = ""
) -> VolunteerService:
    """Correct one participant's hours; the archive notes the old and the new value."""
    row, activity = _locked_participation(service)
    _require_manage(actor, activity.organization)
    problem = _hours_problem(hours)
    if problem:
        raise ValidationError({"hours": ValidationError(problem, code=CoreErrorCode.HOURS)})
    if hours == row.hours:
        return row
    _check_day_total(
        on=row.on,
        hours_by_member={row.member_id: hours},
        members={row.member_id: row.member},
        exclude_pk=row.pk,
    )
    before = row.hours
    row.hours = hours
    row.save(update_fields=["hours"])
    summary = _("更正志愿服务时长：%(what)s（%(day)s）由 %(before)s 小时改为 %(after)s 小时") % {
        "what": activity.title,
        "day": _when(activity),
        "before": before,
        "after": hours,
    }
    member_services.archive_add(
        member=row.member,
        actor=actor,
        kind=ArchiveKind.CARE,
        summary=summary,
        reason=reason.strip(),
        effective_on=row.on,
    )
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        target=activity,
        summary=summary,
        detail={"member_id": row.member_id, "before": str(before), "after": str(hours)},
    )
    return row


@transaction.atomic
def volunteer_participant_remove(
    *, actor: User, service: VolunteerService, reason: str = ""
) -> None:
    """Take someone off an activity they did not attend; their hours go with the row and the
    archive notes the correction (the first entry stays: the archive is history)."""
    row, activity = _locked_participation(service)
    _require_manage(actor, activity.organization)
    if activity.participations.count() == 1:
        raise ValidationError(
            _("%(name)s 是这次活动唯一的参加人员，不能移出；如登记有误，请更正时长。")
            % {"name": row.member.name},
            code=ErrorCode.LAST_PARTICIPANT,
        )
    summary = _("更正志愿服务：未参加%(what)s（%(day)s），撤销 %(hours)s 小时") % {
        "what": activity.title,
        "day": _when(activity),
        "hours": row.hours,
    }
    member = row.member
    row.delete()
    member_services.archive_add(
        member=member,
        actor=actor,
        kind=ArchiveKind.CARE,
        summary=summary,
        reason=reason.strip(),
        effective_on=activity.on,
    )
    audit_record(
        actor=actor,
        action=AuditAction.DELETE,
        target=activity,
        summary=summary,
        detail={"member_id": member.pk},
    )


# --- members asking for help and signing up (from /me/) ---------------------------------------


def _own_member(actor: User) -> Member:
    """The member record of the signed-in member; anyone else is refused."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(_("只有党员本人可以这样做。"))
    member = Member.objects.filter(user_id=actor.pk).first()
    if member is None:
        raise PermissionDenied(_("只有党员本人可以这样做。"))
    return member


def _current_organization(member: Member) -> Organization:
    row = (
        Membership.objects.select_related("organization")
        .filter(member=member, ended_on__isnull=True)
        .first()
    )
    if row is None:
        raise ValidationError(_("您已不在党员名册中。"), code=CoreErrorCode.NOT_ON_ROSTER)
    return row.organization


@transaction.atomic
def help_request_create(*, actor: User, what: str, urgency: HelpUrgency) -> HelpRequest:
    """A member asks their branch for help (困难求助). It waits in the secretary's 本月待办
    until taken up; nothing is written to the archive until then."""
    member = _own_member(actor)
    organization = _current_organization(member)
    what = what.strip()
    if not what:
        raise field_error("what", _("请写明需要什么帮助。"), code=CoreErrorCode.REQUIRED)
    if urgency not in HelpUrgency.values:
        raise field_error("urgency", _("请选择紧急程度。"), code=CoreErrorCode.REQUIRED)
    if HelpRequest.objects.filter(member=member, status=HelpStatus.OPEN).count() >= (
        OPEN_HELP_REQUESTS
    ):
        raise ValidationError(
            _("您已有 %(n)d 条求助尚未受理，请等支部联系您，或直接联系支部书记。")
            % {"n": OPEN_HELP_REQUESTS},
            code=ErrorCode.TOO_MANY_OPEN_REQUESTS,
        )
    request = HelpRequest(member=member, organization=organization, what=what, urgency=urgency)
    request.full_clean()
    request.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        target=request,
        summary=_("%(name)s 向 %(org)s 提出困难求助（%(urgency)s）")
        % {
            "name": member.name,
            "org": organization.name,
            "urgency": HelpUrgency(urgency).label,
        },
    )
    return request


# A member with this many requests still open asks their secretary directly.
OPEN_HELP_REQUESTS = 3


@transaction.atomic
def help_request_take_up(
    *,
    actor: User,
    help_request: HelpRequest,
    on: dt.date,
    kind: AssistanceKind,
    description: str,
    given_by: str,
    amount: Decimal = Decimal(0),
    from_fund: bool = False,
    hardship_kind: HardshipKind | None = None,
) -> HelpRequest:
    """The branch takes a request up: an assistance record (慰问 / 帮扶) in care, and, when the
    branch decides the member is in hardship, a hardship record; both in the archive."""
    help_request = (
        HelpRequest.objects.select_for_update(of=("self",))
        .select_related("organization", "member")
        .get(pk=help_request.pk)
    )
    _require_manage(actor, help_request.organization)
    if help_request.status != HelpStatus.OPEN:
        raise ValidationError(_("这条求助已受理。"), code=ErrorCode.TAKEN_UP)
    if actor.pk == help_request.member.user_id:
        raise PermissionDenied(_("本人的求助由支部其他同志受理。"))
    assistance = record_for_member(
        actor=actor,
        record=Assistance(
            member=help_request.member,
            on=on,
            kind=kind,
            amount=amount,
            description=description.strip()[:300],
            given_by=given_by.strip(),
            from_fund=from_fund,
        ),
    )
    hardship = None
    if hardship_kind:
        hardship = record_for_member(
            actor=actor,
            record=Hardship(
                member=help_request.member,
                kind=hardship_kind,
                since=on,
                note=help_request.what[:300],
            ),
        )
    help_request.status = HelpStatus.TAKEN_UP
    help_request.taken_up_at = timezone.now()
    help_request.taken_up_by = actor
    help_request.assistance = assistance
    help_request.hardship = hardship
    help_request.save(
        update_fields=["status", "taken_up_at", "taken_up_by", "assistance", "hardship"]
    )
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        target=help_request,
        summary=_("受理 %(name)s 的困难求助") % {"name": help_request.member.name},
        detail={"assistance": assistance.pk, "hardship": hardship.pk if hardship else None},
    )
    return help_request


@transaction.atomic
def volunteer_activity_publish(
    *,
    actor: User,
    organization: Organization,
    on: dt.date,
    title: str,
    hours: Decimal,
    capacity: int | None = None,
    place: str = "",
    note: str = "",
) -> VolunteerActivity:
    """Publish a volunteer activity ahead (发布), for the members of the organization and below
    to sign up from /me/ (at most `capacity`). Hours are recorded after the day, as always."""
    _require_manage(actor, organization)
    errors: dict[str, list[ValidationError]] = {}
    title = title.strip()
    if not title:
        errors["title"] = [
            ValidationError(_("请写明服务内容，例如“防汛值守”。"), code=CoreErrorCode.REQUIRED)
        ]
    if on < today():
        errors["on"] = [
            ValidationError(_("发布的活动日期不能早于今天。"), code=CoreErrorCode.OUT_OF_RANGE)
        ]
    problem = _hours_problem(hours)
    if problem:
        errors["hours"] = [ValidationError(problem, code=CoreErrorCode.HOURS)]
    if capacity is not None and capacity < 1:
        errors["capacity"] = [
            ValidationError(_("名额须大于 0；不限名额请留空。"), code=ErrorCode.BAD_CAPACITY)
        ]
    if errors:
        raise ValidationError(errors)
    activity = VolunteerActivity(
        organization=organization,
        on=on,
        title=title,
        place=place.strip(),
        hours=hours,
        note=note.strip(),
        capacity=capacity,
        signup_open=True,
        recorded_by=actor,
    )
    activity.full_clean()
    activity.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        target=activity,
        summary=_("发布志愿服务活动：%(what)s（%(day)s）") % {"what": title, "day": on.isoformat()},
        detail={"capacity": capacity},
    )
    return activity


def _signup_open_for(activity: VolunteerActivity, member: Member) -> None:
    """Refuse a sign-up the activity does not take: closed, past, or for another organization."""
    if not activity.signup_open or activity.on < today():
        raise ValidationError(_("这次志愿服务活动已不接受报名。"), code=ErrorCode.SIGNUP_CLOSED)
    organization = _current_organization(member)
    if not organization.path.startswith(activity.organization.path):
        # Not the member's branch or a committee above it: the activity is not theirs to join.
        raise PermissionDenied


@transaction.atomic
def volunteer_signup(*, actor: User, activity: VolunteerActivity) -> VolunteerSignup:
    """A member signs up for a published activity. The activity row is locked first, so two
    members taking the last place at once are served one after the other: never over the cap."""
    member = _own_member(actor)
    activity = (
        VolunteerActivity.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=activity.pk)
    )
    _signup_open_for(activity, member)
    active = VolunteerSignup.objects.filter(activity=activity, cancelled_at__isnull=True)
    if active.filter(member=member).exists():
        raise ValidationError(_("您已报名这次志愿服务活动。"), code=ErrorCode.AGAIN)
    if activity.capacity is not None and active.count() >= activity.capacity:
        raise ValidationError(
            _("名额已满（%(n)d 人），感谢您的热心。可以关注支部发布的其他活动。")
            % {"n": activity.capacity},
            code=ErrorCode.FULL,
        )
    signup = VolunteerSignup.objects.create(activity=activity, member=member)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        target=signup,
        summary=_("%(name)s 报名志愿服务活动：%(what)s")
        % {"name": member.name, "what": activity.title},
    )
    return signup


@transaction.atomic
def volunteer_signup_cancel(*, actor: User, activity: VolunteerActivity) -> VolunteerSignup:
    """A member takes back their sign-up before the day; the place is free again."""
    member = _own_member(actor)
    activity = VolunteerActivity.objects.select_for_update(of=("self",)).get(pk=activity.pk)
    signup = VolunteerSignup.objects.filter(
        activity=activity, member=member, cancelled_at__isnull=True
    ).first()
    if signup is None:
        raise ValidationError(_("您没有报名这次志愿服务活动。"), code=ErrorCode.NOT_SIGNED_UP)
    if activity.on < today():
        raise ValidationError(_("活动日期已过，不能取消报名。"), code=ErrorCode.SIGNUP_CLOSED)
    signup.cancelled_at = timezone.now()
    signup.save(update_fields=["cancelled_at"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        target=signup,
        summary=_("%(name)s 取消报名志愿服务活动：%(what)s")
        % {"name": member.name, "what": activity.title},
    )
    return signup


@transaction.atomic
def volunteer_signups_record(*, actor: User, activity: VolunteerActivity) -> list[VolunteerService]:
    """On or after the day: everyone signed up (not cancelled) becomes a participant with the
    activity's hours, in the archive like any participant; those already listed are skipped.
    Whoever did not come is then taken off (未参加，移出), as after any recording."""
    activity = (
        VolunteerActivity.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=activity.pk)
    )
    _require_manage(actor, activity.organization)
    if activity.on > today():
        raise ValidationError(_("活动当天或之后才能登记参加人员。"), code=CoreErrorCode.FUTURE)
    listed = activity.participations.values("member_id")
    member_ids = set(
        VolunteerSignup.objects.filter(activity=activity, cancelled_at__isnull=True)
        .exclude(member_id__in=listed)
        .values_list("member_id", flat=True)
    )
    if not member_ids:
        raise ValidationError(_("报名的党员都已登记为参加人员。"), code=ErrorCode.NO_PARTICIPANTS)
    members = _check_in_organization(
        actor=actor, organization=activity.organization, member_ids=member_ids
    )
    _check_day_total(
        on=activity.on, hours_by_member=dict.fromkeys(members, activity.hours), members=members
    )
    rows = VolunteerService.objects.bulk_create(
        VolunteerService(
            member=members[pk],
            on=activity.on,
            activity=activity.title,
            hours=activity.hours,
            activity_record=activity,
            recorded_by=actor,
        )
        for pk in sorted(members)
    )
    for row in rows:
        member_services.archive_add(
            member=row.member,
            actor=actor,
            kind=ArchiveKind.CARE,
            summary=_service_summary(activity.title, row.hours),
            effective_on=activity.on,
        )
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        target=activity,
        summary=_("按报名登记志愿服务参加人员：%(what)s，%(n)s 人")
        % {"what": activity.title, "n": len(rows)},
        detail={"participants": len(rows)},
    )
    return rows
