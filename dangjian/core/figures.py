"""Cached figures of an organization's subtree, for the dashboards and the committee pages.

A county dashboard counts tens of thousands of rows, a province's millions; a branch secretary's
changes touch a few. So a subtree's figures are computed once, stored in `core.Figure` under the
organization's path, and read back while fresh: younger than `DANGJIAN_FIGURES_MAX_AGE` seconds
and not marked stale by a change below. A change at an organization marks stale that
organization's figures and every ancestor's (their subtrees include it); `invalidate_subtree`
also marks everything below (after a rule run over a whole subtree). Marking keeps the value
(decision 0283): in a province thousands of secretaries write all day, so the figures of the top
committees are almost never fresh, and a page that counted whenever they were not would count on
nearly every visit.

Two ways to read:

- `cached`: the stored value when fresh, else counted now and stored (a small subtree, whose
  secretary expects to see what they just did, and the worker's warm-up);
- `kept`: a big subtree's page. The stored value whatever its age, with when it was counted and
  whether it is stale; a stale or expired one queues ONE recount on `dangjian worker` (claimed on
  the figure's row, so a second visitor queues none) and is shown meanwhile. A figure never
  counted is not counted in the request either (decision 0287: at a province that is 22 s of
  CPU, and every visitor of a cold page would start one): the first visitor claims it (a row
  without `computed_at`, the placeholder) and queues its count, and every page says "pending"
  until the worker stored it. Only the page's 刷新 (`?refresh=1`) counts in the request.

A count stores the instant it began: a change committed while it ran leaves the stored figure
stale (`stale_since` later than the count's start), so it is counted again rather than taken as
current.

Core does not know the organization model: callers pass paths (``/1/7/42/``) and the
organization's code computes the value. Values are JSON.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import Case, DateTimeField, F, Q, QuerySet, Value, When
from django.http import HttpRequest
from django.utils import timezone

from .models import Figure
from .paths import ancestor_paths, subtree

DEFAULT_MAX_AGE = 900
# A queued recount that has not stored its figure after this long is taken as lost (its worker
# died); the next visit queues another.
DEFAULT_RECOUNT_LOST_AFTER = 600


def max_age() -> int:
    return int(getattr(settings, "DANGJIAN_FIGURES_MAX_AGE", DEFAULT_MAX_AGE))


def recount_lost_after() -> int:
    return int(getattr(settings, "DANGJIAN_TASKS_STALE_AFTER", DEFAULT_RECOUNT_LOST_AFTER))


@dataclass(frozen=True)
class Kept:
    """A figure as a big subtree's page shows it; `pending` (no value, no `computed_at`) while
    the worker counts one never counted."""

    value: Any
    computed_at: dt.datetime | None
    stale: bool = False  # changed below since, or expired: a recount is under way

    @property
    def recounting(self) -> bool:
        return self.stale

    @property
    def pending(self) -> bool:
        return self.computed_at is None


PENDING = Kept(None, None)


def _store(path: str, key: str, value: Any, started: dt.datetime) -> None:
    """Store a figure counted from `started`: fresh unless a change came after `started`."""
    try:
        # A savepoint: two counts may store the same figure at once, and a failed write of a
        # cache must not break the request that computed it.
        with transaction.atomic():
            updated = Figure.objects.filter(path=path, key=key).update(
                value=value,
                computed_at=started,
                stale_since=Case(
                    When(stale_since__gt=started, then=F("stale_since")),
                    default=Value(None),
                    output_field=DateTimeField(),
                ),
                recount_queued_at=None,
            )
            if not updated:
                Figure.objects.bulk_create(
                    [Figure(path=path, key=key, value=value, computed_at=started)],
                    ignore_conflicts=True,
                )
    except DatabaseError:
        pass


def cached(
    path: str,
    key: str,
    compute: Callable[[], Any],
    *,
    refresh: bool = False,
    younger_than: int | None = None,
) -> tuple[Any, dt.datetime]:
    """(value, when it was computed): the stored value when fresh, else `compute()` stored.

    Fresh is not stale and younger than `max_age()` seconds, or `younger_than` (a worker
    warming figures counts again those that would expire before its next round)."""
    now = timezone.now()
    if not refresh:
        age = max_age() if younger_than is None else min(younger_than, max_age())
        row = Figure.objects.filter(
            path=path,
            key=key,
            stale_since=None,
            computed_at__gt=now - dt.timedelta(seconds=age),
        ).first()
        if row is not None and row.computed_at is not None:  # (never None: filtered above)
            return row.value, row.computed_at
    value = compute()
    _store(path, key, value, now)
    return value, now


def kept(
    path: str,
    key: str,
    compute: Callable[[], Any],
    *,
    recount: Callable[[], Any],
    refresh: bool = False,
) -> Kept:
    """A big subtree's figure for its page: the stored one even when stale or expired, never
    counted in the request unless `refresh` asks for it now.

    When the stored one is stale or expired, `recount()` (which queues the app's task that
    calls `recount_store`) runs after commit, once: the first visitor claims the figure's row
    by a conditional update, later visitors see the claim and queue nothing, until the
    recount stores the figure or the claim is older than `recount_lost_after()`.

    When none was ever stored the first visitor inserts the row without a figure (the
    placeholder, `computed_at` NULL) and claims it the same way; every visitor gets `PENDING`
    until the worker stored the figure (decision 0287)."""
    now = timezone.now()
    if refresh:
        value = compute()
        _store(path, key, value, now)
        return Kept(value, now)
    row = Figure.objects.filter(path=path, key=key).first()
    if row is None:
        _insert_placeholder(path, key)
        _claim(Figure.objects.filter(path=path, key=key, computed_at=None), now, recount)
        return PENDING
    if row.computed_at is None:
        _claim(Figure.objects.filter(pk=row.pk, computed_at=None), now, recount)
        return PENDING
    expired = row.computed_at <= now - dt.timedelta(seconds=max_age())
    stale = row.stale_since is not None or expired
    if stale:
        _claim(Figure.objects.filter(pk=row.pk), now, recount)
    return Kept(row.value, row.computed_at, stale=stale)


def _insert_placeholder(path: str, key: str) -> None:
    """The row of a figure never counted, without a figure: a visitor that finds it does not
    count (the unique (path, key) makes concurrent inserts one row; a figure stored meanwhile
    stays)."""
    Figure.objects.bulk_create(
        [Figure(path=path, key=key, value={}, computed_at=None)], ignore_conflicts=True
    )


def _claim(rows: QuerySet[Figure], now: dt.datetime, recount: Callable[[], Any]) -> None:
    """Queue `recount` after commit if this visitor is the first to claim the figure's row
    (or the last claim is older than `recount_lost_after()`, its worker died). A conditional
    update: of concurrent visitors exactly one changes the row."""
    lost = now - dt.timedelta(seconds=recount_lost_after())
    claimed = rows.filter(Q(recount_queued_at=None) | Q(recount_queued_at__lt=lost)).update(
        recount_queued_at=now
    )
    if claimed:
        transaction.on_commit(recount)


def recount_store(path: str, key: str, compute: Callable[[], Any]) -> Any:
    """The worker's recount of a kept figure: count it now and store it (fresh unless a change
    came while counting). Nothing to do when it is fresh already (the warm-up, or another
    recount, stored it since it was queued)."""
    value, _computed_at = cached(path, key, compute)
    return value


def wants_refresh(request: HttpRequest) -> bool:
    """The dashboard's 刷新 link asks for figures counted now rather than from the cache."""
    return request.GET.get("refresh") == "1"


