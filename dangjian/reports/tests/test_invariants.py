"""Invariants of the member tables for any birth and join dates (hypothesis)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dangjian.core.dates import add_years, age_on
from dangjian.members.choices import AgeBand
from dangjian.reports.report import report_compute
from dangjian.site.testing import build_member

AS_OF = dt.date(2026, 6, 30)
AGE_BANDS = [(band.value, band.bounds) for band in AgeBand]


def band_of(age: int) -> str:
    for value, (low, high) in AGE_BANDS:
        if (low is None or age >= low) and (high is None or age <= high):
            return value
    raise AssertionError(age)


members = st.lists(
    st.tuples(
        st.dates(min_value=dt.date(1930, 1, 1), max_value=dt.date(2007, 1, 1)),
        st.integers(min_value=0, max_value=20_000),
    ),
    min_size=1,
    max_size=5,
)


@pytest.mark.django_db
@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(people=members)
def test_every_member_table_adds_up_and_ages_match_the_calendar(tree, people):
    """Each member table's rows add up to the total, and each member is in the age band their
    age on the report date says (computed in Python, birthday by birthday)."""
    with transaction.atomic():
        expected: dict[str, int] = {}
        for birth, days in people:
            joined = min(add_years(birth, 18) + dt.timedelta(days=days), dt.date(2025, 1, 1))
            build_member(
                organization=tree.west_village, name="甲", birth_date=birth, joined_on=joined
            )
            band = band_of(age_on(birth, AS_OF))
            expected[band] = expected.get(band, 0) + 1
        report = report_compute(tree.west, AS_OF)
        total = report.value("members", "total")
        assert total == len(people)
        for key in ("age", "occupation", "joined", "ethnicity"):
            rows = report.table(key).rows
            if key == "ethnicity":
                rows = rows[:2]  # 汉族 and the 少数民族 subtotal
            assert sum(row.values[0] for row in rows) == total, key
        assert {r.key: r.values[0] for r in report.table("age").rows if r.values[0]} == expected
        transaction.set_rollback(True)
