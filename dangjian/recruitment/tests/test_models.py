"""The recruitment record's guards: which stages allow which step."""

from __future__ import annotations

import datetime as dt

import pytest

from dangjian.recruitment.choices import Stage
from dangjian.recruitment.models import Applicant

ENDED_ON = dt.date(2026, 3, 1)


@pytest.mark.parametrize("stage", list(Stage))
@pytest.mark.parametrize("ended_on", [None, ENDED_ON])
def test_only_an_open_probationary_record_can_extend_or_cancel_the_probation(
    stage: Stage, ended_on: dt.date | None
) -> None:
    """The probation is extended or cancelled for a probationary member whose record runs."""
    applicant = Applicant(stage=stage, ended_on=ended_on)
    expected = stage == Stage.PROBATIONARY and ended_on is None
    assert applicant.can_extend_probation() is expected
    assert applicant.can_cancel_probation() is expected


@pytest.mark.parametrize("member_id", [None, 1])
@pytest.mark.parametrize("ended_on", [None, ENDED_ON])
def test_a_record_ends_only_while_open_and_before_admission(
    member_id: int | None, ended_on: dt.date | None
) -> None:
    """A record already ended, or one that made a member, cannot be ended (again)."""
    applicant = Applicant(stage=Stage.CANDIDATE, ended_on=ended_on, member_id=member_id)
    assert applicant.can_end() is (ended_on is None and member_id is None)
