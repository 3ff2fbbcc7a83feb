"""Writes to the recruitment record. Each is atomic, checks scope, the order of the steps and
the time rules, and writes its audit event; admission and conversion go through the member
services, which keep the member's archive."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from dangjian.accounts.choices import Role
from dangjian.accounts.models import User
from dangjian.accounts.scope import scope_for
from dangjian.activities import selectors as activity_selectors
from dangjian.activities import services as activity_services
from dangjian.activities.choices import ActivityKind
from dangjian.activities.models import Activity
from dangjian.activities.models import Vote as MeetingVote
from dangjian.audit.choices import AuditAction
from dangjian.audit.services import audit_record
from dangjian.core import crypto
from dangjian.core.dates import age_on, today
from dangjian.core.error_codes import ErrorCode as CoreErrorCode
from dangjian.core.errors import field_error
from dangjian.members import idnumbers
from dangjian.members import services as member_services
from dangjian.members.choices import (
    ON_ROSTER_STATUSES,
    HowAdded,
    HowRemoved,
    MemberCategory,
)
from dangjian.members.models import Member, Membership
from dangjian.organizations.choices import OrgKind
from dangjian.organizations.models import Organization
from dangjian.recruitment.error_codes import ErrorCode

from . import rules
from .choices import (
    MEETING_KINDS,
    REPEATABLE_STEPS,
    VOTE_STEPS,
    EndReason,
    Stage,
    Step,
    stage_for_step,
)
from .models import Applicant, RecruitmentPlan, StepRecord, TimeRule

APPLICANT_FIELDS = (
    "name",
    "sex",
    "birth_date",
    "education",
    "occupation",
    "work_unit",
    "migrant_worker",
    "phone",
)
NOT_FOR_APPLICANTS = frozenset({OrgKind.LOCAL_COMMITTEE, OrgKind.PARTY_GROUP})


def _require_manage(actor: User, organization: Organization) -> None:
    if not scope_for(actor).can_manage_path(organization.path):
        raise PermissionDenied(_("您无权管理该党组织的发展党员工作。"))


def administrator_paths(actor: User) -> list[str]:
    """Subtree paths where the actor is an administrator (a branch secretary is not)."""
    scope = scope_for(actor)
    if getattr(actor, "is_superuser", False):
        return list(scope.paths("read"))
    role_orgs = [org_id for role, org_id in scope.roles if role == Role.ADMINISTRATOR]
    if not role_orgs:
        return []
    return list(Organization.objects.filter(pk__in=role_orgs).values_list("path", flat=True))


def is_administrator_for(actor: User, organization: Organization) -> bool:
    """An administrator at this organization or above it: may record exceptions, set rules."""
    return any(organization.path.startswith(path) for path in administrator_paths(actor))


# --- applicants -----------------------------------------------------------------------------


@transaction.atomic
def applicant_create(
    *,
    actor: User,
    organization: Organization,
    data: dict[str, Any],
    id_number: str,
    applied_on: dt.date,
    documents: str = "",
    opinion: str = "",
) -> Applicant:
    """Register a written application for membership (step 1)."""
    _require_manage(actor, organization)
    if organization.kind in NOT_FOR_APPLICANTS:
        raise field_error(
            "organization",
            _("入党申请应向基层党组织（党支部、党总支或党委）提出，不能登记在地方党委或党小组。"),
            code=ErrorCode.WRONG_ORGANIZATION,
        )
    unknown = set(data) - set(APPLICANT_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    applicant = Applicant(
        organization=organization,
        applied_on=applied_on,
        last_step=Step.APPLICATION,
        stage=Stage.APPLICANT,
        **data,
    )
    applicant.name = applicant.name.strip()
    errors: dict[str, str] = {}
    try:
        number = idnumbers.validate_id_number(id_number)
    except ValidationError as exc:
        errors["id_number"] = exc.messages[0]
    else:
        if applicant.birth_date is None:
            applicant.birth_date = idnumbers.birth_date_of(number)
        if not applicant.sex:
            applicant.sex = idnumbers.sex_of(number)
        errors.update(idnumbers.check_agreement(number, applicant.birth_date, applicant.sex))
        applicant.id_number_encrypted = crypto.encrypt_text(number)
        applicant.id_number_hash = crypto.lookup_hash(number)
        if Member.objects.filter(id_number_hash=applicant.id_number_hash).exists():
            errors["id_number"] = _("该身份证号码已登记为党员，不能作为入党申请人登记。")
        elif Applicant.objects.filter(id_number_hash=applicant.id_number_hash).exists():
            errors["id_number"] = _("该身份证号码已有发展党员记录，请在原记录上办理。")
    if applied_on > today():
        errors["applied_on"] = _("申请日期不能晚于今天。")
    elif applicant.birth_date and age_on(applicant.birth_date, applied_on) < rules.MIN_AGE:
        errors["applied_on"] = _(
            "递交入党申请时须年满18周岁（依据：%(source)s）：申请日期 %(on)s 时仅 %(age)d 周岁。"
        ) % {
            "source": rules.AGE_SOURCE,
            "on": applied_on.isoformat(),
            "age": age_on(applicant.birth_date, applied_on),
        }
    try:
        exclude = ["id_number_encrypted", "id_number_hash", "last_step"]
        if "id_number" in errors:  # birth date and sex come from the number: one message
            exclude += ["sex", "birth_date"]
        applicant.full_clean(exclude=exclude)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, messages[0])
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            applicant.save()
    except IntegrityError as exc:  # a concurrent registration of the same number
        raise ValidationError({"id_number": _("该身份证号码已有发展党员记录。")}) from exc
    StepRecord.objects.create(
        applicant=applicant,
        step=Step.APPLICATION,
        on=applied_on,
        documents=documents or _("入党申请书"),
        opinion=opinion,
        recorded_by=_user(actor),
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        target=applicant,
        summary=_("登记入党申请人 %(name)s") % {"name": applicant.name},
        detail={"organization_id": organization.pk},
    )
    return applicant


def _refuse(messages: list[str], code: ErrorCode) -> ValidationError:
    """One error that keeps its code (the API reports it) and says everything that is wrong."""
    return ValidationError(" ".join(messages), code=code)


def _user(actor: User) -> User | None:
    return actor if getattr(actor, "is_authenticated", False) else None


# --- steps ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepInput:
    """What a person enters for one step."""

    step: int
    on: dt.date
    people: str = ""
    members: Sequence[Member] = ()
    documents: str = ""
    opinion: str = ""
    # A step decided at a meeting names the recorded meeting; its date is the step's date.
    meeting: Activity | None = None
    # A vote step: how those present voted. Entitled and present come from the meeting's roll.
    ballot: rules.Ballot | None = None
    training_hours: int | None = None
    exception_reason: str = ""


def next_steps(applicant: Applicant) -> list[Step]:
    """The steps that may be recorded now: the next one, and a repeatable step again."""
    if applicant.ended_on is not None or applicant.last_step >= Step.ARCHIVED:
        return []
    steps = []
    if applicant.last_step in REPEATABLE_STEPS:
        steps.append(Step(applicant.last_step))
    steps.append(Step(applicant.last_step + 1))
    return steps


def _order_errors(applicant: Applicant, data: StepInput, last_on: dt.date | None) -> list[str]:
    allowed = next_steps(applicant)
    if applicant.ended_on is not None:
        return [_("该发展记录已终止，不能继续记录。")]
    if data.step not in allowed:
        expected = "、".join(f"（{s.value}）{s.label}" for s in allowed) or _("无")
        return [
            _(
                "步骤顺序不对：“（%(n)d）%(label)s”之前还有步骤未完成。现在应记录：%(expected)s"
                "（依据：《中国共产党发展党员工作细则》规定的发展程序）。"
            )
            % {"n": data.step, "label": Step(data.step).label, "expected": expected}
        ]
    errors = []
    if data.on > today():
        errors.append(_("日期不能晚于今天。"))
    if last_on is not None and data.on < last_on:
        errors.append(
            _("日期 %(on)s 早于上一步骤的日期 %(last)s，请核对。")
            % {"on": data.on.isoformat(), "last": last_on.isoformat()}
        )
    return errors


def _eligible_full_members(
    actor: User, members: Sequence[Member], on: dt.date, role: str
) -> list[str]:
    """Errors for people who are not full members on the roster (and in reach) on `on`."""
    errors = []
    scope = scope_for(actor)
    paths = dict(
        Membership.objects.filter(
            member__in=[m.pk for m in members], ended_on__isnull=True
        ).values_list("member_id", "organization__path")
    )
    for member in Member.objects.filter(pk__in=[m.pk for m in members]):
        path = paths.get(member.pk)
        if path is None or not scope.can_read_path(path):
            errors.append(
                _("%(name)s 不在您管理范围内的党员名册中，不能担任%(role)s。")
                % {"name": member.name, "role": role}
            )
        elif (
            member.category != MemberCategory.FULL
            or member.full_member_on is None
            or member.full_member_on > on
            or member.status not in ON_ROSTER_STATUSES
        ):
            errors.append(
                _("%(name)s 在 %(on)s 不是正式党员（预备党员不能担任%(role)s）。")
                % {"name": member.name, "on": on.isoformat(), "role": role}
            )
    return errors


def _step_errors(actor: User, applicant: Applicant, data: StepInput) -> list[str]:
    errors = []
    distinct = {m.pk for m in data.members}
    if data.step == Step.MENTORS_ASSIGNED:
        if not 1 <= len(distinct) <= 2:
            errors.append(
                _("培养联系人应为1至2名正式党员（依据：%(s)s）。") % {"s": rules.MENTOR_SOURCE}
            )
        errors += _eligible_full_members(actor, data.members, data.on, _("培养联系人"))
    if data.step == Step.SPONSORS:
        if len(distinct) != 2:
            errors.append(
                _("入党介绍人须为2名正式党员（依据：%(s)s），现选择了 %(n)d 名。")
                % {"s": rules.SPONSOR_SOURCE, "n": len(distinct)}
            )
        errors += _eligible_full_members(actor, data.members, data.on, _("入党介绍人"))
    errors += _meeting_errors(applicant, data)
    if data.step == Step.TRAINING and not data.training_hours:
        errors.append(_("请填写集中培训的学时（3天按24学时计）。"))
    if data.step in (Step.HIGHER_TALK,) and not data.people.strip():
        errors.append(_("请填写上级党委派出的谈话人。"))
    return errors


def _meeting_errors(applicant: Applicant, data: StepInput) -> list[str]:
    """The meeting must be of the step's kind, of the applicant's organization, held with its
    roll and on the step's date; a vote needs the quorum and the majority counted from the
    roll (细则 第五章: more than half of the full members entitled to vote present; more than
    half of them in favour)."""
    kinds = MEETING_KINDS.get(data.step)
    meeting = data.meeting
    if meeting is None:
        if data.step in VOTE_STEPS:
            return [
                _(
                    "请选择表决的支部党员大会：应到、实到人数取自会议的出席记录"
                    "（请先在“组织生活”中登记这次会议并记录出席情况）。"
                )
            ]
        return []
    if kinds is None:
        return [
            _("“（%(n)d）%(label)s”不是会议决定的步骤，不需要选择会议。")
            % {"n": data.step, "label": Step(data.step).label}
        ]
    meeting = Activity.objects.select_related("organization").get(pk=meeting.pk)
    errors = []
    if meeting.kind not in kinds:
        errors.append(
            _("“（%(n)d）%(label)s”须由%(kinds)s决定，所选会议是%(kind)s。")
            % {
                "n": data.step,
                "label": Step(data.step).label,
                "kinds": "或".join(str(ActivityKind(k).label) for k in kinds),
                "kind": meeting.get_kind_display(),
            }
        )
    if meeting.organization_id != applicant.organization_id:
        errors.append(
            _("所选会议是%(org)s的会议，不是%(own)s的会议。")
            % {"org": meeting.organization.name, "own": applicant.organization.name}
        )
    if not meeting.is_held:
        errors.append(_("所选会议尚未记录为已召开，请先在“组织生活”中记录出席情况。"))
    if data.on != meeting.on:
        errors.append(_("本步骤的日期应为会议召开的日期 %(on)s。") % {"on": meeting.on.isoformat()})
    if errors or data.step not in VOTE_STEPS:
        return errors
    if data.ballot is None:
        return [_("请填写表决结果（赞成、反对、弃权票数）。")]
    quorum = activity_selectors.quorum(meeting)
    if quorum.entitled <= 0:
        return [_("所选会议的出席记录中没有有表决权的正式党员，不能表决。")]
    return rules.vote_errors(
        rules.Vote(
            entitled=quorum.entitled,
            present=quorum.present,
            votes_for=data.ballot.votes_for,
            votes_against=data.ballot.votes_against,
            votes_abstaining=data.ballot.votes_abstaining,
        )
    )


def _meeting_vote(actor: User, applicant: Applicant, data: StepInput) -> MeetingVote | None:
    """Write the vote once, on the meeting (its decision item); the step keeps a copy."""
    if data.step not in VOTE_STEPS or data.meeting is None or data.ballot is None:
        return None
    if data.step == Step.ADMISSION_VOTE:
        subject = _("接收 %(name)s 为预备党员") % {"name": applicant.name}
    else:
        subject = _("%(name)s 按期转为正式党员") % {"name": applicant.name}
    return activity_services.vote_record(
        actor=actor,
        activity=data.meeting,
        subject=subject,
        in_favour=data.ballot.votes_for,
        against=data.ballot.votes_against,
        abstained=data.ballot.votes_abstaining,
    )


def _rule_violations(
    applicant: Applicant, data: StepInput, dates: dict[int, list[dt.date]]
) -> list[rules.Violation]:
    violations = []
    for rule in rules.rules_for(applicant.organization).values():
        if rule.to_step != data.step:
            continue
        if rule.from_step != rule.to_step and rule.to_step in dates:
            continue  # e.g. the first review's rule, once a review is recorded
        earlier = dates.get(rule.from_step, [])
        start = max(earlier) if earlier else None
        if rule.from_step == rule.to_step and rule.unit != "HOURS" and start is None:
            continue  # the first of a repeated step has its own rule from the step before
        violation = rules.check_rule(
            rule,
            start=start,
            on=data.on,
            training_hours=data.training_hours,
            extension_months=applicant.probation_extension_months,
        )
        if violation is not None:
            violations.append(violation)
    return violations


@transaction.atomic
def step_record(*, actor: User, applicant: Applicant, data: StepInput) -> StepRecord:
    """Record one step: in order, within the time rules (or as an administrator's exception)."""
    applicant = (
        Applicant.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=applicant.pk)
    )
    _require_manage(actor, applicant.organization)
    dates: dict[int, list[dt.date]] = {}
    for step, on in applicant.steps.values_list("step", "on"):
        dates.setdefault(step, []).append(on)
    last_on = max((d for ds in dates.values() for d in ds), default=None)
    errors = _order_errors(applicant, data, last_on)
    if errors:
        raise _refuse(errors, ErrorCode.STEP_ORDER)
    errors = _step_errors(actor, applicant, data)
    if errors:
        raise _refuse(errors, ErrorCode.STEP_INVALID)
    violations = _rule_violations(applicant, data, dates)
    reason = data.exception_reason.strip()
    if violations and not reason:
        raise _refuse(
            [v.text for v in violations] + [_("如确属特殊情况，可由管理员填写例外说明后登记。")],
            ErrorCode.TIME_RULE,
        )
    if violations and not is_administrator_for(actor, applicant.organization):
        raise _refuse(
            [v.text for v in violations]
            + [_("只有上级党组织的管理员可以登记例外，请联系管理员。")],
            ErrorCode.EXCEPTION_NOT_ALLOWED,
        )
    vote = _meeting_vote(actor, applicant, data)
    record = StepRecord.objects.create(
        applicant=applicant,
        step=data.step,
        on=data.on,
        people=data.people.strip()[:300],
        documents=data.documents.strip()[:300],
        opinion=data.opinion.strip(),
        meeting=data.meeting,
        meeting_vote=vote,
        entitled=vote.entitled if vote else None,
        present=vote.present if vote else None,
        votes_for=vote.in_favour if vote else None,
        votes_against=vote.against if vote else None,
        votes_abstaining=vote.abstained if vote else None,
        training_hours=data.training_hours,
        exception_reason=reason[:300] if violations else "",
        exception_rules="；".join(v.text for v in violations)[:600],
        recorded_by=_user(actor),
    )
    if data.members:
        record.members.set(list(data.members))
    applicant.last_step = max(applicant.last_step, data.step)
    applicant.stage = stage_for_step(applicant.last_step)
    applicant.save(update_fields=["last_step", "stage", "updated_at"])
    if data.step == Step.ADMISSION_APPROVED:
        _admit(actor, applicant, meeting_on=max(dates[Step.ADMISSION_VOTE]), record=record)
    if data.step == Step.CONVERSION_APPROVED:
        _convert(actor, applicant, dates=dates, record=record)
    audit_record(
        actor=actor,
        action=AuditAction.APPROVE if data.step in (17, 24) else AuditAction.UPDATE,
        target=applicant,
        summary=_("%(name)s：（%(n)d）%(label)s")
        % {"name": applicant.name, "n": data.step, "label": Step(data.step).label},
        detail={"step": data.step, "exception": bool(violations)},
    )
    return record


