"""The scope function and the one scope method: what a user may read and manage.

A role at an organization reaches that organization and everything below it (its subtree,
by materialized path). A member sees only themselves. Superusers reach everything.
Out of scope is a 404 at the edges (views, API), never a partial answer.

`scope_for(user)` turns a user into paths; `ScopedQuerySet.restrict(who, action)` turns paths
into rows (NetBox's `restrict(user)`). Each scoped model says once how it reaches an
organization path (`scope_paths`, and `scope_self` for the member's own rows); every selector,
view, export and API list filters through `restrict`, every subtree of one organization is
`within(organization)`, and nothing else writes a path filter (tests/test_scope_method.py keeps it
so). An empty scope reaches nothing, everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, Protocol, Self, TypeVar

from django.db import models
from django.db.models import Q
from django.http import Http404

from dangjian.core.paths import SEPARATOR, subtree

from .choices import MANAGING_ROLES, REVEALING_ROLES, Role

Action = Literal["read", "manage", "reveal"]
_M = TypeVar("_M", bound=models.Model)

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

    def paths(self, action: Action = "read") -> tuple[str, ...]:
        if action == "manage":
            return self.manage_paths
        if action == "reveal":
            return self.reveal_paths
        return self.read_paths

    @property
    def reaches_everything(self) -> bool:
        return ROOT_PATH in self.read_paths

    # "Anything at all?": what the navigation and the entry pages ask before any query.
    @property
    def reads_anything(self) -> bool:
        """Some organization to read (the member role alone reads no organization)."""
        return bool(self.read_paths)

    @property
    def manages_anything(self) -> bool:
        return bool(self.manage_paths)

    @property
    def reveals_anything(self) -> bool:
        return bool(self.reveal_paths)

    @property
    def reveals_all_it_reads(self) -> bool:
        """Sensitive fields are shown unmasked wherever this scope reads (an export is unmasked)."""
        return bool(self.reveal_paths) and self.reveal_paths == self.read_paths

    @property
    def manages_a_top_organization(self) -> bool:
        """Manages a root of the tree (an organization without a parent), or everything."""
        return any(path.count(SEPARATOR) <= 2 for path in self.manage_paths)

    def require_read(self, organization: HasPath) -> None:
        if not self.can_read_path(organization.path):
            raise Http404


class HasPath(Protocol):
    """Anything that sits at a place in the organization tree."""

    @property
    def path(self) -> str: ...


def path_condition(lookups: tuple[str, ...], paths: tuple[str, ...]) -> Q:
    """Rows whose `lookup` path lies in one of the subtrees `paths`; no paths, no rows.

    The one place that turns paths into a filter (`ScopedQuerySet.restrict` and `within`).
    """
    condition = Q(pk__in=[])
    for lookup in lookups:
        for path in paths:
            condition |= subtree(path, lookup)
    return condition


class ScopedQuerySet(models.QuerySet[_M]):
    """A queryset that knows how its rows reach the organization tree.

    The model declares `scope_paths`: the lookups to the organization paths a row belongs to (a
    transfer belongs to both sides; a member's row carries its organization's path); and
    `scope_self`: the lookup to the user whose own row it is (a member's record, their
    transfers), or None.
    """

    def restrict(self, who: Any, action: Action = "read", *, via: str | None = None) -> Self:
        """The rows `who` (a user or a Scope) may `action`: read, manage, or see unmasked.

        `via` narrows a row with two places in the tree to one of its declared lookups (a
        transfer's sending side); the member's own rows then do not count.
        """
        scope = who if isinstance(who, Scope) else scope_for(who)
        paths = scope.paths(action)
        lookups = self._lookups(via)
        if ROOT_PATH in paths and via is None:
            return self.all()
        condition = path_condition(lookups, paths)
        self_lookup: str | None = getattr(self.model, "scope_self", None)
        if scope.self_user_id is not None and self_lookup and action != "manage" and via is None:
            condition |= Q(**{self_lookup: scope.self_user_id})
        return self.filter(condition)

    def within(self, organization_or_path: HasPath | str, via: str | None = None) -> Self:
        """The rows in the subtree of one organization (itself and everything below it), through
        the declared lookups, or through the one declared lookup `via`."""
        path = (
            organization_or_path
            if isinstance(organization_or_path, str)
            else organization_or_path.path
        )
        return self.filter(path_condition(self._lookups(via), (path,)))

    def _lookups(self, via: str | None) -> tuple[str, ...]:
        model: Any = self.model  # a scoped model declares scope_paths (ScopedModel)
        declared: tuple[str, ...] = model.scope_paths
        if via is None:
            return declared
        if via not in declared:
            raise ValueError(f"{self.model.__name__} does not reach the tree through {via!r}")
        return (via,)


class ScopedModel(Protocol):
    scope_paths: ClassVar[tuple[str, ...]]


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
