"""The compliance page of a committee as a kept figure (decision 0283).

A county's or a province's page reads a year of activities and the roster of every branch below;
a big subtree's page shows the figure kept in `core.figures` (JSON: numbers, ids and names, no
translated text), stale while the worker counts it again; a smaller one counts on every visit,
from the same JSON, so both render alike.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from django.urls import reverse

from dangjian.core import figures
from dangjian.core.dates import today
from dangjian.members import subtrees
from dangjian.organizations.models import Organization

from . import periods, selectors
from .periods import Period
from .selectors import Compliance, KindCount

WITHOUT_LIFE_SHOWN = 50


@dataclass(frozen=True)
class Named:
    """An organization or a member as the page links it."""

    pk: int
    name: str
    url: str = ""

    def get_absolute_url(self) -> str:
        return self.url


@dataclass
class CompliancePage:
    result: Compliance | None  # None while the worker counts it (decision 0287)
    leadership: list[tuple[Named, list[KindCount]]]
    without_life: list[Named]
    kept: figures.Kept | None = None


def period_of(year: int, quarter: int | None) -> Period:
    return periods.quarter(year, quarter) if quarter else periods.year(year)


def _key(period: Period, on: dt.date) -> str:
    return (
        f"compliance-page:v1:{period.start.isoformat()}:{period.end.isoformat()}:{on.isoformat()}"
    )


def _counts(counts: list[KindCount]) -> list[list[Any]]:
    return [[c.kind, c.required, c.held] for c in counts]


def value(organization: Organization, period: Period, on: dt.date) -> dict[str, Any]:
    """What the page shows, as JSON."""
    result = selectors.compliance_rollup(organization, period, on=on)
    leadership = selectors.leadership_compliance(organization, period, on=on)
    without = selectors.members_without_life(organization, on).values_list("pk", "name")
    return {
        "counts": _counts(result.counts),
        "branches": result.branches,
        "compliant": result.compliant_branches,
        "lagging": [[o.pk, o.name, _counts(c)] for o, c in result.lagging],
        "leadership": [[o.pk, o.name, _counts(c)] for o, c in leadership],
        "without_life": [list(row) for row in without[:WITHOUT_LIFE_SHOWN]],
    }


def _kind_counts(rows: list[list[Any]]) -> list[KindCount]:
    return [KindCount(kind, required, held) for kind, required, held in rows]


def from_value(data: dict[str, Any], period: Period, kept: figures.Kept | None) -> CompliancePage:
    return CompliancePage(
        result=Compliance(
            period=period,
            counts=_kind_counts(data["counts"]),
            branches=data["branches"],
            compliant_branches=data["compliant"],
            # Named stands in for the organization: the page reads its pk and name only.
            lagging=[
                (cast(Organization, Named(pk, name)), _kind_counts(c))
                for pk, name, c in data["lagging"]
            ],
        ),
        leadership=[(Named(pk, name), _kind_counts(c)) for pk, name, c in data["leadership"]],
        without_life=[
            Named(pk, name, reverse("members:detail", args=[pk]))
            for pk, name in data["without_life"]
        ],
        kept=kept,
    )


def _page(organization: Organization, year: int, quarter: int) -> Figure:
    period = period_of(year, quarter or None)
    on = today()
    return _key(period, on), lambda: value(organization, period, on)


def _panel(organization: Organization) -> Figure:
    """The organization page's panel: this quarter so far and the last one, totals only."""
    on = today()
    current = periods.quarter_of(on)
    previous = periods.quarter_of(current.start - dt.timedelta(days=1))

    def compute() -> dict[str, Any]:
        quarter, last = selectors.compliance_rollups(
            organization, [current, previous], on=on, lagging_limit=0
        )
        return {
            "quarter": [_counts(quarter.counts), quarter.branches, quarter.compliant_branches],
            "previous": [_counts(last.counts), last.branches, last.compliant_branches],
        }

    return f"compliance-panel:v1:{on.isoformat()}", compute


