"""Functions that apps above members run on a member's status change, removal or move, without
members importing them.

`members.services` calls every registered hook, in the order registered, inside its transaction
after the change is written: what a hook writes commits or rolls back with the member change, and
a hook that raises undoes the change. The certificates app registers from its
`AppConfig.ready()`: it revokes a member's activity certificate when the member leaves the
roster, moves (the home organization is in the credential) or changes to a status that suspends
it.

- on status changed: `fn(member=, before=, after=, actor=)`, an on-roster status change
  (正常→失联…), from `member_change_status`;
- on left: `fn(member=, organization=, how_removed=, on=, actor=)`, taken off the roster, from
  `member_remove`;
- on moved: `fn(member=, from_organization=, to_organization=, on=, actor=)`, moved within this
  deployment (the transfer workflow's receipt ends here too), from `membership_move`;
- on updated: `fn(member=, before=, after=, actor=)`, fields of the record changed (the names
  that changed, their values before and after as the archive keeps them), from
  `member_update`. The dues app moves a profile that follows the occupation to the category
  the new occupation gives.

A plain registry rather than signals, as for members.guards: revoking a certificate is a
business rule (STYLE.md: "no signals for business logic"), and an explicit call at each write
shows where it runs and in what order.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from dangjian.accounts.models import User
    from dangjian.organizations.models import Organization

    from .models import Member


class OnStatusChanged(Protocol):
    def __call__(self, *, member: Member, before: str, after: str, actor: User) -> None: ...


class OnLeft(Protocol):
    def __call__(
        self,
        *,
        member: Member,
        organization: Organization,
        how_removed: str,
        on: dt.date,
        actor: User,
    ) -> None: ...


class OnMoved(Protocol):
    def __call__(
        self,
        *,
        member: Member,
        from_organization: Organization,
        to_organization: Organization,
        on: dt.date,
        actor: User,
    ) -> None: ...


class OnUpdated(Protocol):
    def __call__(
        self, *, member: Member, before: dict[str, Any], after: dict[str, Any], actor: User
    ) -> None: ...


_on_status_changed: list[OnStatusChanged] = []
_on_left: list[OnLeft] = []
_on_moved: list[OnMoved] = []
_on_updated: list[OnUpdated] = []


# Registering the same function again does nothing (ready() may run more than once in tests).


def register_on_status_changed(fn: OnStatusChanged) -> None:
    if fn not in _on_status_changed:
        _on_status_changed.append(fn)


def register_on_left(fn: OnLeft) -> None:
    if fn not in _on_left:
        _on_left.append(fn)


def register_on_moved(fn: OnMoved) -> None:
    if fn not in _on_moved:
        _on_moved.append(fn)


def register_on_updated(fn: OnUpdated) -> None:
    if fn not in _on_updated:
        _on_updated.append(fn)


def run_on_updated(
    *, member: Member, before: dict[str, Any], after: dict[str, Any], actor: User
) -> None:
    for fn in _on_updated:
        fn(member=member, before=before, after=after, actor=actor)


def run_on_status_changed(*, member: Member, before: str, after: str, actor: User) -> None:
    for fn in _on_status_changed:
        fn(member=member, before=before, after=after, actor=actor)


def run_on_left(
    *, member: Member, organization: Organization, how_removed: str, on: dt.date, actor: User
) -> None:
    for fn in _on_left:
        fn(member=member, organization=organization, how_removed=how_removed, on=on, actor=actor)


def run_on_moved(
    *,
    member: Member,
    from_organization: Organization,
    to_organization: Organization,
    on: dt.date,
    actor: User,
) -> None:
    for fn in _on_moved:
        fn(
            member=member,
            from_organization=from_organization,
            to_organization=to_organization,
            on=on,
            actor=actor,
        )
