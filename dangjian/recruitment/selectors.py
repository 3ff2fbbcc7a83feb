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
from dangjian.core.dates import today
from dangjian.organizations.models import Organization

from . import rules
from .choices import MEETING_KINDS, STAGE_GROUPS, RuleKind, RuleUnit, Stage, Step, stage_for_step
from .models import Applicant, StepRecord, TimeRule


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
    applicants = list(open_records.select_related("organization", "member"))
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
