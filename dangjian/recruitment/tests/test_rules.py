"""Invariants of the rule arithmetic (hypothesis) and the seeded national rules."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dangjian.recruitment import rules
from dangjian.recruitment.choices import Stage, Step, stage_for_step
from dangjian.recruitment.models import TimeRule

days = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2090, 12, 31))


@given(day=days, months=st.integers(min_value=0, max_value=36))
def test_add_months_keeps_the_day_or_the_month_end(day: dt.date, months: int) -> None:
    later = rules.add_months(day, months)
    assert later >= day
    assert (later.year - day.year) * 12 + later.month - day.month == months
    assert later.day == day.day or (later.day < day.day and (later + dt.timedelta(days=1)).day == 1)


@given(day=days, count=st.integers(min_value=1, max_value=30))
def test_working_days_skip_weekends(day: dt.date, count: int) -> None:
    later = rules.add_working_days(day, count)
    assert later.weekday() < 5
    span = [day + dt.timedelta(days=n) for n in range(1, (later - day).days + 1)]
    assert sum(1 for d in span if d.weekday() < 5) == count


@given(
    entitled=st.integers(min_value=1, max_value=200),
    data=st.data(),
)
def test_a_vote_passes_only_with_more_than_half_of_those_entitled(
    entitled: int, data: st.DataObject
) -> None:
    present = data.draw(st.integers(min_value=0, max_value=entitled))
    votes_for = data.draw(st.integers(min_value=0, max_value=present))
    against = data.draw(st.integers(min_value=0, max_value=present - votes_for))
    vote = rules.Vote(entitled, present, votes_for, against, present - votes_for - against)
    assert vote.passed == (2 * present > entitled and 2 * votes_for > entitled)
    assert (rules.vote_errors(vote) == []) == vote.passed


def test_stages_follow_the_steps() -> None:
    assert [stage_for_step(n) for n in (1, 3, 4, 6, 7, 16, 17, 23, 24, 25)] == [
        Stage.APPLICANT,
        Stage.APPLICANT,
        Stage.ACTIVIST,
        Stage.ACTIVIST,
        Stage.CANDIDATE,
        Stage.CANDIDATE,
        Stage.PROBATIONARY,
        Stage.PROBATIONARY,
        Stage.CONVERTED,
        Stage.CONVERTED,
    ]
    assert len(Step) == 25


@pytest.mark.django_db
def test_national_rules_are_seeded_with_their_sources() -> None:
    national = {r.code: r for r in TimeRule.objects.filter(organization__isnull=True)}
    assert national["first-talk"].interval_text() == "不超过1个月"
    assert national["activist-one-year"].interval_text() == "不少于1年"
    assert national["training-hours"].amount == 24
    assert all(r.source for r in national.values())
    assert {c for c, r in national.items() if r.is_local_practice} == {
        "application-to-activist",
        "public-notice",
    }
