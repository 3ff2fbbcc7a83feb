"""Checks that apps above members add to a membership move (本系统内调整), without members
importing them.

A guard is a function `guard(member)` that raises `ValidationError` (a Chinese message that says
what to do) when the member may not be moved now. `members.services.membership_move` runs every
registered guard, in the order registered, inside its transaction and after locking the member.
The transfers app registers one from its `AppConfig.ready()`: a member in the middle of a
transfer is moved by that transfer's receipt, not by hand.

A plain registry rather than a signal: a guard is a business rule whose exception must stop the
move, and our style keeps business rules out of signal receivers (STYLE.md: "no signals for
business logic"); the list also makes the order of guards explicit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import Member

MoveGuard = Callable[["Member"], None]

_move_guards: list[MoveGuard] = []


def register_move_guard(guard: MoveGuard) -> None:
    """Add a guard to every membership move; registering the same function again does nothing
    (ready() may run more than once in tests)."""
    if guard not in _move_guards:
        _move_guards.append(guard)


def run_move_guards(member: Member) -> None:
    for guard in _move_guards:
        guard(member)