def _dashboard(organization: Organization) -> Figure:
    """The home dashboard's weakest organizations (the key the dashboard has always used)."""
    on = today()
    current = periods.quarter_of(on)
    previous = periods.quarter_of(current.start - dt.timedelta(days=1))
    return (
        f"compliance:v2:{on.isoformat()}",  # v2: period dates, not labels
        lambda: selectors.compliance_dashboard(organization, previous, current, on=on),
    )


Figure = tuple[str, Callable[[], Any]]
# Every kept figure of this app by name: (key, compute) for an organization and the arguments.
FIGURES: dict[str, Callable[..., Figure]] = {
    "page": _page,
    "panel": _panel,
    "dashboard": _dashboard,
}


def _read(
    organization: Organization, name: str, args: list[Any], *, refresh: bool
) -> tuple[Any, figures.Kept | None]:
    """A big subtree's kept figure (a stale one shown while `tasks.figure_recount` counts it
    again; None with `figures.PENDING` while it counts one never counted, decision 0287), else
    (for the page and panel) counted now, or (the dashboard, a committee's card) from the
    figure cache as before."""
    key, compute = FIGURES[name](organization, *args)
    if not subtrees.is_big(organization):
        if name == "dashboard":
            value, _at = figures.cached(organization.path, key, compute, refresh=refresh)
            return value, None
        return compute(), None
    from . import tasks

    kept = figures.kept(
        organization.path,
        key,
        compute,
        recount=lambda: tasks.figure_recount.enqueue(organization.pk, name, args),
        refresh=refresh,
    )
    return kept.value, kept


def recount(organization: Organization, name: str, args: list[Any]) -> None:
    """The worker's recount of a kept figure a visitor found stale."""
    key, compute = FIGURES[name](organization, *args)
    figures.recount_store(organization.path, key, compute)


def warm(organization: Organization, *, younger_than: int) -> int:
    """The warm-up (reports.figures_warm) of a big committee: this year's page, the panel and
    the dashboard, each counted again only if stale or expiring before the next rounds."""
    for name, args in (("page", [today().year, 0]), ("panel", []), ("dashboard", [])):
        key, compute = FIGURES[name](organization, *args)
        figures.cached(organization.path, key, compute, younger_than=younger_than)
    return len(FIGURES)


def compliance_page(
    organization: Organization, year: int, quarter: int | None, *, refresh: bool = False
) -> CompliancePage:
    """The compliance page of `organization` for the year or one quarter (nothing but `kept`
    while the worker counts it, decision 0287)."""
    data, kept = _read(organization, "page", [year, quarter or 0], refresh=refresh)
    if data is None:
        return CompliancePage(None, [], [], kept)
    return from_value(data, period_of(year, quarter), kept)


def organization_panel(
    organization: Organization, *, refresh: bool = False
) -> tuple[Compliance, Compliance] | None:
    """(this quarter so far, the last quarter) for the organization page; None while the
    worker counts a big subtree's never counted (decision 0287)."""
    on = today()
    current = periods.quarter_of(on)
    previous = periods.quarter_of(current.start - dt.timedelta(days=1))
    data, _kept = _read(organization, "panel", [], refresh=refresh)
    if data is None:
        return None
    return tuple(  # type: ignore[return-value]
        Compliance(period, _kind_counts(counts), branches, compliant)
        for period, (counts, branches, compliant) in (
            (current, data["quarter"]),
            (previous, data["previous"]),
        )
    )


def dashboard(organization: Organization, *, refresh: bool) -> dict[str, Any] | None:
    """The home dashboard's compliance figure of a committee (JSON, the panel formats it);
    None while the worker counts a big subtree's never counted (decision 0287)."""
    data, _kept = _read(organization, "dashboard", [], refresh=refresh)
    return None if data is None else dict(data)
