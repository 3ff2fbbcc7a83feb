"""Assessment rounds: compute what the data gives, enter the rest by hand (who and why), grade."""

from __future__ import annotations

import io
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.accounts.models import User
from dangjian.accounts.scope import scope_for
from dangjian.assessment.error_codes import ErrorCode
from dangjian.audit.choices import AuditAction
from dangjian.audit.services import audit_record
from dangjian.core.error_codes import ErrorCode as CoreErrorCode
from dangjian.core.errors import field_error
from dangjian.organizations.choices import GRASSROOTS_KINDS, OrgKind
from dangjian.organizations.models import Organization

from . import selectors
from .models import AssessmentRound, Indicator, Result, RoundStatus, Score
from .sources import MANUAL, SOURCES

# (lowest total, grade), highest first; a deployment may set DANGJIAN_RULES["assessment_grades"].
DEFAULT_GRADES = [(90, "五星"), (80, "四星"), (70, "三星"), (60, "二星"), (0, "一星")]


def grades() -> list[tuple[int, str]]:
    return list(getattr(settings, "DANGJIAN_RULES", {}).get("assessment_grades", DEFAULT_GRADES))


def assessed_organizations(committee: Organization) -> list[Organization]:
    """The grassroots organizations below the committee (not itself, not party groups)."""
    return list(
        Organization.objects.under(committee.path)
        .filter(kind__in=GRASSROOTS_KINDS, dissolved_on__isnull=True)
        .exclude(pk=committee.pk)
        .exclude(kind=OrgKind.PARTY_GROUP)
        .order_by("path")
    )


def _require_manage(actor: User, organization: Organization) -> None:
    if not scope_for(actor).can_manage_path(organization.path):
        raise PermissionDenied


@transaction.atomic
def round_create(*, actor: User, committee: Organization, year: int) -> AssessmentRound:
    _require_manage(actor, committee)
    if not assessed_organizations(committee):
        raise field_error(
            "committee", _("该党组织下没有可考核的基层党组织。"), code=ErrorCode.NOTHING_TO_ASSESS
        )
    if AssessmentRound.objects.filter(committee=committee, year=year).exists():
        raise field_error(
            "year", _("%(year)d 年度的考核已经建立。") % {"year": year}, code=ErrorCode.EXISTS
        )
    assessment = AssessmentRound.objects.create(committee=committee, year=year, created_by=actor)
    round_compute(actor=actor, assessment=assessment)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        target=assessment,
        summary=_("建立 %(year)d 年度党组织考核") % {"year": year},
    )
    return assessment


@transaction.atomic
def round_compute(*, actor: User, assessment: AssessmentRound) -> AssessmentRound:
    """(Re)compute every computed indicator; manual scores stay as entered."""
    _require_manage(actor, assessment.committee)
    if assessment.status == RoundStatus.FINISHED:
        raise ValidationError(_("考核已完成，不能再计算。"), code=ErrorCode.FINISHED)
    organizations = assessed_organizations(assessment.committee)
    existing = {
        (s.organization_id, s.indicator_id): s for s in Score.objects.filter(round=assessment)
    }
    new: list[Score] = []
    changed: list[Score] = []
    for indicator in Indicator.objects.filter(active=True):
        source = SOURCES.get(indicator.source)
        values = source.compute(organizations, assessment.year) if source is not None else {}
        for organization in organizations:
            score = existing.get((organization.pk, indicator.pk))
            if score is None:
                score = Score(round=assessment, organization=organization, indicator=indicator)
                new.append(score)
            elif indicator.source != MANUAL:
                changed.append(score)
            if indicator.source != MANUAL:
                value, basis = values.get(organization.pk, (None, ""))
                score.value, score.basis = value, basis[:300]
    Score.objects.bulk_create(new, batch_size=1000)
    Score.objects.bulk_update(changed, ["value", "basis"], batch_size=1000)
    _totals(assessment)
    return assessment


