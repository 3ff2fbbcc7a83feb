"""The recruitment page's figures of a committee as a kept figure (decision 0283).

The pipeline counts and what is due read every open record of the subtree and its step dates
(19 thousand rows in the demo county, a province's many times more). A big subtree's page shows
the figure kept in `core.figures` (JSON: numbers, ids, names, dates), stale while the worker
counts it again; a smaller one counts on every visit, from the same JSON.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from dangjian.core import figures
from dangjian.core.dates import today
from dangjian.members import subtrees
from dangjian.organizations.models import Organization

from . import selectors
from .choices import Step

DEADLINES_SHOWN = 30


@dataclass(frozen=True)
class Person:
    pk: int
    name: str

    def get_absolute_url(self) -> str:
        return reverse("recruitment:detail", args=[self.pk])


@dataclass(frozen=True)
class DeadlineRow:
    person: Person
    step: Step
    due_on: dt.date
    overdue: bool
    rule: str
    source: str


@dataclass
class RecruitmentPage:
    counts: selectors.PipelineCounts | None  # None while the worker counts it (decision 0287)
    deadlines: list[DeadlineRow]
    deadline_total: int
    overdue_total: int
    kept: figures.Kept | None = None


def _key(year: int, on: dt.date) -> str:
    return f"recruitment-page:v1:{year}:{on.isoformat()}"


def value(organization: Organization, year: int, on: dt.date) -> dict[str, Any]:
    """What the page shows, as JSON (the end of probation's rule, a translated sentence, is
    stored as None and translated when shown)."""
    counts = selectors.pipeline_counts(organization, year)
    due = selectors.deadlines(organization, on)
    probation = _("预备期满，应及时讨论转正")
    return {
        "counts": {f: getattr(counts, f) for f in COUNTS},
        "deadlines": [
            [
                d.applicant.pk,
                d.applicant.name,
                int(d.step),
                d.due_on.isoformat(),
                d.overdue,
                None if d.rule == probation else d.rule,
                d.source,
            ]
            for d in due[:DEADLINES_SHOWN]
        ],
        "deadline_total": len(due),
        "overdue_total": sum(1 for d in due if d.overdue),
    }


COUNTS = (
    "year",
    "applicants",
    "activists",
    "candidates",
    "probationary",
    "converted",
    "applied",
    "admitted",
)


def from_value(data: dict[str, Any], kept: figures.Kept | None) -> RecruitmentPage:
    return RecruitmentPage(
        counts=selectors.PipelineCounts(**data["counts"]),
        deadlines=[
            DeadlineRow(
                Person(pk, name),
                Step(step),
                dt.date.fromisoformat(due_on),
                overdue,
                _("预备期满，应及时讨论转正") if rule is None else rule,
                source,
            )
            for pk, name, step, due_on, overdue, rule, source in data["deadlines"]
        ],
        deadline_total=data["deadline_total"],
        overdue_total=data["overdue_total"],
        kept=kept,
    )


def recruitment_page(
    organization: Organization, year: int, *, refresh: bool = False
) -> RecruitmentPage:
    """The counts and deadlines of `organization`'s page: kept for a big subtree (a stale one
    shown while `recruitment.tasks.page_recount` counts it again; nothing but `kept` while it
    counts one never counted, decision 0287), else counted now."""
    on = today()
    if not subtrees.is_big(organization):
        return from_value(value(organization, year, on), None)
    from . import tasks

    kept = figures.kept(
        organization.path,
        _key(year, on),
        lambda: value(organization, year, on),
        recount=lambda: tasks.page_recount.enqueue(organization.pk, year),
        refresh=refresh,
    )
    if kept.pending:
        return RecruitmentPage(None, [], 0, 0, kept)
    return from_value(kept.value, kept)


def page_recount(organization: Organization, year: int) -> None:
    """The worker's recount of a kept page a visitor found stale."""
    on = today()
    figures.recount_store(organization.path, _key(year, on), lambda: value(organization, year, on))


def warm(organization: Organization, *, younger_than: int) -> None:
    """The warm-up (reports.figures_warm): this year's page, counted again if stale or expiring."""
    on = today()
    figures.cached(
        organization.path,
        _key(on.year, on),
        lambda: value(organization, on.year, on),
        younger_than=younger_than,
    )
