"""软弱涣散 reviews and 整顿 cases: compute the candidates with their evidence, record the
committee's decision and why, follow each case, close it when the indicators recover or on a
recorded override. Every write checks scope and leaves an audit event."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.accounts.models import User
from dangjian.accounts.scope import scope_for
from dangjian.assessment.services import assessed_organizations
from dangjian.audit.choices import AuditAction
from dangjian.audit.services import audit_record
from dangjian.core.dates import today
from dangjian.core.error_codes import ErrorCode as CoreErrorCode
from dangjian.core.errors import field_error
from dangjian.organizations.models import Organization

from .error_codes import ErrorCode
from .indicators import INDICATORS
from .models import (
    Candidate,
    Case,
    CaseStatus,
    Criterion,
    Decision,
    Direction,
    ProgressNote,
    Review,
    ReviewStatus,
)


def _require_manage(actor: User, organization: Organization) -> None:
    if not scope_for(actor).can_manage_path(organization.path):
        raise PermissionDenied


def review_day(year: int, on: dt.date | None = None) -> dt.date:
    """The day a review of `year` reads the records as of: the year's end, or today before it."""
    return min(on or today(), dt.date(year, 12, 31))


def evaluate(
    committee: Organization, organizations: list[Organization], year: int, on: dt.date
) -> dict[int, list[dict[str, Any]]]:
    """Every active criterion measured for every organization: the evidence rows, in the
    criteria's order, each saying whether it was met."""
    evidence: dict[int, list[dict[str, Any]]] = {o.pk: [] for o in organizations}
    if not organizations:
        return evidence
    for criterion in Criterion.objects.filter(active=True):
        indicator = INDICATORS.get(criterion.indicator)
        if indicator is None:
            continue
        measures = indicator.compute(committee, organizations, year, on)
        for organization in organizations:
            measure = measures.get(organization.pk)
            value = measure.value if measure else None
            evidence[organization.pk].append(
                {
                    "indicator": criterion.indicator,
                    "value": str(value) if value is not None else None,
                    "detail": measure.detail if measure else {},
                    "threshold": str(criterion.threshold),
                    "direction": criterion.direction,
                    "met": criterion.flags(value),
                }
            )
    return evidence


def _met(evidence: list[dict[str, Any]]) -> int:
    return sum(1 for item in evidence if item["met"])


def _rank(review: Review) -> None:
    """Most criteria met first; then the tree's order."""
    ordered = sorted(
        review.candidates.select_related("organization"),
        key=lambda c: (-c.criteria_met, c.organization.path),
    )
    for rank, candidate in enumerate(ordered, start=1):
        candidate.rank = rank
    Candidate.objects.bulk_update(ordered, ["rank"])


@transaction.atomic
def review_create(
    *, actor: User, committee: Organization, year: int, on: dt.date | None = None
) -> Review:
    """Review the grassroots organizations below the committee for `year`: every organization
    that meets at least one criterion becomes a candidate, with the evidence of each."""
    _require_manage(actor, committee)
    organizations = assessed_organizations(committee)
    if not organizations:
        raise field_error(
            "committee",
            _("该党组织下没有可排查的基层党组织。"),
            code=ErrorCode.NOTHING_TO_REVIEW,
        )
    if Review.objects.filter(committee=committee, year=year).exists():
        raise field_error(
            "year",
            _("%(year)d 年度的软弱涣散排查已经开展。") % {"year": year},
            code=ErrorCode.REVIEW_EXISTS,
        )
    day = review_day(year, on)
    review = Review.objects.create(
        committee=committee, year=year, computed_on=day, created_by=actor
    )
    evidence = evaluate(committee, organizations, year, day)
    Candidate.objects.bulk_create(
        [
            Candidate(
                review=review,
                organization=organization,
                rank=0,
                criteria_met=_met(evidence[organization.pk]),
                evidence=evidence[organization.pk],
            )
            for organization in organizations
            if _met(evidence[organization.pk])
        ]
    )
    _rank(review)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        target=review,
        summary=_("开展 %(year)d 年度软弱涣散基层党组织排查：候选 %(n)d 个")
        % {"year": year, "n": review.candidates.count()},
    )
    return review


