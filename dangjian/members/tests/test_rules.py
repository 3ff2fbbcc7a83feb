"""Rule findings on an organization's page (RULES.md, "Organizations")."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from dangjian.members import rules, services
from dangjian.members.choices import HowRemoved, MemberCategory, PositionTitle
from dangjian.members.models import Member
from dangjian.organizations import services as organization_services
from dangjian.organizations.choices import OrgKind
from dangjian.organizations.models import Organization
from dangjian.site.testing import build_member, build_org, new_id_number

pytestmark = pytest.mark.django_db

ON = dt.date(2026, 11, 1)


def findings_of(organization: Organization, on: dt.date = ON) -> list[Any]:
    """The findings but the vacant secretary (its own tests are at the end)."""
    return [
        f
        for f in rules.organization_findings(organization, on)
        if f.code != "branch_without_secretary"
    ]


def codes(organization: Organization, on: dt.date = ON, *, secretary: bool = False) -> list[str]:
    if secretary:
        return [f.code for f in rules.organization_findings(organization, on)]
    return [f.code for f in findings_of(organization, on)]


def fill(branch: Organization, count: int, **fields: Any) -> list[Member]:
    """`count` members in `branch`, each with a distinct birth date and ID number."""
    members = []
    for i in range(count):
        birth_date = dt.date(1950, 1, 1) + dt.timedelta(days=97 * i)
        members.append(
            build_member(
                organization=branch,
                name=f"成员{i}",
                birth_date=birth_date,
                id_number=new_id_number(birth_date, "1", region="110108"),
                **fields,
            )
        )
    return members


def appoint(county: Any, branch: Organization, members: list[Member], first: int = 0) -> None:
    """Appoint `members` in order: secretary, deputy, then committee members.

    `first` says how many were appointed before, so a later call continues the order.
    """
    titles = [PositionTitle.SECRETARY, PositionTitle.DEPUTY_SECRETARY]
    for i, member in enumerate(members, start=first):
        services.position_assign(
            actor=county.county_admin,
            organization=branch,
            member=member,
            title=titles[i] if i < len(titles) else PositionTitle.COMMITTEE_MEMBER,
            started_on=dt.date(2024, 1, 1),
        )


# --- fewer than 3 full members -----------------------------------------------------------


def test_a_branch_with_fewer_than_three_full_members_is_flagged(county):
    """南村 has one full member: it should form a joint branch or recruit, and says so."""
    (finding,) = findings_of(county.south_village)
    assert finding.code == "branch_too_few_full_members"
    assert "正式党员仅 1 名，不足 3 名" in finding.message
    assert "联合党支部" in finding.message
    assert "支部工作条例" in finding.source


def test_three_full_members_are_enough(county):
    """东村 has exactly three full members (and one probationary): no finding."""
    assert rules.roster_counts(county.east_village) == rules.RosterCounts(4, 3, 1)
    assert codes(county.east_village) == []


def test_probationary_members_do_not_count_as_full(county):
    """Two full and many probationary members are still too few full members."""
    branch = build_org(name="新支部", parent=county.east)
    fill(branch, 2)
    fill(branch, 3, category=MemberCategory.PROBATIONARY, joined_on=dt.date(2026, 1, 1))
    assert rules.roster_counts(branch) == rules.RosterCounts(5, 2, 3)
    assert codes(branch) == ["branch_too_few_full_members"]


def test_a_removed_member_no_longer_counts(county):
    """When a full member dies, a branch of three full members falls below the minimum."""
    services.member_remove(
        actor=county.east_admin,
        member=county.li,
        how_removed=HowRemoved.DIED,
        on=dt.date(2025, 1, 1),
        reason="病故",
    )
    assert codes(county.east_village) == ["branch_too_few_full_members"]


def test_the_minimum_is_configurable(county, settings):
    """A deployment may lower the minimum; the finding follows the setting."""
    settings.DANGJIAN_RULES = {**settings.DANGJIAN_RULES, "branch_min_full_members": 1}
    assert codes(county.south_village) == []


@pytest.mark.parametrize("kind", [OrgKind.JOINT_BRANCH, OrgKind.TEMPORARY_BRANCH])
def test_joint_and_temporary_branches_are_checked_too(county, kind):
    """Joint and temporary branches are branches for these rules."""
    branch = build_org(name="联合支部", kind=kind, parent=county.west)
    assert codes(branch) == ["branch_too_few_full_members"]


def test_committees_are_not_checked_as_branches(county):
    """A township committee is not held to the branch size rules."""
    assert codes(county.west) == []
    assert codes(county.county) == []


# --- more than 50 members ----------------------------------------------------------------


def test_a_branch_over_fifty_members_is_flagged(county):
    """Fifty members is the limit; the fifty-first raises a finding."""
    branch = build_org(name="大支部", parent=county.west, code="BIG")
    members = fill(branch, 50)
    appoint(county, branch, members[:3])
    assert codes(branch) == []
    build_member(
        organization=branch,
        name="第五十一",
        birth_date=dt.date(1999, 9, 9),
        joined_on=dt.date(2020, 7, 1),
        id_number=new_id_number(dt.date(1999, 9, 9), "1", region="110108"),
    )
    findings = findings_of(branch)
    assert [f.code for f in findings] == ["branch_too_large"]
    assert "党员 51 名，超过 50 名" in findings[0].message


# --- committee ---------------------------------------------------------------------------


def test_seven_full_members_without_a_committee_is_flagged(county):
    """A branch of seven full members needs a branch committee (three or more in office)."""
    branch = build_org(name="七人支部", parent=county.west)
    members = fill(branch, 7)
    findings = findings_of(branch)
    assert [f.code for f in findings] == ["branch_without_committee"]
    assert "正式党员 7 名" in findings[0].message
    assert "在任委员" in findings[0].message
    assert "0 名" in findings[0].message
    appoint(county, branch, members[:2])
    assert codes(branch) == ["branch_without_committee"]
    appoint(county, branch, members[2:3], first=2)
    assert codes(branch) == []


def test_six_full_members_need_no_committee(county):
    """Six full members and a secretary are fine."""
    branch = build_org(name="六人支部", parent=county.west)
    members = fill(branch, 6)
    appoint(county, branch, members[:1])
    assert codes(branch) == []


def test_ended_positions_do_not_make_a_committee(county):
    """Positions ended at the last renewal do not count as a committee in office."""
    branch = build_org(name="换届支部", parent=county.west)
    members = fill(branch, 7)
    appoint(county, branch, members[:3])
    secretary = branch.positions.get(title=PositionTitle.SECRETARY)
    services.position_end(actor=county.county_admin, position=secretary, ended_on=ON)
    assert codes(branch) == ["branch_without_committee"]


# --- term --------------------------------------------------------------------------------


def test_an_overdue_term_is_flagged(county):
    """A village branch renewed in 2021 was due again in 2026: the finding names the date."""
    organization_services.organization_update(
        actor=county.county_admin,
        organization=county.east_village,
        changes={"term_started_on": dt.date(2021, 1, 1)},
    )
    county.east_village.refresh_from_db()
    assert county.east_village.term_ends_on == dt.date(2026, 1, 1)
    findings = findings_of(county.east_village)
    assert [f.code for f in findings] == ["term_overdue"]
    assert "2026-01-01" in findings[0].message
    assert "选举工作条例" in findings[0].source
    assert codes(county.east_village, dt.date(2025, 12, 31)) == []


def test_a_term_ending_today_is_not_yet_overdue(county):
    """On the last day of the term there is no finding; the day after there is."""
    branch = build_org(
        name="届满支部",
        parent=county.east,
        term_started_on=dt.date(2023, 11, 1),
        term_ends_on=ON,
    )
    fill(branch, 3)
    assert codes(branch, ON) == []
    assert codes(branch, ON + dt.timedelta(days=1)) == ["term_overdue"]


def test_committees_are_checked_for_overdue_terms(county):
    """A township committee whose five-year term has run out is flagged too."""
    committee = build_org(
        name="北镇党委",
        kind=OrgKind.PARTY_COMMITTEE,
        parent=county.county,
        term_started_on=dt.date(2020, 1, 1),
    )
    assert committee.term_ends_on == dt.date(2025, 1, 1)
    assert codes(committee) == ["term_overdue"]


# --- the secretary -------------------------------------------------------------------------


def test_a_branch_with_members_and_no_secretary_is_flagged(county):
    assert "branch_without_secretary" in codes(county.east_village, secretary=True)
    appoint(county, county.east_village, [county.zhang])
    assert "branch_without_secretary" not in codes(county.east_village, secretary=True)


def test_a_secretary_who_dies_leaves_the_post_vacant(county):
    appoint(county, county.east_village, [county.zhang])
    services.member_remove(
        actor=county.county_admin,
        member=county.zhang,
        how_removed=HowRemoved.DIED,
        on=dt.date(2026, 10, 1),
        reason="病故",
    )
    assert "branch_without_secretary" in codes(county.east_village, secretary=True)


def test_an_empty_branch_is_not_asked_for_a_secretary(county):
    branch = build_org(name="新支部", kind=OrgKind.BRANCH, parent=county.east, code="B9001")
    assert "branch_without_secretary" not in codes(branch, secretary=True)
