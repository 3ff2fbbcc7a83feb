"""Background tasks of the dues: keep the big committees' report pages and home figures warm
(decision 0260, by size since decision 0283), and recount a kept one a visitor found stale."""

from __future__ import annotations

import datetime as dt

from dangjian.core import figures
from dangjian.core.dates import today
from dangjian.core.tasks import Periodic, register_periodic, task
from dangjian.members import subtrees
from dangjian.organizations.models import Organization

from . import selectors

EVERY = dt.timedelta(minutes=5)


@task()
def report_warm() -> int:
    """Count again this year's dues report and the home card's dues figure of every committee
    with a big subtree (`members.subtrees.big_committees`: the county and its big townships in
    a county deployment; the province, cities, counties and big townships in a province) whose
    figure a change below made stale, has expired or will expire before the next rounds, so
    that the next visitor reads it counted."""
    warmed = 0
    fresh_for = max(figures.max_age() - 2 * int(EVERY.total_seconds()), 0)
    year = today().year
    for organization in subtrees.big_committees():
        selectors.report_page(organization, year, younger_than=fresh_for)
        selectors.settled_dashboard_warm(organization, younger_than=fresh_for)
        warmed += 1
    return warmed


@task()
def report_recount(organization_id: int, year: int, month: int) -> None:
    """Count again a kept report page a visitor found stale (selectors.report_page queued it)."""
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is not None:
        selectors.report_page_recount(organization, year, month or None)


@task()
def dashboard_recount(organization_id: int) -> None:
    """Count again a kept home card's dues figure a visitor found stale."""
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is not None:
        selectors.settled_dashboard_recount(organization)


def register() -> None:
    register_periodic(Periodic(name="dues.report_warm", task=report_warm, every=EVERY))