def probation_ends_on(applicant: Applicant, meeting_on: dt.date) -> dt.date:
    """The end of probation: a year from the branch meeting, plus any extension."""
    rule = rules.rules_for(applicant.organization).get(rules.PROBATION_RULE)
    if rule is None:
        return rules.add_months(meeting_on, 12 + (applicant.probation_extension_months or 0))
    return rules.rule_bound(rule, meeting_on, applicant.probation_extension_months)


def _admit(actor: User, applicant: Applicant, *, meeting_on: dt.date, record: StepRecord) -> None:
    """On approval: the member record, 预备党员 from the meeting date, added as 新发展."""
    member = member_services.member_create(
        actor=actor,
        organization=applicant.organization,
        data={
            "name": applicant.name,
            "sex": applicant.sex,
            "birth_date": applicant.birth_date,
            "education": applicant.education,
            "occupation": applicant.occupation,
            "work_unit": applicant.work_unit,
            "phone": applicant.phone,
            "category": MemberCategory.PROBATIONARY,
            "joined_on": meeting_on,
            "full_member_on": None,
        },
        id_number=applicant.id_number,
        how_added=HowAdded.NEWLY_ADMITTED,
        started_on=meeting_on,
        reason=_("发展党员：支部大会 %(meeting)s 通过，上级党委 %(approved)s 审批")
        % {"meeting": meeting_on.isoformat(), "approved": record.on.isoformat()},
    )
    member_services.member_archive_note(
        actor=actor,
        member=member,
        summary=_("接收为预备党员（支部大会 %(meeting)s 通过，上级党委 %(approved)s 批准）")
        % {"meeting": meeting_on.isoformat(), "approved": record.on.isoformat()},
        effective_on=meeting_on,
    )
    applicant.member = member
    applicant.save(update_fields=["member", "updated_at"])


