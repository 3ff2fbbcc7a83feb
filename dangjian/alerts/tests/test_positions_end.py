"""A position ends when its holder leaves the organization, and a branch left without a
secretary is a rule finding and an alert (RULES.md "Organizations"; 支部工作条例)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from dangjian.alerts.engine import RULES
from dangjian.members import rules as member_rules
from dangjian.members import services as member_services
from dangjian.members.choices import ArchiveKind, HowRemoved, PositionTitle
from dangjian.members.models import Position
from dangjian.organizations.models import Organization
from dangjian.site.testing import system_user

ON = dt.date(2026, 11, 24)
START = dt.date(2026, 1, 1)


def _cases(root: Organization) -> set[str]:
    return {case.subject for case in RULES["secretary_vacant"].find(root, ON)}


def _appoint(county: Any, member: Any, organization: Any, title: PositionTitle) -> Position:
    return member_services.position_assign(
        actor=system_user(), organization=organization, member=member, title=title, started_on=START
    )


def _findings(organization: Organization) -> set[str]:
    return {f.code for f in member_rules.organization_findings(organization, ON)}


def test_a_secretary_transferred_out_leaves_the_post_vacant(county):
    vacant = f"org:{county.east_village.pk}:no_secretary"
    assert vacant in _cases(county.county)
    assert "branch_without_secretary" in _findings(county.east_village)
    position = _appoint(county, county.zhang, county.east_village, PositionTitle.SECRETARY)
    assert vacant not in _cases(county.county)
    assert "branch_without_secretary" not in _findings(county.east_village)
    member_services.membership_move(
        actor=system_user(),
        member=county.zhang,
        organization=county.west_village,
        on=dt.date(2026, 11, 20),
        reason="工作调动",
    )
    position.refresh_from_db()
    assert position.ended_on == dt.date(2026, 11, 20)
    entry = county.zhang.archive.filter(kind=ArchiveKind.POSITION_ENDED).get()
    assert "东村党支部" in entry.summary
    assert "书记" in entry.summary
    assert vacant in _cases(county.county)
    assert "branch_without_secretary" in _findings(county.east_village)


def test_removal_and_death_end_every_position(county):
    branch = _appoint(county, county.li, county.east_village, PositionTitle.SECRETARY)
    township = _appoint(county, county.li, county.east, PositionTitle.COMMITTEE_MEMBER)
    member_services.member_remove(
        actor=system_user(),
        member=county.li,
        how_removed=HowRemoved.DIED,
        on=dt.date(2026, 11, 2),
        reason="病故",
    )
    for position in (branch, township):
        position.refresh_from_db()
        assert position.ended_on == dt.date(2026, 11, 2)
    assert county.li.archive.filter(kind=ArchiveKind.POSITION_ENDED).count() == 2


def test_moving_within_the_committee_keeps_the_committee_seat(county):
    """A township committee member moving between its branches stays on the committee; the
    branch position ends. Moving out of the township ends the committee seat too."""
    seat = _appoint(county, county.wang, county.east, PositionTitle.COMMITTEE_MEMBER)
    branch = _appoint(county, county.wang, county.east_village, PositionTitle.DEPUTY_SECRETARY)
    member_services.membership_move(
        actor=system_user(),
        member=county.wang,
        organization=county.south_village,  # also under 东镇
        on=dt.date(2026, 11, 20),
        reason="调整",
    )
    seat.refresh_from_db()
    branch.refresh_from_db()
    assert (seat.ended_on, branch.ended_on) == (None, dt.date(2026, 11, 20))
    member_services.membership_move(
        actor=system_user(),
        member=county.wang,
        organization=county.west_village,
        on=dt.date(2026, 11, 22),
        reason="调整",
    )
    seat.refresh_from_db()
    assert seat.ended_on == dt.date(2026, 11, 22)


def test_a_branch_with_nobody_on_the_roster_is_not_asked_for_a_secretary(county):
    empty = Organization.objects.get(pk=county.south_village.pk)
    assert f"org:{empty.pk}:no_secretary" in _cases(county.county)  # 钱七 is on its roster
    member_services.member_remove(
        actor=system_user(),
        member=county.qian,
        how_removed=HowRemoved.TRANSFERRED_OUT,
        on=dt.date(2026, 11, 2),
        reason="转出",
    )
    assert f"org:{empty.pk}:no_secretary" not in _cases(county.county)
