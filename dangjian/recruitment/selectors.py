"""Scoped reads of the recruitment record, the deadlines and the pipeline counts.

`deadlines(organization, on)` and `pipeline_counts(organization, year)` take an organization
rather than a user: they are inputs for alerts and statistics, whose callers scope first.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from dangjian.accounts.scope import ScopedQuerySet, scope_for
from dangjian.activities.choices import ActivityStatus, AttendanceStatus
from dangjian.activities.models import Activity
from dangjian.core.dates import age_on, today
from dangjian.members.choices import Education
from dangjian.organizations.choices import UnitKind
from dangjian.organizations.models import Organization

from . import rules
from .choices import MEETING_KINDS, STAGE_GROUPS, RuleKind, RuleUnit, Stage, Step, stage_for_step
from .models import Applicant, RecruitmentPlan, StepRecord, TimeRule


def scoped_applicants(user: Any) -> ScopedQuerySet[Applicant]:
    return Applicant.objects.restrict(user)


def meetings_for_step(applicant: Applicant, step: int) -> QuerySet[Activity]:
    """The recorded meetings that may decide `step` for the applicant: held meetings of the
    applicant's organization, of the step's kind, from the date of the latest step recorded
    up to today, the latest first; each with `entitled` and `present` (full members with a
    vote, from the roll; guests never count)."""
    kinds = MEETING_KINDS.get(step)
    if kinds is None:
        return Activity.objects.none()
    latest = applicant.steps.aggregate(latest=Max("on"))["latest"]
    voting = Q(attendance__is_guest=False, attendance__can_vote=True)
    queryset = Activity.objects.filter(
        organization_id=applicant.organization_id,
        kind__in=kinds,
        status=ActivityStatus.HELD,
        on__lte=today(),
    )
    if latest is not None:
        queryset = queryset.filter(on__gte=latest)
    return queryset.annotate(
        entitled=Count("attendance", filter=voting),
        present=Count("attendance", filter=voting & Q(attendance__status=AttendanceStatus.PRESENT)),
    ).order_by("-on", "-id")


def applicant_list(
    *, user: Any, organization: Organization, stage: str = "", q: str = ""
) -> QuerySet[Applicant]:
    scope_for(user).require_read(organization)
    queryset = scoped_applicants(user).within(organization)
    if stage:
        queryset = queryset.filter(stage=stage)
    if q.strip():
        queryset = queryset.filter(name__contains=q.strip())
    return queryset.select_related("organization", "member").order_by("stage", "-applied_on", "pk")


def applicant_get(*, user: Any, pk: int) -> Applicant:
    """One record in the user's scope, or 404."""
    return get_object_or_404(
        scoped_applicants(user).select_related("organization", "member"), pk=pk
    )


@dataclass
class StepRow:
    step: Step
    records: list[StepRecord]
    is_next: bool


@dataclass
class StageSection:
    heading: str
    rows: list[StepRow] = field(default_factory=list)


def applicant_record(applicant: Applicant) -> list[StageSection]:
    """The 25 steps in their 5 stages, each with what was recorded (全程纪实)."""
    from .services import next_steps

    by_step: dict[int, list[StepRecord]] = defaultdict(list)
    records = (
        applicant.steps.select_related("recorded_by", "meeting")
        .prefetch_related("members")
        .order_by("on", "id")
    )
    for record in records:
        by_step[record.step].append(record)
    upcoming = set(next_steps(applicant))
    sections = []
    for heading, steps in STAGE_GROUPS:
        section = StageSection(str(heading))
        for number in steps:
            section.rows.append(StepRow(Step(number), by_step.get(number, []), number in upcoming))
        sections.append(section)
    return sections


# --- deadlines ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    """A step due for a person by a date; `overdue` on the day asked about."""

    applicant: Applicant
    step: Step
    due_on: dt.date
    overdue: bool
    rule: str
    source: str

    @property
    def person(self) -> Applicant:
        return self.applicant


def _step_dates(applicants: QuerySet[Applicant]) -> dict[int, dict[int, dt.date]]:
    """Per applicant, the latest date of each step recorded."""
    dates: dict[int, dict[int, dt.date]] = defaultdict(dict)
    rows = (
        StepRecord.objects.filter(applicant__in=applicants.values("pk"))
        .values_list("applicant_id", "step")
        .annotate(latest=Max("on"))
        .order_by()
    )
    for applicant_id, step, latest in rows:
        dates[applicant_id][step] = latest
    return dates


