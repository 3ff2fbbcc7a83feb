"""The hooks apps above members register (members.hooks) run inside the member services'
transaction: a hook that raises undoes the member change."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from dangjian.audit.models import AuditEvent
from dangjian.members import hooks, services
from dangjian.members.choices import HowRemoved, MemberStatus
from dangjian.members.models import ArchiveEntry, Member, Membership


class Refused(Exception):
    pass


def refuse(**_kwargs: Any) -> None:
    raise Refused


def change_status(county: Any) -> Any:
    return services.member_change_status(
        actor=county.east_secretary, member=county.zhang, status=MemberStatus.LOST_CONTACT
    )


def remove(county: Any) -> Any:
    return services.member_remove(
        actor=county.east_admin,
        member=county.zhang,
        how_removed=HowRemoved.DIED,
        on=dt.date(2024, 3, 1),
        reason="病故",
    )


def move(county: Any) -> Any:
    return services.membership_move(
        actor=county.east_admin,
        member=county.zhang,
        organization=county.south_village,
        on=dt.date(2024, 3, 1),
        reason="工作调动",
    )


@pytest.mark.parametrize(
    ("registry", "call"),
    [("_on_status_changed", change_status), ("_on_left", remove), ("_on_moved", move)],
    ids=["status-changed", "left", "moved"],
)
def test_a_hook_that_raises_rolls_back_the_member_change(
    county: Any, monkeypatch: pytest.MonkeyPatch, registry: str, call: Callable[[Any], Any]
) -> None:
    """The member keeps their status and organization, and no archive entry or audit event
    of the refused change remains."""
    monkeypatch.setattr(hooks, registry, [refuse])
    before = (
        ArchiveEntry.objects.count(),
        AuditEvent.objects.count(),
        list(
            Membership.objects.filter(member=county.zhang).values_list("organization", "ended_on")
        ),
    )
    with pytest.raises(Refused):
        call(county)
    zhang = Member.objects.get(pk=county.zhang.pk)
    assert zhang.status == MemberStatus.NORMAL
    assert (
        ArchiveEntry.objects.count(),
        AuditEvent.objects.count(),
        list(Membership.objects.filter(member=zhang).values_list("organization", "ended_on")),
    ) == before
