"""Background tasks of the reports: count a committee's annual report (decision 0275), keep the
big committees' figures and reports warm (decisions 0130, 0283), and recount a kept overview a
visitor found stale."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from dangjian.activities import kept as activities_kept
from dangjian.core import figures
from dangjian.core.tasks import Periodic, register_periodic, task
from dangjian.members import subtrees
from dangjian.organizations.models import Organization
from dangjian.recruitment import kept as recruitment_kept

from . import selectors, services

EVERY = dt.timedelta(minutes=5)
# Figures of past days (their keys carry the day) nobody reads again; a change no longer deletes
# them (decision 0283), so the warm-up does.
FIGURES_KEPT = dt.timedelta(days=2)


@task()
def report_run(run_id: int) -> None:
    """Count one kept annual report (services.report_request queued it; its page polls)."""
    services.report_run_compute(run_id)


@task()
def overview_recount(organization_id: int) -> None:
    """Count again a kept overview a visitor found stale (selectors.overview_kept queued it)."""
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is not None:
        selectors.overview_recount(organization)


@task()
def figures_warm() -> int:
    """Count again the figures of every committee with a big subtree (`subtrees.big_committees`:
    by size, not depth, so the province, cities, counties and big townships of a province, the
    county and big townships of a county) that a change below made stale or that expire before
    the next rounds — the overview, the compliance page, panel and dashboard, the recruitment
    page — and their annual reports of today (with every other committee's report of today
    someone opened), so that the next visitor does not wait; drop figures of past days."""
    fresh_for = max(figures.max_age() - 2 * int(EVERY.total_seconds()), 0)
    committees = subtrees.big_committees()
    for organization in committees:
        selectors.overview_warm(organization, younger_than=fresh_for)
        activities_kept.warm(organization, younger_than=fresh_for)
        recruitment_kept.warm(organization, younger_than=fresh_for)
    figures.prune(FIGURES_KEPT)
    return len(committees) + services.report_runs_warm(committees, language=settings.LANGUAGE_CODE)


def register() -> None:
    register_periodic(Periodic(name="reports.figures_warm", task=figures_warm, every=EVERY))
