"""Background tasks of the dues: keep the committees' report pages warm (decision 0260)."""

from __future__ import annotations

import datetime as dt

from dangjian.core import figures
from dangjian.core.dates import today
from dangjian.core.tasks import Periodic, register_periodic, task
from dangjian.organizations.choices import BRANCH_KINDS
from dangjian.organizations.models import Organization

from . import selectors

EVERY = dt.timedelta(minutes=5)
# The county and its townships: a report there sums thousands of accounts (1.7 s of CPU on the
# demo county); a branch's is counted on every visit.
WARM_DEPTH = 1


@task()
def report_warm() -> int:
    """Count again this year's dues report of every committee near the top whose cached figure
    was dropped by a change below, has expired or will expire before the next round, so that
    the next visitor reads it from the cache."""
    warmed = 0
    committees = Organization.objects.filter(depth__lte=WARM_DEPTH, dissolved_on=None).exclude(
        kind__in=BRANCH_KINDS
    )
    fresh_for = figures.max_age() - 2 * int(EVERY.total_seconds())
    for organization in committees:
        selectors.report_page(organization, today().year, younger_than=max(fresh_for, 0))
        warmed += 1
    return warmed


def register() -> None:
    register_periodic(Periodic(name="dues.report_warm", task=report_warm, every=EVERY))