@transaction.atomic
def review_recompute(*, actor: User, review: Review, on: dt.date | None = None) -> Review:
    """Measure again: undecided candidates take the new evidence (and leave when no criterion
    is met any more), new candidates join; decided ones keep the evidence they were decided on."""
    _require_manage(actor, review.committee)
    review = Review.objects.select_for_update().get(pk=review.pk)
    if review.status == ReviewStatus.DECIDED:
        raise ValidationError(_("排查已确定，不能再重新计算。"), code=ErrorCode.REVIEW_DECIDED)
    day = review_day(review.year, on)
    organizations = assessed_organizations(review.committee)
    evidence = evaluate(review.committee, organizations, review.year, day)
    existing = {c.organization_id: c for c in review.candidates.all()}
    for organization in organizations:
        found = evidence[organization.pk]
        candidate = existing.get(organization.pk)
        if candidate is None:
            if _met(found):
                Candidate.objects.create(
                    review=review,
                    organization=organization,
                    rank=0,
                    criteria_met=_met(found),
                    evidence=found,
                )
        elif candidate.decision == Decision.PENDING:
            if _met(found):
                candidate.evidence, candidate.criteria_met = found, _met(found)
                candidate.save(update_fields=["evidence", "criteria_met"])
            else:
                candidate.delete()
    review.computed_on = day
    review.save(update_fields=["computed_on"])
    _rank(review)
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        target=review,
        summary=_("重新计算 %(year)d 年度软弱涣散排查") % {"year": review.year},
    )
    return review


@transaction.atomic
def candidate_decide(
    *,
    actor: User,
    candidate: Candidate,
    listed: bool,
    reason: str,
    cadre: str = "",
    measures: str = "",
    deadline: dt.date | None = None,
) -> Candidate:
    """The committee's decision on one candidate, with its reason. Listing opens the 整顿
    case: the cadre who guides it, the measures and the deadline."""
    review = candidate.review
    _require_manage(actor, review.committee)
    candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
    if review.status == ReviewStatus.DECIDED:
        raise ValidationError(_("排查已确定，不能再修改研判结果。"), code=ErrorCode.REVIEW_DECIDED)
    if candidate.decision != Decision.PENDING:
        raise ValidationError(_("该党组织已经研判。"), code=ErrorCode.ALREADY_DECIDED)
    reason = reason.strip()
    if not reason:
        raise field_error("reason", _("请写明研判理由。"), code=CoreErrorCode.REQUIRED)
    if listed:
        errors: dict[str, str] = {}
        if not cadre.strip():
            errors["cadre"] = _("请指定联系指导干部。")
        if not measures.strip():
            errors["measures"] = _("请写明整顿措施。")
        if deadline is None:
            errors["deadline"] = _("请确定整顿时限。")
        elif deadline < today():
            errors["deadline"] = _("整顿时限不能早于今天。")
        if errors:
            field, message = next(iter(errors.items()))
            raise field_error(field, message, code=CoreErrorCode.REQUIRED)
    candidate.decision = Decision.LISTED if listed else Decision.NOT_LISTED
    candidate.reason = reason[:500]
    candidate.decided_by = actor
    candidate.decided_at = timezone.now()
    candidate.full_clean()
    candidate.save(update_fields=["decision", "reason", "decided_by", "decided_at"])
    if listed:
        assert deadline is not None
        case = Case.objects.create(
            candidate=candidate,
            organization=candidate.organization,
            cadre=cadre.strip()[:100],
            measures=measures.strip(),
            deadline=deadline,
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            target=case,
            summary=_("确定 %(org)s 为软弱涣散整顿对象") % {"org": candidate.organization.name},
            detail={"reason": candidate.reason, "cadre": case.cadre, "deadline": str(deadline)},
        )
    else:
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            target=candidate,
            summary=_("研判 %(org)s 不列入软弱涣散整顿对象") % {"org": candidate.organization.name},
            detail={"reason": candidate.reason},
        )
    return candidate


@transaction.atomic
def review_finish(*, actor: User, review: Review) -> Review:
    """The committee's list is settled once every candidate has a decision."""
    _require_manage(actor, review.committee)
    pending = review.candidates.filter(decision=Decision.PENDING).count()
    if pending:
        raise ValidationError(
            _("还有 %(n)d 个候选党组织未研判。") % {"n": pending}, code=ErrorCode.UNDECIDED
        )
    review.status = ReviewStatus.DECIDED
    review.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action=AuditAction.APPROVE,
        target=review,
        summary=_("确定 %(year)d 年度软弱涣散整顿对象") % {"year": review.year},
    )
    return review


