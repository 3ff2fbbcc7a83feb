"""The demo county's pipeline: people at every stage in many branches, a few overdue, and
records that keep the order of the steps."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Count, F, Max

from dangjian.core import demo
from dangjian.core.extensions import demo_steps
from dangjian.members.choices import MemberCategory
from dangjian.organizations.models import Organization
from dangjian.recruitment import selectors
from dangjian.recruitment.choices import Stage
from dangjian.recruitment.models import Applicant, StepRecord

TIMINGS: dict[str, float] = {}


@pytest.fixture(scope="module")
def built(django_db_setup: Any, django_db_blocker: Any) -> Any:
    """Build the county once (rolled back after), timing the recruitment step on its own."""
    step = next(s for s in demo_steps() if s.name == "recruitment")
    original = step.run

    def timed(context: Any) -> None:
        started = time.perf_counter()
        original(context)
        TIMINGS["recruitment"] = time.perf_counter() - started

    object.__setattr__(step, "run", timed)
    try:
        with django_db_blocker.unblock(), transaction.atomic():
            yield demo.build_demo_county()
            transaction.set_rollback(True)
    finally:
        object.__setattr__(step, "run", original)


@pytest.mark.slow
@pytest.mark.django_db
def test_demo_pipeline_has_every_stage_and_a_few_overdue(built: Any) -> None:
    county = Organization.objects.get(parent__isnull=True)
    counts = dict(Applicant.objects.values_list("stage").annotate(n=Count("id")))
    for stage in (Stage.APPLICANT, Stage.ACTIVIST, Stage.CANDIDATE, Stage.PROBATIONARY):
        assert counts.get(stage, 0) > 100, stage
    assert counts.get(Stage.CONVERTED, 0) > 50
    assert Applicant.objects.values("organization").distinct().count() > 400
    due = selectors.deadlines(county, built_reference())
    overdue = [d for d in due if d.overdue]
    assert 5 <= len(overdue) < len(due) / 4, "a few overdue, most on time"
    pipeline = selectors.pipeline_counts(county, 2026)
    assert pipeline.applicants > 0
    assert pipeline.admitted > 0
    assert pipeline.converted > 0
    print(f"recruitment demo step: {TIMINGS['recruitment']:.2f} s")  # not timed: shared machine


def built_reference() -> Any:
    return demo.REFERENCE_DAY


@pytest.mark.slow
@pytest.mark.django_db
def test_demo_records_are_in_order_and_admitted_people_are_members(built: Any) -> None:
    """Dates never go backwards between steps; everyone admitted has a member record."""
    latest = StepRecord.objects.aggregate(last=Max("on"))["last"]
    assert latest <= demo.REFERENCE_DAY
    previous: dict[int, Any] = {}
    for applicant_id, on in StepRecord.objects.order_by("applicant", "step", "on").values_list(
        "applicant", "on"
    ):
        assert on >= previous.get(applicant_id, on), applicant_id
        previous[applicant_id] = on
    probationary = Applicant.objects.filter(stage=Stage.PROBATIONARY)
    assert not probationary.filter(member__isnull=True).exists()
    assert not probationary.exclude(member__category=MemberCategory.PROBATIONARY).exists()
    meetings = StepRecord.objects.filter(step=15, applicant__stage=Stage.PROBATIONARY)
    assert not meetings.exclude(on=F("applicant__member__joined_on")).exists()
    assert not Applicant.objects.filter(stage=Stage.APPLICANT, member__isnull=False).exists()
