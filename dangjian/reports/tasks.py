"""Background tasks of the reports: keep the committees' dashboard figures warm (decision 0130)."""

from __future__ import annotations

import datetime as dt

from dangjian.core.tasks import Periodic, register_periodic, task
from dangjian.organizations.choices import BRANCH_KINDS
from dangjian.organizations.models import Organization

from . import selectors

# The county and its townships: the dashboards whose figures cost most to count (a branch's
# are a few rows and are counted on every visit).
WARM_DEPTH = 1


@task()
def figures_warm() -> int:
    """Count again the overview of every committee near the top whose cached figure has expired
    or was invalidated by a change below, so that the next visitor does not wait for it."""
    warmed = 0
    committees = Organization.objects.filter(depth__lte=WARM_DEPTH, dissolved_on=None).exclude(
        kind__in=BRANCH_KINDS
    )
    for organization in committees:
        selectors.overview_cached(organization)
        warmed += 1
    return warmed


def register() -> None:
    register_periodic(
        Periodic(name="reports.figures_warm", task=figures_warm, every=dt.timedelta(minutes=5))
    )