@transaction.atomic
def case_note_add(*, actor: User, case: Case, on: dt.date, text: str) -> ProgressNote:
    """A progress note: the listed organization itself or the committee writes it."""
    _require_manage(actor, case.organization)
    if case.status == CaseStatus.CLOSED:
        raise ValidationError(_("整顿已销号，不能再记录进展。"), code=ErrorCode.CASE_CLOSED)
    if not text.strip():
        raise field_error("text", _("请填写整顿进展。"), code=CoreErrorCode.REQUIRED)
    if on > today():
        raise field_error("on", _("日期不能晚于今天。"), code=CoreErrorCode.FUTURE)
    note = ProgressNote.objects.create(case=case, on=on, text=text.strip()[:1000], written_by=actor)
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        target=case,
        summary=_("记录 %(org)s 整顿进展") % {"org": case.organization.name},
    )
    return note


def case_check(case: Case, on: dt.date | None = None) -> list[dict[str, Any]]:
    """The criteria that listed the organization, measured again today: each line says whether
    it is still met. A criterion with no figure today (no data yet) counts as not recovered."""
    day = on or today()
    listed_on = {item["indicator"] for item in case.candidate.evidence if item["met"]}
    now = evaluate(case.candidate.review.committee, [case.organization], day.year, day)
    lines = []
    for item in now[case.organization.pk]:
        if item["indicator"] in listed_on:
            item["recovered"] = item["value"] is not None and not item["met"]
            lines.append(item)
    return lines


@transaction.atomic
def case_close(
    *, actor: User, case: Case, override_reason: str = "", on: dt.date | None = None
) -> Case:
    """销号: only when every criterion that listed the organization has recovered, or on an
    explicit override whose reason is kept with the case and in the audit trail."""
    _require_manage(actor, case.candidate.review.committee)
    case = Case.objects.select_for_update().select_related("candidate__review").get(pk=case.pk)
    if case.status == CaseStatus.CLOSED:
        raise ValidationError(_("整顿已销号。"), code=ErrorCode.CASE_CLOSED)
    lines = case_check(case, on)
    behind = [line for line in lines if not line["recovered"]]
    override_reason = override_reason.strip()
    if behind and not override_reason:
        names = _("、").join(
            str(INDICATORS[line["indicator"]].label)
            for line in behind
            if line["indicator"] in INDICATORS
        )
        raise ValidationError(
            _("以下指标尚未恢复，不能销号：%(names)s。确需销号的，请写明理由。") % {"names": names},
            code=ErrorCode.NOT_RECOVERED,
        )
    case.status = CaseStatus.CLOSED
    case.closed_at = timezone.now()
    case.closed_by = actor
    case.closing_evidence = lines
    case.override_reason = override_reason[:500] if behind else ""
    case.save(
        update_fields=["status", "closed_at", "closed_by", "closing_evidence", "override_reason"]
    )
    audit_record(
        actor=actor,
        action=AuditAction.APPROVE,
        target=case,
        summary=(
            _("%(org)s 整顿销号（指标未全部恢复，经研究销号）")
            if case.override_reason
            else _("%(org)s 整顿销号（指标已恢复）")
        )
        % {"org": case.organization.name},
        detail={"override_reason": case.override_reason} if case.override_reason else None,
    )
    return case


# --- the criteria ------------------------------------------------------------------------------

# Indicators whose figure is a share (0–100 %): a line above 100 would never or always be met.
PERCENT_INDICATORS = frozenset({"life_compliance", "dues_rate", "review_results"})
THRESHOLD_MAX = Decimal("99999.9")


def can_edit_criteria(actor: User) -> bool:
    """The criteria are the county's: only an administrator of a top organization edits them."""
    return scope_for(actor).manages_a_top_organization


