"""The scope function: what a user may read and manage. Every read and write goes through it.

A role at an organization reaches that organization and everything below it (its subtree,
by materialized path). A member sees only themselves. Superusers reach everything.
Out of scope is a 404 at the edges (views, API), never a partial answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import Http404

from dangjian.organizations.models import Organization

from .choices import MANAGING_ROLES, REVEALING_ROLES, Role

ROOT_PATH = "/"


def _collapse(paths: set[str]) -> tuple[str, ...]:
    """Drop paths that lie under another path in the set."""
    kept: list[str] = []
    for path in sorted(paths):
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return tuple(kept)


def _under(path: str, roots: tuple[str, ...]) -> bool:
    return any(path.startswith(root) for root in roots)


@dataclass(frozen=True)
class Scope:
    """Subtree paths a user may read, manage, and reveal sensitive fields in; plus self."""

    read_paths: tuple[str, ...] = ()
    manage_paths: tuple[str, ...] = ()
    reveal_paths: tuple[str, ...] = ()
    self_user_id: int | None = None
    roles: tuple[tuple[str, int], ...] = field(default=())

    @property
    def is_empty(self) -> bool:
        return not self.read_paths and self.self_user_id is None

    def can_read_path(self, path: str) -> bool:
        return _under(path, self.read_paths)

    def can_manage_path(self, path: str) -> bool:
        return _under(path, self.manage_paths)

    def can_reveal_path(self, path: str) -> bool:
        return _under(path, self.reveal_paths)

    def organizations(self, queryset: Any = None) -> Any:
        queryset = Organization.objects.all() if queryset is None else queryset
        return queryset.under_any(list(self.read_paths))

    def managed_organizations(self) -> Any:
        return Organization.objects.under_any(list(self.manage_paths))

    def require_read(self, organization: Organization) -> None:
        if not self.can_read_path(organization.path):
            raise Http404

    def top_organizations(self) -> Any:
        """The highest organizations the user reaches (the roots, for a superuser)."""
        if ROOT_PATH in self.read_paths:
            return Organization.objects.filter(parent__isnull=True).order_by("path")
        return Organization.objects.filter(path__in=self.read_paths).order_by("path")


def scope_for(user: Any) -> Scope:
    """The one scope function. Cached on the user object for the request."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Scope()
    cached = getattr(user, "_dangjian_scope", None)
    if cached is not None:
        return cached
    if user.is_superuser:
        scope = Scope(read_paths=(ROOT_PATH,), manage_paths=(ROOT_PATH,), reveal_paths=(ROOT_PATH,))
    else:
        read: set[str] = set()
        manage: set[str] = set()
        reveal: set[str] = set()
        roles: list[tuple[str, int]] = []
        self_user_id = None
        for role, org_id, path in user.roles.values_list(
            "role", "organization_id", "organization__path"
        ):
            roles.append((role, org_id))
            if role == Role.MEMBER:
                self_user_id = user.pk
                continue
            read.add(path)
            if role in MANAGING_ROLES:
                manage.add(path)
            if role in REVEALING_ROLES:
                reveal.add(path)
        scope = Scope(
            read_paths=_collapse(read),
            manage_paths=_collapse(manage),
            reveal_paths=_collapse(reveal),
            self_user_id=self_user_id,
            roles=tuple(roles),
        )
    setattr(user, "_dangjian_scope", scope)  # noqa: B010 (per-request cache)
    return scope
