"""Materialized paths of the organization tree (``/1/7/42/``: primary keys from the root), as
plain strings, for code below the organizations app (the figure cache) and above it."""

from __future__ import annotations

from django.db.models import Q

SEPARATOR = "/"


def subtree(path: str, lookup: str = "path") -> Q:
    """Rows whose path at `lookup` lies in the subtree at `path` (the path itself and below).

    The one path filter: `accounts.scope.ScopedQuerySet` (`restrict`, `within`) and
    `Organization.objects.under` build on it, and code below them (the figure cache) uses it.
    """
    return Q(**{f"{lookup}__startswith": path})


def ancestor_paths(path: str) -> list[str]:
    """The path itself and every ancestor's path, root first."""
    parts = [p for p in path.split(SEPARATOR) if p]
    return [SEPARATOR + SEPARATOR.join(parts[: i + 1]) + SEPARATOR for i in range(len(parts))]


def child_on_path(parent_path: str, path: str) -> int | None:
    """The primary key of the parent's child on the way down to `path` (a descendant's, or the
    child's own), or None when `path` is the parent itself or not below it."""
    if not path.startswith(parent_path) or path == parent_path:
        return None
    return int(path[len(parent_path) :].split(SEPARATOR, 1)[0])