def _convert(
    actor: User, applicant: Applicant, *, dates: dict[int, list[dt.date]], record: StepRecord
) -> None:
    if applicant.member is None:
        raise ValidationError(_("该记录没有对应的党员档案，不能转正。"), code=ErrorCode.NO_MEMBER)
    full_on = probation_ends_on(applicant, max(dates[Step.ADMISSION_VOTE]))
    member_services.member_convert_to_full(
        actor=actor,
        member=applicant.member,
        on=full_on,
        reason=_("支部大会 %(vote)s 通过转正，上级党委 %(approved)s 批准")
        % {"vote": max(dates[Step.CONVERSION_VOTE]).isoformat(), "approved": record.on.isoformat()},
    )


# --- probation: extension and cancellation --------------------------------------------------


@transaction.atomic
def probation_extend(
    *, actor: User, applicant: Applicant, months: int, on: dt.date, reason: str
) -> Applicant:
    """延长预备期: at most once, 6 to 12 months (党章 art. 7), decided before conversion."""
    applicant = (
        Applicant.objects.select_for_update(of=("self",))
        .select_related("organization", "member")
        .get(pk=applicant.pk)
    )
    _require_manage(actor, applicant.organization)
    if not applicant.can_extend_probation():
        raise ValidationError(
            _("只有预备党员可以延长预备期。"), code=CoreErrorCode.NOT_PROBATIONARY
        )
    if applicant.last_step >= Step.CONVERSION_VOTE:
        raise ValidationError(_("已表决转正，不能再延长预备期。"), code=ErrorCode.ALREADY_VOTED)
    if applicant.probation_extension_months is not None:
        raise ValidationError(
            _("预备期只能延长一次（依据：%(s)s）。") % {"s": rules.EXTENSION_SOURCE},
            code=ErrorCode.EXTENDED_ONCE,
        )
    errors: dict[str, str] = {}
    if not 6 <= months <= 12:
        errors["months"] = _("延长预备期不能少于6个月，不能超过1年（依据：%(s)s）。") % {
            "s": rules.EXTENSION_SOURCE
        }
    if on > today():
        errors["on"] = _("日期不能晚于今天。")
    if not reason.strip():
        errors["reason"] = _("请填写延长预备期的原因（支部大会决议）。")
    if errors:
        raise ValidationError(errors)
    applicant.probation_extension_months = months
    applicant.probation_extended_on = on
    applicant.save(
        update_fields=["probation_extension_months", "probation_extended_on", "updated_at"]
    )
    assert applicant.member is not None
    member_services.member_archive_note(
        actor=actor,
        member=applicant.member,
        summary=_("延长预备期 %(n)d 个月") % {"n": months},
        reason=reason,
        effective_on=on,
    )
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        target=applicant,
        summary=_("%(name)s 延长预备期 %(n)d 个月") % {"name": applicant.name, "n": months},
    )
    return applicant


