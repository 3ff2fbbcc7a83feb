"""The small demo county built with the clock a year ahead: still a county of today.

A package of its own, so it does not share a worker's transaction with tests/demo's full county;
the small county (2,000 members, 60 branches) takes a few seconds to build. bench/demo_today.py
checks the full county on any day.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Exists, OuterRef

from dangjian.activities.choices import ActivityStatus
from dangjian.activities.models import Activity, Attendance
from dangjian.alerts.models import Alert, AlertStatus
from dangjian.core.dates import today
from dangjian.dues.models import LedgerEntry, Payment
from dangjian.site import demo


def within(counts: Counter[str], expected: dict[str, int]) -> list[str]:
    """The rules off the documented count by more than 10% (at least one either way)."""
    return [
        f"{rule}: {counts[rule]} open, {expected.get(rule, 0)} documented"
        for rule in sorted(set(counts) | set(expected))
        if abs(counts[rule] - expected.get(rule, 0)) > max(1, expected.get(rule, 0) // 10)
    ]


@pytest.mark.slow
@pytest.mark.django_db
def test_the_small_county_built_a_year_later_is_dated_that_day():
    """A year from now the demo's history ends on that day: held meetings with rolls, that
    month's ledger, and the deliberate alerts of docs/demo.md within 10%."""
    later = today() + dt.timedelta(days=365)
    out = io.StringIO()
    with time_machine.travel(dt.datetime.combine(later, dt.time(10), dt.UTC), tick=False):
        call_command("demo", "--small", stdout=out)
    assert f"{demo.SMALL.members} 名党员" in out.getvalue()
    held = Activity.objects.filter(status=ActivityStatus.HELD)
    assert held.filter(on__gte=later - dt.timedelta(days=31), on__lt=later).exists()
    assert not held.filter(on__gte=later).exists()
    roll = Attendance.objects.filter(activity=OuterRef("pk"), is_guest=False)
    assert held.exists()
    assert not held.exclude(Exists(roll)).exists()
    assert LedgerEntry.objects.filter(month=later.replace(day=1)).count() > 1_800
    assert not Payment.objects.filter(paid_on__gte=later).exists()
    counts = Counter(
        Alert.objects.filter(status=AlertStatus.OPEN).values_list("rule", flat=True).iterator()
    )
    expected = {rule: small for rule, (_full, small) in demo.DELIBERATE_ALERTS.items()}
    assert within(counts, expected) == []
