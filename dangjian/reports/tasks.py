"""Background tasks of the reports: count a committee's annual report (decision 0275), and keep
the committees' dashboard figures and reports warm (decision 0130)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from dangjian.core.tasks import Periodic, register_periodic, task
from dangjian.organizations.choices import BRANCH_KINDS
from dangjian.organizations.models import Organization

from . import selectors, services

# The county and its townships: the dashboards whose figures cost most to count (a branch's
# are a few rows and are counted on every visit).
WARM_DEPTH = 1


@task()
def report_run(run_id: int) -> None:
    """Count one kept annual report (services.report_request queued it; its page polls)."""
    services.report_run_compute(run_id)


@task()
def figures_warm() -> int:
    """Count again the overview of every committee near the top whose cached figure has expired
    or was invalidated by a change below, and their annual reports of today (with every other
    committee's report of today someone opened), so that the next visitor does not wait."""
    warmed = 0
    committees = list(
        Organization.objects.filter(depth__lte=WARM_DEPTH, dissolved_on=None).exclude(
            kind__in=BRANCH_KINDS
        )
    )
    for organization in committees:
        selectors.overview_cached(organization)
        warmed += 1
    return warmed + services.report_runs_warm(committees, language=settings.LANGUAGE_CODE)


def register() -> None:
    register_periodic(
        Periodic(name="reports.figures_warm", task=figures_warm, every=dt.timedelta(minutes=5))
    )
