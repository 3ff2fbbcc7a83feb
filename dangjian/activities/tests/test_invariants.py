"""Compliance counting against a plain model of the rule, for any set of held activities; the
quorum and the cap on 优秀 for any numbers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dangjian.activities import periods, selectors
from dangjian.activities.choices import ActivityKind, ActivityStatus
from dangjian.activities.models import Activity
from dangjian.activities.selectors import Quorum

YEAR = 2026
ON = dt.date(2027, 1, 10)
MONTHLY = ActivityKind.THEME_DAY
QUARTERLY = ActivityKind.GENERAL_MEETING

days = st.dates(min_value=dt.date(YEAR, 1, 1), max_value=dt.date(YEAR, 12, 31))
held = st.lists(st.tuples(st.sampled_from([MONTHLY, QUARTERLY]), days, st.booleans()), max_size=30)


@contextmanager
def rolled_back() -> Iterator[None]:
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def model(
    activities: list[tuple[str, dt.date, bool]], period: periods.Period
) -> dict[str, tuple[int, int]]:
    """Each month (theme day) or quarter (general meeting) of the period counts once if held."""
    inside = [(k, d) for k, d, is_held in activities if is_held and period.start <= d < period.end]
    months = {d.month for k, d in inside if k == MONTHLY}
    quarters = {(d.month - 1) // 3 for k, d in inside if k == QUARTERLY}
    n_months = period.months
    return {MONTHLY: (len(months), n_months), QUARTERLY: (len(quarters), n_months // 3)}


@pytest.mark.django_db
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(activities=held, quarter=st.integers(min_value=0, max_value=4))
def test_compliance_matches_the_rule(county, activities, quarter):
    period = periods.quarter(YEAR, quarter) if quarter else periods.year(YEAR)
    with rolled_back():
        Activity.objects.bulk_create(
            Activity(
                organization=county.east_village,
                kind=kind,
                topic="t",
                on=day,
                status=ActivityStatus.HELD if is_held else ActivityStatus.PLANNED,
            )
            for kind, day, is_held in activities
        )
        counts = {
            c.kind: (c.held, c.required)
            for c in selectors.compliance(county.east_village, period, on=ON).counts
        }
        expected = model(activities, period)
        assert counts[MONTHLY] == expected[MONTHLY]
        assert counts[QUARTERLY] == expected[QUARTERLY]
        # the county sums its three branches; the other two held nothing
        total = {
            c.kind: (c.held, c.required)
            for c in selectors.compliance_rollup(county.county, period, on=ON).counts
        }
        assert total[MONTHLY] == (expected[MONTHLY][0], 3 * expected[MONTHLY][1])


@given(entitled=st.integers(min_value=0, max_value=500), data=st.data())
def test_quorum_is_strictly_more_than_half(entitled, data):
    present = data.draw(st.integers(min_value=0, max_value=entitled))
    q = Quorum(entitled=entitled, present=present)
    assert q.met == (entitled > 0 and 2 * present > entitled)


@given(
    total=st.integers(min_value=0, max_value=300), percent=st.integers(min_value=0, max_value=100)
)
def test_excellent_cap_never_exceeds_the_share(total, percent):
    from dangjian.activities.models import ReviewRound
    from dangjian.activities.services import excellent_cap

    cap = excellent_cap(ReviewRound(excellent_cap_percent=percent), total)
    assert cap * 100 <= total * percent < (cap + 1) * 100