@transaction.atomic
def probation_cancel(*, actor: User, applicant: Applicant, on: dt.date, reason: str) -> Applicant:
    """取消预备党员资格: the member leaves the roster with that way of removal."""
    applicant = (
        Applicant.objects.select_for_update(of=("self",))
        .select_related("organization", "member")
        .get(pk=applicant.pk)
    )
    _require_manage(actor, applicant.organization)
    if not applicant.can_cancel_probation():
        raise ValidationError(
            _("只有预备党员可以取消预备党员资格。"), code=CoreErrorCode.NOT_PROBATIONARY
        )
    assert applicant.member is not None
    member_services.member_remove(
        actor=actor,
        member=applicant.member,
        how_removed=HowRemoved.PROBATION_CANCELLED,
        on=on,
        reason=reason,
    )
    applicant.ended_on = on
    applicant.end_reason = EndReason.PROBATION_CANCELLED
    applicant.end_note = reason.strip()[:300]
    applicant.stage = Stage.ENDED
    applicant.save(update_fields=["ended_on", "end_reason", "end_note", "stage", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        target=applicant,
        summary=_("取消 %(name)s 的预备党员资格") % {"name": applicant.name},
    )
    return applicant


@transaction.atomic
def applicant_end(
    *, actor: User, applicant: Applicant, on: dt.date, reason: EndReason, note: str
) -> Applicant:
    """Stop a record before admission (withdrawn, not continued, not approved, moved away)."""
    applicant = (
        Applicant.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=applicant.pk)
    )
    _require_manage(actor, applicant.organization)
    if reason == EndReason.PROBATION_CANCELLED:
        raise ValidationError({"reason": _("取消预备党员资格请使用“取消预备党员资格”。")})
    if not applicant.can_end():
        raise ValidationError(
            _("该记录已终止，或已接收为预备党员（请使用取消预备党员资格）。"),
            code=ErrorCode.NOT_OPEN,
        )
    last_on = applicant.steps.order_by("-on").values_list("on", flat=True).first()
    if on > today() or (last_on and on < last_on):
        raise ValidationError({"on": _("终止日期须在最近一个步骤之后，且不晚于今天。")})
    if not note.strip():
        raise ValidationError({"note": _("请填写终止的具体情况。")})
    applicant.ended_on = on
    applicant.end_reason = reason
    applicant.end_note = note.strip()[:300]
    applicant.stage = Stage.ENDED
    applicant.save(update_fields=["ended_on", "end_reason", "end_note", "stage", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        target=applicant,
        summary=_("终止 %(name)s 的发展：%(reason)s")
        % {"name": applicant.name, "reason": reason.label},
    )
    return applicant


def applicant_reveal(*, actor: User, applicant: Applicant, field: str) -> str:
    """The full ID or phone number, for a role allowed to see it; every reveal is audited."""
    if field not in ("id_number", "phone"):
        raise ValueError(field)
    if not scope_for(actor).can_reveal_path(applicant.organization.path):
        raise PermissionDenied(_("您的角色无权查看完整的身份证号码和联系电话。"))
    value = applicant.id_number if field == "id_number" else applicant.phone
    audit_record(
        actor=actor,
        action=AuditAction.REVEAL,
        target=applicant,
        summary=_("查看入党申请人 %(name)s 的%(field)s")
        % {
            "name": applicant.name,
            "field": _("公民身份号码") if field == "id_number" else _("联系电话"),
        },
        detail={"field": field},
    )
    return value


# --- local rules ----------------------------------------------------------------------------


@transaction.atomic
def time_rule_set_local(
    *, actor: User, organization: Organization, code: str, amount: int, source: str
) -> TimeRule:
    """A local value for a rule (e.g. 3 months instead of 6 before activist) in a subtree."""
    if not is_administrator_for(actor, organization):
        raise PermissionDenied(_("只有管理员可以设置本地的时间规定。"))
    base = TimeRule.objects.filter(code=code, organization__isnull=True).first()
    if base is None:
        raise ValidationError({"code": _("没有这条时间规定。")})
    if amount <= 0:
        raise ValidationError({"amount": _("数值须大于0。")})
    if not source.strip():
        raise ValidationError({"source": _("请填写本地规定的依据（文件名称和文号）。")})
    rule, _created = TimeRule.objects.update_or_create(
        code=code,
        organization=organization,
        defaults={
            "from_step": base.from_step,
            "to_step": base.to_step,
            "kind": base.kind,
            "unit": base.unit,
            "amount": amount,
            "description": base.description,
            "source": source.strip()[:200],
            "is_local_practice": True,
        },
    )
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        target=rule,
        summary=_("设置本地时间规定：%(rule)s %(interval)s")
        % {"rule": rule.description, "interval": rule.interval_text()},
        detail={"organization_id": organization.pk},
    )
    return rule


