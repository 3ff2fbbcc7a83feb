"""The membership ledger stays consistent under any sequence of moves, removals and restorations.

Each hypothesis example registers a fresh member inside a savepoint that is rolled back at the
end, so examples do not see each other's rows while the county fixture is built only once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from dangjian.core.dates import today
from dangjian.members import selectors, services
from dangjian.members.choices import (
    STATUS_FOR_REMOVAL,
    HowAdded,
    HowRemoved,
    MemberStatus,
)
from dangjian.members.models import Member, Membership
from dangjian.site.testing import build_member

BRANCHES = ("east_village", "south_village", "west_village", "east")


@dataclass(frozen=True)
class Move:
    branch: int
    days: int


@dataclass(frozen=True)
class Remove:
    how: HowRemoved
    days: int


@dataclass(frozen=True)
class Restore:
    branch: int
    days: int


Operation = Move | Remove | Restore

# Negative offsets try to backdate an operation; the services must refuse those.
day_offsets = st.integers(min_value=-3, max_value=30)
branch_indexes = st.integers(min_value=0, max_value=len(BRANCHES) - 1)
operations = st.lists(
    st.one_of(
        st.builds(Move, branch=branch_indexes, days=day_offsets),
        st.builds(Remove, how=st.sampled_from(list(HowRemoved)), days=day_offsets),
        st.builds(Restore, branch=branch_indexes, days=day_offsets),
    ),
    min_size=1,
    max_size=8,
)


@dataclass
class Row:
    organization_id: int
    started_on: dt.date
    how_added: str
    ended_on: dt.date | None = None
    how_removed: str = ""


@dataclass
class Expected:
    """What the ledger should hold, computed without the database."""

    rows: list[Row]
    status: str = MemberStatus.NORMAL
    periods: list[tuple[dt.date, dt.date | None]] = field(default_factory=list)

    @property
    def current(self) -> Row:
        return self.rows[-1]

    @property
    def on_roster(self) -> bool:
        return self.current.ended_on is None

    def last_date(self) -> dt.date:
        return self.current.ended_on or self.current.started_on

    def apply(self, operation: Operation, on: dt.date, organization_id: int) -> bool:
        """Apply the operation if the rules allow it; say whether they did."""
        current = self.current
        if isinstance(operation, Move):
            if not self.on_roster or organization_id == current.organization_id:
                return False
            if on < current.started_on:
                return False
            current.ended_on, current.how_removed = on, HowRemoved.MOVED_WITHIN
            self.rows.append(Row(organization_id, on, HowAdded.TRANSFERRED_IN))
            return True
        if isinstance(operation, Remove):
            if operation.how == HowRemoved.MOVED_WITHIN or not self.on_roster:
                return False
            if on < current.started_on or on > today():
                return False
            current.ended_on, current.how_removed = on, operation.how
            self.status = STATUS_FOR_REMOVAL[operation.how]
            start, _end = self.periods[-1]
            self.periods[-1] = (start, on)
            return True
        if current.ended_on is None or on < current.ended_on:
            return False
        how = HowAdded.RESTORED if self.status == MemberStatus.SUSPENDED else HowAdded.OTHER
        self.rows.append(Row(organization_id, on, how))
        self.status = MemberStatus.NORMAL
        self.periods.append((on, None))
        return True

    def on_roster_on(self, day: dt.date) -> bool:
        return any(start <= day and (end is None or day < end) for start, end in self.periods)


def run(county: Any, member: Member, operation: Operation, on: dt.date) -> None:
    actor = county.county_admin
    if isinstance(operation, Remove):
        services.member_remove(
            actor=actor, member=member, how_removed=operation.how, on=on, reason="决定"
        )
        return
    organization = getattr(county, BRANCHES[operation.branch])
    if isinstance(operation, Move):
        services.membership_move(
            actor=actor, member=member, organization=organization, on=on, reason="调整"
        )
    else:
        services.member_restore(
            actor=actor, member=member, organization=organization, on=on, reason="恢复"
        )


def check_ledger(county: Any, member: Member, expected: Expected) -> None:
    stored = list(Membership.objects.filter(member=member).order_by("started_on", "id"))

    # The rows are exactly those the rules predict.
    assert [
        (r.organization_id, r.started_on, r.ended_on, r.how_added, r.how_removed) for r in stored
    ] == [
        (r.organization_id, r.started_on, r.ended_on, r.how_added, r.how_removed)
        for r in expected.rows
    ]

    # At most one open row, and it is open exactly while the member is on the roster.
    open_rows = [r for r in stored if r.ended_on is None]
    assert len(open_rows) == (1 if expected.on_roster else 0)

    # Exactly one latest row: the most recent one.
    latest = [r for r in stored if r.is_latest]
    assert latest == [stored[-1]]

    # No two rows overlap as half-open periods [started_on, ended_on).
    for i, a in enumerate(stored):
        for b in stored[i + 1 :]:
            a_end = a.ended_on or dt.date.max
            b_end = b.ended_on or dt.date.max
            assert not (a.started_on < b_end and b.started_on < a_end), (a, b)

    # On every day since the first row, the member belongs to exactly one organization while
    # on the roster and to none while removed.
    first = stored[0].started_on
    for offset in range((today() - first).days + 1):
        day = first + dt.timedelta(days=offset)
        holding = [
            r for r in stored if r.started_on <= day and (r.ended_on is None or day < r.ended_on)
        ]
        assert len(holding) == (1 if expected.on_roster_on(day) else 0), day

    # The roster selector agrees on the days where something changed.
    for row in stored:
        edges = {row.started_on, row.started_on - dt.timedelta(days=1)}
        if row.ended_on is not None:
            edges.add(row.ended_on)
        for day in edges:
            on_roster = selectors.roster_on(county.county, day).filter(member=member)
            assert on_roster.count() == (1 if expected.on_roster_on(day) else 0), day

    member.refresh_from_db()
    assert member.status == expected.status


@contextmanager
def rolled_back() -> Iterator[None]:
    """A savepoint rolled back on exit: each example starts from the bare county."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=operations)
def test_membership_ledger_invariants(county, operations):
    """Whatever moves, removals and restorations happen, the member is in one place at a time."""
    start = today() - dt.timedelta(days=400)
    with rolled_back():
        member = build_member(
            organization=county.east_village,
            name="测试",
            joined_on=dt.date(2000, 7, 1),
            started_on=start,
        )
        expected = Expected(
            rows=[Row(county.east_village.pk, start, HowAdded.OTHER)], periods=[(start, None)]
        )
        for operation in operations:
            on = expected.last_date() + dt.timedelta(days=operation.days)
            organization_id = (
                0
                if isinstance(operation, Remove)
                else getattr(county, BRANCHES[operation.branch]).pk
            )
            allowed = expected.apply(operation, on, organization_id)
            event(f"{type(operation).__name__} {'ok' if allowed else 'refused'}")
            if allowed:
                run(county, member, operation, on)
            else:
                with pytest.raises(ValidationError):
                    run(county, member, operation, on)
            check_ledger(county, member, expected)
