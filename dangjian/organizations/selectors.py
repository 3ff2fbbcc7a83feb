"""Scoped reads of the organization tree."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from dangjian.accounts.scope import scope_for

from .models import Organization


def organization_get(*, user: Any, pk: int) -> Organization:
    """One organization in the user's scope, or 404."""
    return get_object_or_404(Organization.objects.restrict(user), pk=pk)


def organization_children(*, user: Any, parent: Organization | None) -> QuerySet[Organization]:
    """Children of `parent` (or the user's top organizations), each with its child count."""
    scope = scope_for(user)
    if parent is None:
        queryset = Organization.objects.tops(scope)
    else:
        queryset = Organization.objects.restrict(scope).filter(parent=parent)
    return queryset.annotate(child_count=Count("children")).order_by("kind", "name")


def organization_search(*, user: Any, q: str, limit: int = 20) -> QuerySet[Organization]:
    queryset = Organization.objects.restrict(user)
    if q:
        queryset = queryset.filter(Q(name__icontains=q) | Q(code__icontains=q))
    return queryset.order_by("path")[:limit]


def organization_ancestors(*, user: Any, organization: Organization) -> list[Organization]:
    """The breadcrumb: ancestors the user may read, root first."""
    scope = scope_for(user)
    paths = [p for p in organization.ancestor_paths() if scope.can_read_path(p)]
    return list(Organization.objects.filter(path__in=paths).order_by("depth"))
