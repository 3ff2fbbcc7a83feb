"""Deadlines per organization (an input for alerts) and the pipeline counts (statistics)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from dangjian.recruitment import selectors, services
from dangjian.recruitment.choices import EndReason, Step

from .helpers import PATH, new_applicant, walk

pytestmark = pytest.mark.django_db


def _due(
    county: Any, on: dt.date, organization: Any = None
) -> list[tuple[str, int, dt.date, bool]]:
    return [
        (d.person.name, d.step.value, d.due_on, d.overdue)
        for d in selectors.deadlines(organization or county.east, on)
    ]


def test_first_talk_due_within_a_month_overdue_the_day_after(county: Any) -> None:
    new_applicant(county)  # applied 2022-01-10
    assert _due(county, dt.date(2022, 2, 10)) == [("陈小明", 2, dt.date(2022, 2, 10), False)]
    assert _due(county, dt.date(2022, 2, 11)) == [("陈小明", 2, dt.date(2022, 2, 10), True)]
    assert _due(county, dt.date(2022, 2, 11), county.west) == []


def test_half_yearly_reviews_follow_the_latest_review(county: Any) -> None:
    applicant = walk(county, new_applicant(county), 5)
    assert _due(county, dt.date(2022, 8, 1)) == [("陈小明", 6, dt.date(2023, 1, 20), False)]
    walk(county, applicant, 6)  # review on 2023-01-15
    assert _due(county, dt.date(2023, 8, 1)) == [("陈小明", 6, dt.date(2023, 7, 15), True)]
    walk(county, applicant, 7)  # a candidate now: no more activist reviews
    assert _due(county, dt.date(2023, 8, 1)) == []


def test_approval_within_three_months_and_probation_ending(county: Any) -> None:
    applicant = walk(county, new_applicant(county), 15)
    assert _due(county, dt.date(2024, 1, 11)) == [("陈小明", 17, dt.date(2024, 1, 10), True)]
    walk(county, applicant, 21)
    items = selectors.deadlines(county.county, dt.date(2024, 10, 10))
    assert [(d.step, d.due_on, d.overdue) for d in items] == [
        (Step.CONVERSION_VOTE, dt.date(2024, 10, 10), False)
    ]
    assert "预备期满" in items[0].rule
    assert "党章" in items[0].source
    services.probation_extend(
        actor=county.east_admin, applicant=applicant, months=12, on=PATH[21], reason="决议"
    )
    assert _due(county, dt.date(2025, 10, 11)) == [("陈小明", 23, dt.date(2025, 10, 10), True)]


def test_ended_and_converted_records_have_no_deadlines(county: Any) -> None:
    ended = new_applicant(county)
    services.applicant_end(
        actor=county.east_admin, applicant=ended, on=PATH[1], reason=EndReason.WITHDREW, note="撤回"
    )
    walk(county, new_applicant(county, name="周明"), 25)
    assert _due(county, dt.date(2026, 1, 1)) == []


def test_pipeline_counts_per_stage_subtree_and_year(county: Any) -> None:
    walk(county, new_applicant(county, name="甲"), 1)
    walk(county, new_applicant(county, name="乙"), 5)
    walk(county, new_applicant(county, name="丙"), 11)
    walk(county, new_applicant(county, name="丁"), 20)
    walk(county, new_applicant(county, name="戊"), 25)
    ended = walk(county, new_applicant(county, name="己"), 2)
    services.applicant_end(
        actor=county.east_admin,
        applicant=ended,
        on=dt.date(2022, 6, 1),
        reason=EndReason.WITHDREW,
        note="撤回",
    )
    counts = selectors.pipeline_counts(county.county, 2024)
    assert (counts.applicants, counts.activists, counts.candidates, counts.probationary) == (
        1,
        1,
        1,
        1,
    )
    assert (counts.converted, counts.applied, counts.admitted) == (1, 0, 0)
    in_2022 = selectors.pipeline_counts(county.east_village, 2022)
    assert (in_2022.applicants, in_2022.activists, in_2022.applied) == (1, 4, 6)
    assert selectors.pipeline_counts(county.west, 2024).stages == [
        (stage, 0) for stage, _n in counts.stages
    ]
    assert selectors.pipeline_counts(county.county, 2023).admitted == 2