@transaction.atomic
def score_enter(
    *,
    actor: User,
    assessment: AssessmentRound,
    organization: Organization,
    indicator: Indicator,
    value: Decimal,
    basis: str,
) -> Score:
    """A hand-entered score: who entered it and why stay with it (and in the audit trail)."""
    _require_manage(actor, assessment.committee)
    if assessment.status == RoundStatus.FINISHED:
        raise ValidationError(_("考核已完成，不能再修改得分。"), code=ErrorCode.FINISHED)
    if indicator.source != MANUAL:
        raise field_error(
            "indicator", _("这项指标由系统根据数据计算，不能手工填写。"), code=ErrorCode.COMPUTED
        )
    if not Decimal(0) <= value <= Decimal(100):
        raise field_error("value", _("得分须在 0 至 100 之间。"), code=CoreErrorCode.OUT_OF_RANGE)
    if not basis.strip():
        raise field_error("basis", _("请写明评分依据。"), code=CoreErrorCode.REQUIRED)
    score = Score.objects.select_for_update().get(
        round=assessment, organization=organization, indicator=indicator
    )
    before = score.value
    score.value = value
    score.basis = basis.strip()[:300]
    score.entered_by = actor
    score.entered_at = timezone.now()
    score.save(update_fields=["value", "basis", "entered_by", "entered_at"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        target=score,
        summary=_("考核评分：%(org)s · %(indicator)s %(value)s")
        % {"org": organization.name, "indicator": indicator.name, "value": value},
        detail={
            "before": str(before) if before is not None else None,
            "after": str(value),
            "basis": score.basis,
        },
    )
    _totals(assessment)
    return score


def _totals(assessment: AssessmentRound) -> None:
    """The weighted total of the scores that have a value, and its grade, per organization."""
    weights = {i.pk: i.weight for i in Indicator.objects.filter(active=True)}
    by_org: dict[int, list[tuple[Decimal, Decimal]]] = {}
    for organization_id, indicator_id, value in Score.objects.filter(
        round=assessment, indicator_id__in=weights, value__isnull=False
    ).values_list("organization_id", "indicator_id", "value"):
        if value is not None:
            by_org.setdefault(organization_id, []).append((weights[indicator_id], value))
    existing = {r.organization_id: r for r in Result.objects.filter(round=assessment)}
    new: list[Result] = []
    for organization in assessed_organizations(assessment.committee):
        pairs = by_org.get(organization.pk, [])
        weight = sum((w for w, _v in pairs), Decimal(0))
        total = (
            (sum((w * v for w, v in pairs), Decimal(0)) / weight).quantize(
                Decimal("0.1"), ROUND_HALF_UP
            )
            if weight
            else None
        )
        grade = next((name for floor, name in grades() if total is not None and total >= floor), "")
        result = existing.get(organization.pk)
        if result is None:
            new.append(
                Result(round=assessment, organization=organization, total=total, grade=grade)
            )
        else:
            result.total, result.grade = total, grade
    Result.objects.bulk_create(new, batch_size=1000)
    Result.objects.bulk_update(list(existing.values()), ["total", "grade"], batch_size=1000)


@transaction.atomic
def round_finish(*, actor: User, assessment: AssessmentRound) -> AssessmentRound:
    _require_manage(actor, assessment.committee)
    missing = Score.objects.filter(
        round=assessment, value__isnull=True, indicator__active=True
    ).count()
    if missing:
        raise ValidationError(
            _("还有 %(n)d 项得分未填写，填完后才能完成考核。") % {"n": missing},
            code=CoreErrorCode.INCOMPLETE,
        )
    assessment.status = RoundStatus.FINISHED
    assessment.save(update_fields=["status"])
    audit_record(
        actor=actor, action=AuditAction.APPROVE, target=assessment, summary=_("完成党组织考核")
    )
    return assessment


def round_export(*, actor: User, assessment: AssessmentRound) -> bytes:
    """The round's score table as .xlsx; the export is audited."""
    if not scope_for(actor).can_read_path(assessment.committee.path):
        raise PermissionDenied
    from dangjian.core.workbooks import new_workbook

    indicators, rows = selectors.round_table(assessment)
    buffer = io.BytesIO()
    book = new_workbook(buffer, in_memory=True)
    sheet = book.add_worksheet(str(assessment.year))
    bold = book.add_format({"bold": True})
    headers = [_("党组织"), *[f"{i.name}（{i.weight}）" for i in indicators], _("总分"), _("等次")]
    sheet.write_row(0, 0, headers, bold)
    for number, row in enumerate(rows, start=1):
        result = row.result
        values: list[object] = [row.organization.name]
        values += [
            float(s.value) if s is not None and s.value is not None else "" for s in row.scores
        ]
        values += [float(result.total) if result.total is not None else "", result.grade]
        sheet.write_row(number, 0, values)
    sheet.set_column(0, 0, 28)
    book.close()
    audit_record(
        actor=actor,
        action=AuditAction.EXPORT,
        target=assessment,
        summary=_("导出 %(year)d 年度党组织考核") % {"year": assessment.year},
    )
    return buffer.getvalue()