def deadlines(organization: Organization, on: dt.date) -> list[Deadline]:
    """What is due for the open records in the subtree, soonest first.

    From every maximum interval in the time rules (the first talk within a month, a review
    every half year, approval within 3 months) whose from-step is recorded and to-step is not
    yet passed; and the end of probation (a year from the branch meeting, plus an extension),
    by which the conversion should be voted on.
    """
    open_records = Applicant.objects.within(organization).filter(
        ended_on__isnull=True, last_step__lt=Step.CONVERSION_APPROVED
    )
    # No `member`: no caller reads it, and its 28 columns cost a county's read a fifth.
    applicants = list(open_records.select_related("organization"))
    all_rules = list(TimeRule.objects.select_related("organization"))
    dates = _step_dates(open_records)
    in_force_by_path: dict[str, dict[str, TimeRule]] = {}
    items: list[Deadline] = []
    for applicant in applicants:
        path = applicant.organization.path
        if path not in in_force_by_path:
            in_force_by_path[path] = rules.resolve(all_rules, path)
        in_force = in_force_by_path[path]
        recorded = dates[applicant.pk]
        for rule in in_force.values():
            if rule.kind != RuleKind.MAXIMUM or rule.unit == RuleUnit.HOURS:
                continue
            start = recorded.get(rule.from_step)
            if start is None or applicant.last_step > rule.to_step:
                continue
            if rule.from_step != rule.to_step and rule.to_step in recorded:
                continue
            due = rules.rule_bound(rule, start, applicant.probation_extension_months)
            items.append(
                Deadline(
                    applicant, Step(rule.to_step), due, on > due, rule.description, rule.source
                )
            )
        probation = in_force.get(rules.PROBATION_RULE)
        if (
            probation is not None
            and applicant.stage == Stage.PROBATIONARY
            and Step.ADMISSION_VOTE in recorded
            and applicant.last_step < Step.CONVERSION_VOTE
        ):
            due = rules.rule_bound(
                probation, recorded[Step.ADMISSION_VOTE], applicant.probation_extension_months
            )
            items.append(
                Deadline(
                    applicant,
                    Step.CONVERSION_VOTE,
                    due,
                    on > due,
                    _("预备期满，应及时讨论转正"),
                    probation.source,
                )
            )
    items.sort(key=lambda d: (d.due_on, d.applicant.pk))
    return items


# --- pipeline ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PipelineCounts:
    """Counts for a subtree and a year.

    `applicants` … `probationary`: people at each stage at the end of the year (for the
    current year: today), leaving out ended records. `applied`, `admitted`, `converted`:
    what happened during the year (application, approval of admission, approval of full
    membership).
    """

    year: int
    applicants: int
    activists: int
    candidates: int
    probationary: int
    converted: int
    applied: int
    admitted: int

    @property
    def stages(self) -> list[tuple[Stage, int]]:
        return [
            (Stage.APPLICANT, self.applicants),
            (Stage.ACTIVIST, self.activists),
            (Stage.CANDIDATE, self.candidates),
            (Stage.PROBATIONARY, self.probationary),
            (Stage.CONVERTED, self.converted),
        ]


def pipeline_counts(organization: Organization, year: int) -> PipelineCounts:
    end = min(dt.date(year, 12, 31), today())
    in_subtree = StepRecord.objects.within(organization)
    tops = (
        in_subtree.filter(on__lte=end)
        .exclude(applicant__ended_on__lte=end)
        .values("applicant_id")
        .annotate(top=Max("step"))
        .values_list("top", flat=True)
    )
    at_end: dict[Stage, int] = defaultdict(int)
    for top in tops:
        at_end[stage_for_step(top)] += 1
    flows = dict(
        in_subtree.filter(
            on__year=year,
            step__in=[Step.APPLICATION, Step.ADMISSION_APPROVED, Step.CONVERSION_APPROVED],
        )
        .values("step")
        .annotate(n=Count("applicant_id", distinct=True))
        .values_list("step", "n")
    )
    return PipelineCounts(
        year=year,
        applicants=at_end[Stage.APPLICANT],
        activists=at_end[Stage.ACTIVIST],
        candidates=at_end[Stage.CANDIDATE],
        probationary=at_end[Stage.PROBATIONARY],
        converted=flows.get(Step.CONVERSION_APPROVED, 0),
        applied=flows.get(Step.APPLICATION, 0),
        admitted=flows.get(Step.ADMISSION_APPROVED, 0),
    )


# --- the yearly plan against the actual ------------------------------------------------------

# 高中以上文化程度: 普通高中, 中等专科 and above (GB/T 4658).
EDUCATED = frozenset(
    {
        Education.DOCTORATE,
        Education.MASTER,
        Education.BACHELOR,
        Education.JUNIOR_COLLEGE,
        Education.SECONDARY_SPECIALIZED,
        Education.HIGH_SCHOOL,
    }
)
# 两新组织: 新经济组织 (non-public enterprises) and 新社会组织 (social organizations).
TWO_NEW_UNITS = frozenset({UnitKind.PRIVATE_ENTERPRISE, UnitKind.SOCIAL_ORGANIZATION})
YOUNG_AGE = 45  # 45周岁以下: 以下 includes the number itself