# --- the yearly plan -------------------------------------------------------------------------

PLAN_FIELDS = ("admitted", "under_45_percent", "educated_percent", "migrant_workers", "two_new")
PLAN_KINDS = frozenset(
    {OrgKind.LOCAL_COMMITTEE, OrgKind.PARTY_COMMITTEE, OrgKind.WORKING_COMMITTEE}
)


@transaction.atomic
def plan_save(
    *,
    actor: User,
    committee: Organization,
    year: int,
    targets: dict[str, int],
    note: str = "",
) -> RecruitmentPlan:
    """Set a committee's plan for the year (发展党员计划), or change it; an administrator at the
    committee or above does it, and the audit keeps the figures before and after."""
    _require_manage(actor, committee)
    if not is_administrator_for(actor, committee):
        raise PermissionDenied(_("发展党员计划由党委管理员制定。"))
    if committee.kind not in PLAN_KINDS:
        raise field_error(
            "committee",
            _("发展党员计划由县（市、区）委和基层党委制定。"),
            code=ErrorCode.PLAN_NOT_COMMITTEE,
        )
    unknown = set(targets) - set(PLAN_FIELDS)
    if unknown:
        raise ValueError(f"Not a target: {sorted(unknown)}")
    for name, value in targets.items():
        if value < 0 or (name.endswith("_percent") and value > 100):
            raise field_error(
                name, _("请填写0至100之间的占比或不小于0的人数。"), code=CoreErrorCode.OUT_OF_RANGE
            )
    plan = (
        RecruitmentPlan.objects.select_for_update().filter(committee=committee, year=year).first()
    )
    before = {name: getattr(plan, name) for name in PLAN_FIELDS} if plan else None
    if plan is None:
        plan = RecruitmentPlan(committee=committee, year=year, admitted=0)
    for name, value in targets.items():
        setattr(plan, name, value)
    plan.note = note.strip()[:300]
    plan.updated_by = actor
    plan.full_clean()
    plan.save()
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE if before else AuditAction.CREATE,
        target=plan,
        summary=_("%(org)s %(year)d 年度发展党员计划：%(n)d 名")
        % {"org": committee.name, "year": year, "n": plan.admitted},
        detail={"before": before, "after": {name: getattr(plan, name) for name in PLAN_FIELDS}},
    )
    return plan