@transaction.atomic
def criterion_update(
    *,
    actor: User,
    criterion: Criterion,
    threshold: Decimal,
    direction: str,
    active: bool,
    note: str,
) -> Criterion:
    """Change a criterion's line, direction, whether it is used and the county's note. The rule
    and its source stay as written; the change is in the audit trail (before and after), which
    the criteria page shows as the history. Reviews already computed keep their evidence."""
    if not can_edit_criteria(actor):
        raise PermissionDenied
    criterion = Criterion.objects.select_for_update().get(pk=criterion.pk)
    if direction not in Direction.values:
        raise field_error(
            "direction", _("请选择“低于”或“达到或超过”。"), code=CoreErrorCode.INVALID
        )
    upper = Decimal(100) if criterion.indicator in PERCENT_INDICATORS else THRESHOLD_MAX
    if (
        not isinstance(threshold, Decimal)
        or not threshold.is_finite()
        or threshold < 0
        or threshold > upper
        or threshold != threshold.quantize(Decimal("0.1"))
    ):
        raise field_error(
            "threshold",
            _("标准须在 0 到 %(upper)s 之间，最多一位小数。")
            % {"upper": format(upper.normalize(), "f")},
            code=CoreErrorCode.OUT_OF_RANGE,
        )
    threshold = threshold.quantize(Decimal("0.1"))
    note = note.strip()
    if len(note) > 300:
        raise field_error("note", _("说明最多 300 字。"), code=CoreErrorCode.OUT_OF_RANGE)
    before = {
        "threshold": str(criterion.threshold),
        "direction": criterion.direction,
        "active": criterion.active,
        "note": criterion.note,
    }
    criterion.threshold = threshold
    criterion.direction = direction
    criterion.active = active
    criterion.note = note
    after = {
        "threshold": str(threshold),
        "direction": direction,
        "active": active,
        "note": note,
    }
    changed = {key: [before[key], after[key]] for key in before if before[key] != after[key]}
    if not changed:
        return criterion
    criterion.save(update_fields=["threshold", "direction", "active", "note"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        target=criterion,
        summary=_("修改软弱涣散排查标准：%(name)s") % {"name": criterion.name},
        detail={"indicator": criterion.indicator, "changed": changed},
    )
    return criterion


# --- exports -------------------------------------------------------------------------------------


def review_export(*, actor: User, review: Review) -> bytes:
    """The review as .xlsx: the candidates in rank order with the committee's decision and
    reason, and one row per candidate and criterion with the evidence; the export is audited."""
    if not scope_for(actor).can_read_path(review.committee.path):
        raise PermissionDenied
    from dangjian.core.workbooks import table_xlsx

    from . import selectors

    candidates = list(selectors.candidates(review))
    listing = [
        [
            c.rank,
            c.organization.name,
            c.criteria_met,
            "；".join(line.label for line in selectors.evidence_lines(c.met())),
            c.get_decision_display(),
            c.reason,
        ]
        for c in candidates
    ]
    evidence = [
        [
            c.rank,
            c.organization.name,
            line.label,
            line.value if line.value is not None else "—",
            line.text,
            f"{Direction(line.direction).label if line.direction else ''} {line.threshold}",
            _("是") if line.met else _("否"),
            line.rule,
            line.source,
        ]
        for c in candidates
        for line in selectors.evidence_lines(c.evidence)
    ]
    title = _("%(committee)s %(year)d 年度软弱涣散基层党组织排查") % {
        "committee": review.committee.name,
        "year": review.year,
    }
    body = table_xlsx(
        [
            (
                _("候选及研判"),
                [
                    _("排序"),
                    _("党组织"),
                    _("符合情形数"),
                    _("符合的情形"),
                    _("研判结果"),
                    _("理由"),
                ],
                listing,
                title,
            ),
            (
                _("指标依据"),
                [
                    _("排序"),
                    _("党组织"),
                    _("指标"),
                    _("数值"),
                    _("构成"),
                    _("标准"),
                    _("是否符合"),
                    _("规则"),
                    _("依据"),
                ],
                evidence,
                title,
            ),
        ]
    )
    audit_record(
        actor=actor,
        action=AuditAction.EXPORT,
        target=review,
        summary=_("导出软弱涣散排查 %(year)d") % {"year": review.year},
        detail={"candidates": len(candidates)},
    )
    return body


def cases_export(*, actor: User, cases: list[Case]) -> bytes:
    """The 整顿 cases the reader sees as .xlsx (the list page's rows); the export is audited."""
    from dangjian.core.workbooks import table_xlsx

    rows = [
        [
            case.organization.name,
            case.candidate.review.year,
            case.cadre,
            case.measures,
            case.deadline,
            case.get_status_display(),
            timezone.localdate(case.closed_at) if case.closed_at else None,
            case.override_reason,
        ]
        for case in cases
    ]
    body = table_xlsx(
        [
            (
                _("整顿"),
                [
                    _("党组织"),
                    _("年度"),
                    _("联系指导干部"),
                    _("整顿措施"),
                    _("整顿时限"),
                    _("状态"),
                    _("销号日期"),
                    _("未达标销号理由"),
                ],
                rows,
                _("软弱涣散基层党组织整顿"),
            )
        ]
    )
    audit_record(
        actor=actor,
        action=AuditAction.EXPORT,
        target=None,
        target_type="rectification.case",
        summary=_("导出整顿对象 %(n)d 个") % {"n": len(rows)},
    )
    return body