def plan_warn_day(year: int) -> dt.date:
    """From this day of the year the plan page and the alert warn about an unmet plan
    (DANGJIAN_RULES["recruitment_plan_warn_month"], default 9: from 1 September)."""
    from django.conf import settings

    month = getattr(settings, "DANGJIAN_RULES", {}).get("recruitment_plan_warn_month", 9)
    return dt.date(year, month, 1)


def scoped_plans(user: Any) -> ScopedQuerySet[RecruitmentPlan]:
    return RecruitmentPlan.objects.restrict(user)


def plan_get(*, user: Any, pk: int) -> RecruitmentPlan:
    return get_object_or_404(scoped_plans(user).select_related("committee"), pk=pk)


@dataclass
class Progress:
    """The year's admissions (上级党委审批, step 17) in a subtree with the seed's mix, and the
    pipeline that can still be admitted this year."""

    organization: Organization
    year: int
    on: dt.date
    admitted: int = 0
    under_45: int = 0
    educated: int = 0
    migrant_workers: int = 0
    two_new: int = 0
    candidates: int = 0
    activists: int = 0

    def share(self, count: int) -> int | None:
        """A whole percentage of the admitted, rounded half up; None with nobody admitted."""
        if not self.admitted:
            return None
        return (count * 200 + self.admitted) // (2 * self.admitted)


def plan_progress(organization: Organization, year: int, on: dt.date | None = None) -> Progress:
    """Admissions of the year up to `on` (default today) in the organization's subtree, with
    their mix, and the candidates (发展对象) and activists open now. Two queries."""
    day = min(on or today(), dt.date(year, 12, 31))
    progress = Progress(organization, year, day)
    admitted = (
        StepRecord.objects.within(organization)
        .filter(step=Step.ADMISSION_APPROVED, on__year=year, on__lte=day)
        .values_list(
            "applicant_id",
            "on",
            "applicant__birth_date",
            "applicant__education",
            "applicant__migrant_worker",
            "applicant__organization__unit_kind",
        )
    )
    seen: set[int] = set()
    for applicant_id, approved_on, birth, education, migrant, unit_kind in admitted:
        if applicant_id in seen:
            continue
        seen.add(applicant_id)
        progress.admitted += 1
        progress.under_45 += age_on(birth, approved_on) <= YOUNG_AGE
        progress.educated += education in EDUCATED
        progress.migrant_workers += bool(migrant)
        progress.two_new += unit_kind in TWO_NEW_UNITS
    stages = dict(
        Applicant.objects.within(organization)
        .filter(ended_on__isnull=True, stage__in=[Stage.CANDIDATE, Stage.ACTIVIST])
        .values("stage")
        .annotate(n=Count("id"))
        .values_list("stage", "n")
    )
    progress.candidates = stages.get(Stage.CANDIDATE, 0)
    progress.activists = stages.get(Stage.ACTIVIST, 0)
    return progress


def plan_needed(plan: RecruitmentPlan, percent: int) -> int:
    """How many of the planned admissions a percentage asks for, rounded up."""
    return -(-plan.admitted * percent // 100)


@dataclass(frozen=True)
class PlanWarning:
    code: str
    text: str


def plan_warnings(plan: RecruitmentPlan, progress: Progress) -> list[PlanWarning]:
    """What is behind, from the warning day on (the year can still be steered until its end)."""
    if progress.on < plan_warn_day(plan.year):
        return []
    warnings: list[PlanWarning] = []
    missing = plan.admitted - progress.admitted
    if missing > 0:
        text = _("已发展 %(done)d 名，计划 %(plan)d 名，尚差 %(missing)d 名") % {
            "done": progress.admitted,
            "plan": plan.admitted,
            "missing": missing,
        }
        if progress.candidates < missing:
            text += _("；现有发展对象 %(n)d 名，全部发展也不能完成计划") % {
                "n": progress.candidates
            }
        warnings.append(PlanWarning("admitted", text))
    for code, label, count, percent in (
        ("under_45", _("45周岁以下"), progress.under_45, plan.under_45_percent),
        ("educated", _("高中以上文化程度"), progress.educated, plan.educated_percent),
    ):
        if percent and count < plan_needed(plan, percent):
            warnings.append(
                PlanWarning(
                    code,
                    _("%(label)s %(n)d 名，计划占比不低于 %(percent)d%%（%(needed)d 名）")
                    % {
                        "label": label,
                        "n": count,
                        "percent": percent,
                        "needed": plan_needed(plan, percent),
                    },
                )
            )
    for code, label, count, wanted in (
        ("migrant_workers", _("外出务工经商人员"), progress.migrant_workers, plan.migrant_workers),
        ("two_new", _("两新组织"), progress.two_new, plan.two_new),
    ):
        if count < wanted:
            warnings.append(
                PlanWarning(
                    code,
                    _("%(label)s %(n)d 名，计划不少于 %(wanted)d 名")
                    % {"label": label, "n": count, "wanted": wanted},
                )
            )
    return warnings
