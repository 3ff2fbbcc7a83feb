"""The overview figures and the percentages the report writes."""

from __future__ import annotations

import datetime as dt

import pytest

from dangjian.members import services as member_services
from dangjian.members.choices import HowRemoved, Sex
from dangjian.organizations import services as organization_services
from dangjian.organizations.choices import OrgKind
from dangjian.organizations.models import Organization
from dangjian.reports.selectors import Overview, overview, percent
from dangjian.site.testing import build_member, build_org

# --- percent -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [
        (25334, 28682, "88.3"),  # the seed county's men
        (3348, 28682, "11.7"),  # and women
        (1, 3, "33.3"),
        (2, 3, "66.7"),
        (5, 5, "100.0"),
        (0, 5, "0.0"),
        (1, 8, "12.5"),
    ],
)
def test_percent_has_one_decimal(part, whole, expected):
    """A share is written with one decimal, as the report does."""
    assert percent(part, whole) == expected


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [(1, 2000, "0.1"), (5, 2000, "0.3"), (25, 2000, "1.3"), (3, 40, "7.5")],
)
def test_percent_rounds_half_up(part, whole, expected):
    """An exact half rounds up (0.05 → 0.1, 0.25 → 0.3), not to the even digit."""
    assert percent(part, whole) == expected


def test_percent_of_nothing_is_zero():
    """With no members at all the share is 0.0, not an error."""
    assert percent(0, 0) == "0.0"


def test_seed_sentence_is_reproduced():
    """The seed report's summary sentence comes out with its own figures."""
    figures = Overview(
        organization=Organization(name="县委", kind=OrgKind.LOCAL_COMMITTEE),
        grassroots=913,
        committees=40,
        general_branches=24,
        branches=849,
        members=28682,
        men=25334,
        women=3348,
        full=28000,
        probationary=682,
    )
    assert figures.sentence == (
        "共有基层党组织913个(其中:党委40个、党总支24个、党支部849个);共有党员28682名。"
        "其中:男25334名,占88.3%;女3348名,占11.7%"
    )


# --- overview ----------------------------------------------------------------------------


def test_county_overview_counts_grassroots_organizations_and_members(county):
    """The county counts its townships and branches, not itself, and every member on a roster."""
    result = overview(county.county)
    assert (result.grassroots, result.committees, result.general_branches, result.branches) == (
        5,
        2,
        0,
        3,
    )
    assert (result.members, result.men, result.women) == (6, 5, 1)
    assert (result.full, result.probationary) == (5, 1)
    assert (result.men_percent, result.women_percent) == ("83.3", "16.7")


def test_township_overview_includes_the_township_itself(county):
    """A township committee is itself a grassroots organization."""
    result = overview(county.east)
    assert (result.grassroots, result.committees, result.branches) == (3, 1, 2)
    assert (result.members, result.men, result.women) == (5, 4, 1)


def test_branch_overview(county):
    """A branch's overview counts the branch and its members."""
    result = overview(county.east_village)
    assert (result.grassroots, result.branches, result.members) == (1, 1, 4)
    assert (result.full, result.probationary) == (3, 1)


def test_kinds_are_counted_in_their_columns(county):
    """Working committees are committees; joint and temporary branches are branches; party
    groups and local committees are not grassroots organizations."""
    build_org(name="县直机关工委", kind=OrgKind.WORKING_COMMITTEE, parent=county.county)
    general = build_org(name="总支", kind=OrgKind.GENERAL_BRANCH, parent=county.west)
    build_org(name="联合支部", kind=OrgKind.JOINT_BRANCH, parent=general)
    build_org(name="临时支部", kind=OrgKind.TEMPORARY_BRANCH, parent=general)
    build_org(name="党小组", kind=OrgKind.PARTY_GROUP, parent=county.west_village)
    build_org(name="市委", kind=OrgKind.LOCAL_COMMITTEE, parent=county.county)
    result = overview(county.county)
    assert (result.committees, result.general_branches, result.branches) == (3, 1, 5)
    assert result.grassroots == 9


def test_dissolved_organizations_are_not_counted(county):
    """An organization with a dissolution date no longer counts."""
    organization_services.organization_update(
        actor=county.county_admin,
        organization=county.south_village,
        changes={"dissolved_on": dt.date(2025, 1, 1)},
    )
    assert overview(county.east).branches == 1


def test_removed_members_are_not_counted(county):
    """A member who has died is no longer among the members."""
    member_services.member_remove(
        actor=county.east_admin,
        member=county.wang,
        how_removed=HowRemoved.DIED,
        on=dt.date(2025, 1, 1),
        reason="病故",
    )
    result = overview(county.county)
    assert (result.members, result.men, result.women) == (5, 5, 0)
    assert (result.men_percent, result.women_percent) == ("100.0", "0.0")


def test_members_are_counted_where_their_relationship_is(county):
    """A member moved to another township is counted there from then on."""
    member_services.membership_move(
        actor=county.county_admin,
        member=county.wang,
        organization=county.west_village,
        on=dt.date(2025, 1, 1),
        reason="调整",
    )
    assert (overview(county.east).members, overview(county.east).women) == (4, 0)
    assert (overview(county.west).members, overview(county.west).women) == (2, 1)
    assert overview(county.county).members == 6


def test_zero_members(county):
    """A new branch without members reports zero and 0.0 percent."""
    branch = build_org(name="新支部", parent=county.west)
    result = overview(branch)
    assert (result.members, result.men, result.women) == (0, 0, 0)
    assert (result.men_percent, result.women_percent) == ("0.0", "0.0")
    assert "共有党员0名" in result.sentence
    assert "占0.0%" in result.sentence


def test_sentence_for_the_county(county):
    """The county's sentence fills in its own counts and shares."""
    build_member(
        organization=county.west_village,
        name="女党员",
        sex=Sex.FEMALE,
        birth_date=dt.date(1985, 1, 1),
    )
    assert overview(county.county).sentence == (
        "共有基层党组织5个(其中:党委2个、党总支0个、党支部3个);共有党员7名。"
        "其中:男5名,占71.4%;女2名,占28.6%"
    )
