"""The demo step on a small county (the full county is built by dangjian/core/tests/test_demo.py
and measured by bench/recruitment.py): records in order, admitted people are members."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db.models import F, Max

from dangjian.core.extensions import DemoContext, demo_steps
from dangjian.members.choices import MemberCategory
from dangjian.recruitment import rules, selectors
from dangjian.recruitment.choices import Stage
from dangjian.recruitment.models import Applicant, StepRecord
from dangjian.site.testing import build_member, system_user

pytestmark = pytest.mark.django_db
REFERENCE_DAY = dt.date(2026, 10, 1)


@pytest.fixture
def small_county(tree: Any) -> DemoContext:
    """Three branches of eight: six full members, one recent, one probationary."""
    branches = [tree.east_village, tree.south_village, tree.west_village]
    members_by_branch: dict[int, list[Any]] = {}
    for index, branch in enumerate(branches):
        members = [
            build_member(
                organization=branch, name=f"党员{index}{n}", joined_on=dt.date(2000 + n, 7, 1)
            )
            for n in range(6)
        ]
        members.append(
            build_member(
                organization=branch,
                name=f"新党员{index}",
                birth_date=dt.date(1995, 3, 3),
                joined_on=dt.date(2025, 3, 1),
                full_member_on=dt.date(2026, 3, 5),
            )
        )
        members.append(
            build_member(
                organization=branch,
                name=f"预备{index}",
                birth_date=dt.date(1996, 4, 4),
                category=MemberCategory.PROBATIONARY,
                joined_on=dt.date(2026, 5, 1),
            )
        )
        members_by_branch[branch.pk] = members
    return DemoContext(
        builder=system_user(),
        reference_day=REFERENCE_DAY,
        county=tree.county,
        branches=branches,
        members_by_branch=members_by_branch,
        progress=lambda _message: None,
    )


def test_demo_step_gives_ordered_records_and_links_members(small_county: DemoContext) -> None:
    step = next(s for s in demo_steps() if s.name == "recruitment")
    step.run(small_county)
    assert Applicant.objects.filter(stage=Stage.PROBATIONARY).count() == 3
    assert Applicant.objects.filter(stage=Stage.CONVERTED).count() >= 1
    assert Applicant.objects.filter(member__isnull=True).exists()  # new people too
    assert StepRecord.objects.aggregate(last=Max("on"))["last"] <= REFERENCE_DAY
    previous: dict[int, dt.date] = {}
    for applicant_id, on in StepRecord.objects.order_by("applicant", "step", "on").values_list(
        "applicant", "on"
    ):
        assert on >= previous.get(applicant_id, on), applicant_id
        previous[applicant_id] = on
    for applicant in Applicant.objects.all():
        assert applicant.last_step == max(applicant.steps.values_list("step", flat=True))
    meetings = StepRecord.objects.filter(step=15, applicant__member__isnull=False)
    assert meetings.count() == Applicant.objects.filter(member__isnull=False).count()
    assert not meetings.exclude(on=F("applicant__member__joined_on")).exists()
    sponsors = StepRecord.objects.filter(step=9).first()
    assert sponsors is not None
    assert sponsors.members.count() == 2
    assert all(m.category == MemberCategory.FULL for m in sponsors.members.all())
    for record in StepRecord.objects.filter(step=15):
        assert record.entitled is not None
        assert record.present is not None
        assert record.votes_for is not None
        vote = rules.Vote(record.entitled, record.present, record.votes_for, 0, 0)
        assert vote.passed
    counts = selectors.pipeline_counts(small_county.county, 2026)
    assert counts.probationary == 3
    assert isinstance(selectors.deadlines(small_county.county, REFERENCE_DAY), list)
