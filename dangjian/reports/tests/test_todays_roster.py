"""Today's report reads the roster from the member rows (decision 0292), another day's from
today's member rows corrected by the membership rows of the members changed since (decision
0294): whatever the services did, every table is what the membership rows say."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dangjian.core.dates import today
from dangjian.members import services
from dangjian.members.choices import HowRemoved, MemberCategory, Sex
from dangjian.members.tests.steps import apply_step
from dangjian.reports import tables
from dangjian.reports.report import report_compute
from dangjian.site.testing import build_member, system_user

pytestmark = pytest.mark.django_db


def _figures(organization: Any, on: dt.date) -> dict[tuple[str, str], list[int]]:
    report = report_compute(organization, on)
    return {(t.key, r.key): list(r.values) for t in report.tables for r in t.rows}


def _from_memberships_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every day's roster read from the membership rows alone (joined with their members):
    what the readings of decisions 0292 and 0294 must add up to."""
    monkeypatch.setattr(
        tables,
        "roster_readings",
        lambda path, as_of: [(tables.roster_on(path, as_of), "member__", 1)],
    )


def test_todays_report_from_member_rows_is_the_report_from_memberships(
    county: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    actor, on = system_user(), today()
    last_month = on - dt.timedelta(days=30)
    services.membership_move(
        actor=actor,
        member=county.li,
        organization=county.west_village,
        on=last_month,
        reason="调整",
    )
    services.member_remove(
        actor=actor, member=county.qian, how_removed=HowRemoved.DIED, on=on, reason="去世"
    )
    services.member_remove(
        actor=actor, member=county.sun, how_removed=HowRemoved.SUSPENDED, on=on, reason="停止"
    )
    services.member_restore(
        actor=actor, member=county.sun, organization=county.south_village, on=on, reason="恢复"
    )
    build_member(
        organization=county.south_village,
        name="新党员",
        sex=Sex.FEMALE,
        birth_date=dt.date(2001, 2, 3),
        category=MemberCategory.PROBATIONARY,
        joined_on=on - dt.timedelta(days=10),
        started_on=on,
    )
    assert tables.roster_is_today(on)
    assert not tables.roster_is_today(on - dt.timedelta(days=1))
    with CaptureQueriesContext(connection) as captured:
        from_members = _figures(county.county, on)
    by_path = re.compile(r'FROM "members_member" WHERE \("members_member"\."organization_path"')
    assert sum(1 for q in captured.captured_queries if by_path.search(q["sql"])) >= 2
    _from_memberships_alone(monkeypatch)
    from_memberships = _figures(county.county, on)
    assert from_members == from_memberships
    assert from_members[("members", "total")][0] == 6


def _roster_figures(organization: Any, on: dt.date) -> tuple[list[Any], list[Any]]:
    data = tables.ReportData(organization, on)
    return (
        sorted(tables.member_cube(organization.path, on), key=repr),
        sorted(data.roster_per_organization, key=repr),
    )


def test_a_past_days_report_reads_the_unchanged_members_rows_and_the_changed_memberships(
    county: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A member moved, one removed and one added since the day: the day's report is the
    memberships' (they count where they were), and the two readings are the ones used."""
    actor, on = system_user(), today()
    day = on - dt.timedelta(days=20)
    services.membership_move(
        actor=actor, member=county.li, organization=county.west_village, on=on, reason="调整"
    )
    services.member_remove(
        actor=actor, member=county.qian, how_removed=HowRemoved.DIED, on=on, reason="去世"
    )
    build_member(organization=county.south_village, name="新党员", started_on=on)
    with CaptureQueriesContext(connection) as captured:
        past = _figures(county.county, day)
    sql = " ".join(q["sql"] for q in captured.captured_queries)
    assert re.search(r'FROM "members_member" WHERE \("members_member"\."organization_path"', sql)
    assert "GREATEST" in sql.upper() or "MAX(" in sql.upper()
    _from_memberships_alone(monkeypatch)
    assert past == _figures(county.county, day)
    assert past[("members", "total")][0] == 6  # 钱七 still, the new member not yet


OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["add", "move", "remove", "restore"]),
        st.integers(0, 5),  # which member
        st.integers(0, 2),  # which branch
        st.integers(0, 90),  # how many days ago
        st.sampled_from([HowRemoved.DIED, HowRemoved.SUSPENDED, HowRemoved.TRANSFERRED_OUT]),
    ),
    min_size=1,
    max_size=10,
)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=OPERATIONS)
def test_whatever_happened_since_a_day_its_roster_is_what_the_memberships_say(
    county: Any, operations: list[tuple[str, int, int, int, HowRemoved]]
) -> None:
    """Members added, moved, removed and restored on days in the last three months (oldest
    first; a step the services refuse changes nothing): on days before, between and after
    them, for the county, a township and a branch, the member cube and the roster per
    organization read as decision 0294 reads them equal the same read from the membership rows
    alone."""
    on = today()
    for operation, which, where, ago, how in sorted(operations, key=lambda o: -o[3]):
        apply_step(county, operation, which, where, how, on=on - dt.timedelta(days=ago))
    days = [on - dt.timedelta(days=ago) for ago in (1, 10, 45, 91, 400)]
    # The county, a township (members move in and out of it) and a branch.
    subtrees = [county.county, county.east, county.west_village]
    readings = {(o.pk, day): _roster_figures(o, day) for o in subtrees for day in days}
    with pytest.MonkeyPatch.context() as patch:
        _from_memberships_alone(patch)
        for organization in subtrees:
            for day in days:
                expected = _roster_figures(organization, day)
                assert readings[(organization.pk, day)] == expected, (organization.name, day)