def plan_export(
    *, actor: User, plan: RecruitmentPlan, progress: Any, rows: list[Any], children: list[Any]
) -> bytes:
    """The yearly plan against the actual as .xlsx (the plan page's rows and the organizations
    below the committee); the export is audited."""
    if not scope_for(actor).can_read_path(plan.committee.path):
        raise PermissionDenied
    from dangjian.core.workbooks import table_xlsx

    title = _("%(committee)s %(year)d 年度发展党员计划（实际数截至 %(day)s）") % {
        "committee": plan.committee.name,
        "year": plan.year,
        "day": progress.on.isoformat(),
    }
    body = table_xlsx(
        [
            (
                _("计划与实际"),
                [_("项目"), _("计划"), _("实际"), _("占比（%）")],
                [[str(label), planned, actual, share] for label, planned, actual, share in rows],
                title,
            ),
            (
                _("下级党组织"),
                [
                    _("党组织"),
                    _("已发展"),
                    _("45周岁以下"),
                    _("高中以上"),
                    _("外出务工"),
                    _("两新"),
                    _("发展对象"),
                ],
                [
                    [
                        p.organization.name,
                        p.admitted,
                        p.under_45,
                        p.educated,
                        p.migrant_workers,
                        p.two_new,
                        p.candidates,
                    ]
                    for p in children
                ],
                title,
            ),
        ]
    )
    audit_record(
        actor=actor,
        action=AuditAction.EXPORT,
        target=plan,
        summary=_("导出 %(year)d 年度发展党员计划") % {"year": plan.year},
    )
    return body
