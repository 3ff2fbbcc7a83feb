"""Cached figures of an organization's subtree, for the dashboards.

A county dashboard counts tens of thousands of rows; a branch secretary's changes touch a few.
So a subtree's figures are computed once, stored in `core.Figure` under the organization's
path, and read back until either they are older than `DANGJIAN_FIGURES_MAX_AGE` seconds or a
change below the organization invalidates them. A change at an organization invalidates that
organization and every ancestor (their subtrees include it); `invalidate_subtree` also drops
the figures of everything below (after a rule run over a whole subtree).

Core does not know the organization model: callers pass paths (``/1/7/42/``) and the
organization's code computes the value. Values are JSON.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.db import DatabaseError, transaction
from django.http import HttpRequest
from django.utils import timezone

from .models import Figure
from .paths import ancestor_paths, subtree

DEFAULT_MAX_AGE = 900


def max_age() -> int:
    return int(getattr(settings, "DANGJIAN_FIGURES_MAX_AGE", DEFAULT_MAX_AGE))


def cached(
    path: str,
    key: str,
    compute: Callable[[], Any],
    *,
    refresh: bool = False,
    younger_than: int | None = None,
) -> tuple[Any, dt.datetime]:
    """(value, when it was computed): the stored value when fresh, else `compute()` stored.

    Fresh is younger than `max_age()` seconds, or `younger_than` (a worker warming figures
    counts again those that would expire before its next round)."""
    now = timezone.now()
    if not refresh:
        age = max_age() if younger_than is None else min(younger_than, max_age())
        row = Figure.objects.filter(
            path=path, key=key, computed_at__gt=now - dt.timedelta(seconds=age)
        ).first()
        if row is not None:
            return row.value, row.computed_at
    value = compute()
    try:
        # A savepoint: two requests may store the same figure at once, and a failed write of
        # a cache must not break the request that computed it.
        with transaction.atomic():
            Figure.objects.bulk_create(
                [Figure(path=path, key=key, value=value, computed_at=now)],
                update_conflicts=True,
                unique_fields=["path", "key"],
                update_fields=["value", "computed_at"],
            )
    except DatabaseError:
        pass
    return value, now


def wants_refresh(request: HttpRequest) -> bool:
    """The dashboard's 刷新 link asks for figures counted now rather than from the cache."""
    return request.GET.get("refresh") == "1"


def invalidate(paths: Iterable[str]) -> None:
    """A change at each of these organizations: drop their figures and their ancestors'."""
    wanted = {ancestor for path in paths if path for ancestor in ancestor_paths(path)}
    if wanted:
        Figure.objects.filter(path__in=wanted).delete()


def invalidate_subtree(path: str) -> None:
    """Changes anywhere below `path`: drop its figures, its ancestors' and its descendants'."""
    invalidate([path])
    Figure.objects.filter(subtree(path)).delete()


def invalidate_all() -> None:
    Figure.objects.all().delete()


def mark(path: str, key: str) -> None:
    """Store a marker under `path` that a change below drops like any figure: a value kept
    elsewhere (a counted report) is current while its marker is there."""
    try:
        with transaction.atomic():
            Figure.objects.bulk_create(
                [Figure(path=path, key=key, value={}, computed_at=timezone.now())],
                update_conflicts=True,
                unique_fields=["path", "key"],
                update_fields=["value", "computed_at"],
            )
    except DatabaseError:
        pass


def is_marked(path: str, key: str) -> bool:
    """Whether the marker is still there: nothing changed below `path` since `mark`."""
    return Figure.objects.filter(path=path, key=key).exists()


def unmark(path: str, key: str) -> None:
    Figure.objects.filter(path=path, key=key).delete()