def invalidate(paths: Iterable[str]) -> None:
    """A change at each of these organizations: mark their figures and their ancestors' stale
    (the latest change's instant, so that a count already running stores a stale figure)."""
    wanted = {ancestor for path in paths if path for ancestor in ancestor_paths(path)}
    if wanted:
        Figure.objects.filter(path__in=wanted).update(stale_since=timezone.now())


def invalidate_subtree(path: str) -> None:
    """Changes anywhere below `path`: mark its figures, its ancestors' and its descendants'."""
    invalidate([path])
    Figure.objects.filter(subtree(path)).update(stale_since=timezone.now())


def invalidate_all() -> None:
    Figure.objects.update(stale_since=timezone.now())


def prune(older_than: dt.timedelta) -> int:
    """Drop figures counted longer ago than `older_than` (keys of past days nobody reads), and
    claims of a count that never stored its figure for as long (decision 0287)."""
    before = timezone.now() - older_than
    deleted, _by_model = Figure.objects.filter(
        Q(computed_at__lt=before)
        | Q(computed_at=None) & (Q(recount_queued_at=None) | Q(recount_queued_at__lt=before))
    ).delete()
    return deleted


def mark(path: str, key: str) -> None:
    """Store a marker under `path` that a change below makes stale like any figure: a value
    kept elsewhere (a counted report) is current while its marker is fresh."""
    try:
        with transaction.atomic():
            Figure.objects.bulk_create(
                [Figure(path=path, key=key, value={}, computed_at=timezone.now())],
                update_conflicts=True,
                unique_fields=["path", "key"],
                update_fields=["value", "computed_at", "stale_since"],
            )
    except DatabaseError:
        pass


def is_marked(path: str, key: str) -> bool:
    """Whether the marker is still fresh: nothing changed below `path` since `mark`."""
    return Figure.objects.filter(
        path=path, key=key, stale_since=None, computed_at__isnull=False
    ).exists()


def unmark(path: str, key: str) -> None:
    Figure.objects.filter(path=path, key=key).delete()
