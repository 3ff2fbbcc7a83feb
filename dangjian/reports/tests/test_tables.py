"""Each table of the annual report against hand-counted members, bands at their boundaries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from dangjian.members import services as member_services
from dangjian.members.choices import (
    AgeBand,
    Education,
    EducationBand,
    Ethnicity,
    HowAdded,
    HowRemoved,
    MemberCategory,
    MemberStatus,
    Occupation,
    PositionTitle,
    Sex,
)
from dangjian.members.models import Member
from dangjian.organizations import services as organization_services
from dangjian.organizations.choices import OrgKind, UnitKind
from dangjian.reports.report import report_compute
from dangjian.reports.tables import JOIN_BANDS, ReportData, changes_in_year
from dangjian.site.testing import build_member, build_org, system_user

AS_OF = dt.date(2026, 6, 30)

pytestmark = pytest.mark.django_db


@dataclass
class Hand:
    """A branch of eight members whose every dimension is counted by hand below."""

    tree: Any
    branch: Any
    members: dict[str, Member]


@pytest.fixture
def hand(tree: Any) -> Hand:
    branch = build_org(name="测试党支部", parent=tree.west, code="H0001", unit_kind=UnitKind.SCHOOL)
    m: dict[str, Member] = {}
    # Age bands on AS_OF (2026-06-30).
    m["aged30"] = build_member(  # 30 today: 30 and under
        organization=branch,
        name="三十",
        birth_date=dt.date(1996, 6, 30),
        category=MemberCategory.PROBATIONARY,
        joined_on=dt.date(2025, 12, 1),
        education=Education.MASTER,
        occupation=Occupation.STUDENT,
    )
    m["almost31"] = build_member(  # turns 31 the next day: still 30
        organization=branch,
        name="将满",
        birth_date=dt.date(1995, 7, 1),
        joined_on=dt.date(2025, 5, 1),
        full_member_on=dt.date(2026, 7, 15),  # full only after AS_OF
        education=Education.BACHELOR,
    )
    m["aged31"] = build_member(
        organization=branch,
        name="三一",
        sex=Sex.FEMALE,
        birth_date=dt.date(1995, 6, 30),
        joined_on=dt.date(2018, 7, 1),
        education=Education.JUNIOR_COLLEGE,
    )
    m["aged60"] = build_member(  # turns 61 the next day: 56-60
        organization=branch,
        name="六十",
        birth_date=dt.date(1965, 7, 1),
        joined_on=dt.date(1990, 7, 1),
        ethnicity=Ethnicity.HUI,
        education=Education.HIGH_SCHOOL,
        occupation=Occupation.FARMER,
    )
    m["aged61"] = build_member(  # 61 today: 61 and over
        organization=branch,
        name="六一",
        birth_date=dt.date(1965, 6, 30),
        joined_on=dt.date(1990, 7, 1),
        education=Education.JUNIOR_HIGH,
        occupation=Occupation.RETIRED,
    )
    # Join-date bands.
    m["joined1978"] = build_member(
        organization=branch,
        name="七八",
        birth_date=dt.date(1950, 1, 1),
        joined_on=dt.date(1978, 12, 31),
        education=Education.PRIMARY,
        occupation=Occupation.RETIRED,
    )
    m["joined1979"] = build_member(
        organization=branch,
        name="七九",
        sex=Sex.FEMALE,
        birth_date=dt.date(1950, 1, 1),
        joined_on=dt.date(1979, 1, 1),
        education=Education.SECONDARY_SPECIALIZED,
        occupation=Occupation.RETIRED,
    )
    m["joined2012"] = build_member(
        organization=branch,
        name="一二",
        birth_date=dt.date(1980, 1, 1),
        joined_on=dt.date(2012, 11, 1),
        education=Education.DOCTORATE,
        ethnicity=Ethnicity.ZHUANG,
    )
    member_services.member_change_status(
        actor=system_user(), member=m["joined2012"], status=MemberStatus.MOBILE, reason="外出务工"
    )
    return Hand(tree=tree, branch=branch, members=m)


def values(report: Any, table: str) -> dict[str, int]:
    return {row.key: row.values[0] for row in report.table(table).rows}


def test_age_bands_at_their_boundaries(hand):
    """Aged exactly 30 is in "30 and under", exactly 31 in 31-35, exactly 61 in "61 and over";
    a day short of 61 is still 56-60."""
    ages = values(report_compute(hand.branch, AS_OF), "age")
    assert ages == {
        AgeBand.UP_TO_30: 2,
        AgeBand.FROM_31: 1,
        AgeBand.FROM_36: 0,
        AgeBand.FROM_41: 0,
        AgeBand.FROM_46: 1,
        AgeBand.FROM_51: 0,
        AgeBand.FROM_56: 1,
        AgeBand.FROM_61: 3,
    }


def test_age_is_taken_on_the_report_date(hand):
    """A day later the member born 1965-07-01 is 61."""
    ages = values(report_compute(hand.branch, AS_OF + dt.timedelta(days=1)), "age")
    assert (ages[AgeBand.FROM_56], ages[AgeBand.FROM_61]) == (0, 4)
    assert ages[AgeBand.UP_TO_30] == 1  # and the one born 1995-07-01 is 31


def test_join_date_bands_at_their_boundaries(hand):
    """Joined 1978-12-31 is before the Third Plenum; 1979-01-01 after it; 2012-11-01 after the
    18th Congress."""
    joined = values(report_compute(hand.branch, AS_OF), "joined")
    assert joined == {
        JOIN_BANDS[0][0]: 0,
        JOIN_BANDS[1][0]: 1,
        JOIN_BANDS[2][0]: 3,  # joined 1979-01-01 and the two who joined in 1990
        JOIN_BANDS[3][0]: 4,  # 2012-11-01, 2018, 2025 (twice)
    }


def test_members_table_counts_sex_category_and_the_columns(hand):
    """Category is as of the date: full membership on 2026-07-15 is still probationary on
    2026-06-30. Columns count women, minorities and probationary members of each row."""
    report = report_compute(hand.branch, AS_OF)
    table = report.table("members")
    assert table.row("total").values == [8, 2, 2, 2]
    assert table.row(f"sex-{Sex.MALE}").values == [6, 0, 2, 2]
    assert table.row(f"sex-{Sex.FEMALE}").values == [2, 2, 0, 0]
    assert table.row(f"category-{MemberCategory.FULL}").values == [6, 2, 2, 0]
    assert table.row(f"category-{MemberCategory.PROBATIONARY}").values == [2, 0, 0, 2]
    later = report_compute(hand.branch, dt.date(2026, 7, 15)).table("members")
    assert later.row(f"category-{MemberCategory.PROBATIONARY}").values[0] == 1


def test_ethnicity_education_occupation_and_status(hand):
    report = report_compute(hand.branch, AS_OF)
    ethnicity = values(report, "ethnicity")
    assert ethnicity == {Ethnicity.HAN: 6, "MINORITY": 2, Ethnicity.HUI: 1, Ethnicity.ZHUANG: 1}
    education = values(report, "education")
    assert education == {
        "college": 4,  # doctorate, master, bachelor, junior college
        EducationBand.POSTGRADUATE: 2,
        EducationBand.BACHELOR: 1,
        EducationBand.JUNIOR_COLLEGE: 1,
        EducationBand.SECONDARY_SPECIALIZED: 1,
        EducationBand.HIGH_SCHOOL: 1,
        EducationBand.JUNIOR_HIGH_AND_BELOW: 2,  # junior high and primary
    }
    occupation = values(report, "occupation")
    assert occupation[Occupation.RETIRED] == 3
    assert occupation[Occupation.PROFESSIONAL] == 3  # the builder's default
    assert (occupation[Occupation.STUDENT], occupation[Occupation.FARMER]) == (1, 1)
    assert sum(occupation.values()) == 8
    assert values(report, "status")[MemberStatus.MOBILE] == 1


def test_member_counted_at_the_new_organization_after_a_move(hand):
    """As of a date before the move the member counts at the old branch, from the move on at
    the new one; the county counts them throughout."""
    east_branch = hand.tree.east_village
    member_services.membership_move(
        actor=system_user(),
        member=hand.members["aged61"],
        organization=east_branch,
        on=dt.date(2026, 3, 1),
        reason="调整",
    )
    before, after = dt.date(2026, 2, 28), dt.date(2026, 3, 1)
    assert values(report_compute(hand.branch, before), "members")["total"] == 8
    assert values(report_compute(hand.branch, after), "members")["total"] == 7
    assert values(report_compute(east_branch, before), "members")["total"] == 0
    assert values(report_compute(east_branch, after), "members")["total"] == 1
    assert values(report_compute(hand.tree.county, before), "members")["total"] == 8
    assert values(report_compute(hand.tree.county, after), "members")["total"] == 8


def test_members_not_yet_in_the_organization_are_not_counted(hand):
    """On a date before a member's row started (2025-12-01), the member is not on the roster."""
    assert values(report_compute(hand.branch, dt.date(2025, 6, 30)), "members")["total"] == 7


def test_added_and_removed_in_the_year_by_way(hand):
    """Additions and removals from 1 January to the date, by way. A move within the subtree
    is neither; a move out of it counts as 转出 for the township but not for the county."""
    actor = system_user()
    member_services.member_remove(
        actor=actor,
        member=hand.members["joined1978"],
        how_removed=HowRemoved.DIED,
        on=dt.date(2026, 2, 1),
        reason="病故",
    )
    member_services.member_remove(
        actor=actor,
        member=hand.members["aged60"],
        how_removed=HowRemoved.LAPSED,
        on=dt.date(2025, 12, 31),  # last year: not counted
        reason="自行脱党",
    )
    other = build_org(name="西镇二支部", parent=hand.tree.west)
    member_services.membership_move(
        actor=actor,
        member=hand.members["aged31"],
        organization=other,
        on=dt.date(2026, 3, 1),
        reason="调整",
    )
    member_services.membership_move(
        actor=actor,
        member=hand.members["joined1979"],
        organization=hand.tree.east_village,
        on=dt.date(2026, 4, 1),
        reason="调整",
    )
    west = ReportData(organization=hand.tree.west, as_of=AS_OF)
    added, removed = changes_in_year(west)
    # aged30 started 2025-12-01, so the year's only addition is none; the two moves are
    # within the township (not counted) and out of it (转出).
    assert dict(added) == {}
    assert dict(removed) == {HowRemoved.DIED: 1, HowRemoved.TRANSFERRED_OUT: 1}
    east_added, _east_removed = changes_in_year(
        ReportData(organization=hand.tree.east, as_of=AS_OF)
    )
    assert dict(east_added) == {HowAdded.TRANSFERRED_IN: 1}
    county_added, county_removed = changes_in_year(
        ReportData(organization=hand.tree.county, as_of=AS_OF)
    )
    assert dict(county_added) == {}
    assert dict(county_removed) == {HowRemoved.DIED: 1}
    table = report_compute(hand.tree.west, AS_OF).table("changes")
    assert table.row("removed").values == [2]
    assert table.row(f"removed-{HowRemoved.DIED}").values == [1]


def test_new_members_of_the_year_are_added_with_their_way(hand):
    build_member(
        organization=hand.branch,
        name="新人",
        birth_date=dt.date(2000, 1, 1),
        joined_on=dt.date(2026, 2, 1),
        category=MemberCategory.PROBATIONARY,
    )
    added, _removed = changes_in_year(ReportData(organization=hand.branch, as_of=AS_OF))
    assert dict(added) == {HowAdded.OTHER: 1}  # the builder records 其他


def test_organization_tables(tree):
    """Kinds and unit kinds as of the date: not yet founded or already dissolved is left out."""
    general = build_org(
        name="总支", kind=OrgKind.GENERAL_BRANCH, parent=tree.west, unit_kind=UnitKind.VILLAGE
    )
    build_org(
        name="联合支部", kind=OrgKind.JOINT_BRANCH, parent=general, unit_kind=UnitKind.VILLAGE
    )
    build_org(name="新支部", parent=tree.west, founded_on=dt.date(2026, 9, 1))
    organization_services.organization_update(
        actor=system_user(),
        organization=tree.south_village,
        changes={"dissolved_on": dt.date(2026, 5, 1)},
    )
    report = report_compute(tree.county, AS_OF)
    total = report.table("organizations").row("total").values
    # two townships, the general branch, 东村, 西村 and the joint branch
    assert total == [6, 2, 1, 3]
    assert report.table("organizations").row(UnitKind.VILLAGE).values == [4, 0, 1, 3]
    kinds = values(report, "organization_kinds")
    assert (kinds[OrgKind.BRANCH], kinds[OrgKind.JOINT_BRANCH]) == (2, 1)
    # Before the dissolution 南村 still counts.
    assert (
        report_compute(tree.county, dt.date(2026, 4, 30))
        .table("organizations")
        .row("total")
        .values[0]
        == 7
    )


def test_branches_with_committees_and_without_young_members(tree):
    """A branch of 7 full members with 3 positions has a committee; one without is flagged;
    a branch whose members are all 40 or older is counted as having none under 40."""
    actor = system_user()
    large = [
        build_member(
            organization=tree.east_village, name=f"甲{i}", birth_date=dt.date(1960, 1, i + 1)
        )
        for i in range(7)
    ]
    for i in range(7):
        build_member(
            organization=tree.south_village,
            name=f"乙{i}",
            birth_date=dt.date(1990, 1, i + 1),
            joined_on=dt.date(2015, 7, 1),
        )
    for member, title in zip(
        large[:3],
        [PositionTitle.SECRETARY, PositionTitle.DEPUTY_SECRETARY, PositionTitle.COMMITTEE_MEMBER],
        strict=True,
    ):
        member_services.position_assign(
            actor=actor,
            organization=tree.east_village,
            member=member,
            title=title,
            started_on=dt.date(2024, 1, 1),
        )
    figures = values(report_compute(tree.county, AS_OF), "branches")
    assert figures == {
        "branches": 3,
        "with_committee": 1,
        "should_have_committee": 2,
        "missing_committee": 1,
        "without_young": 2,  # 东村 (all born 1960) and 西村 (no members)
    }
    # Before the positions began there was no committee.
    earlier = values(report_compute(tree.county, dt.date(2023, 12, 31)), "branches")
    assert earlier["with_committee"] == 0


def test_terms_due_and_overdue(tree):
    """Terms that ran out before the date, and those running out by 31 December."""
    actor = system_user()
    organization_services.organization_update(
        actor=actor,
        organization=tree.east_village,
        changes={"term_started_on": dt.date(2023, 3, 1), "term_ends_on": dt.date(2026, 3, 1)},
    )
    organization_services.organization_update(
        actor=actor,
        organization=tree.east,
        changes={"term_started_on": dt.date(2021, 11, 1), "term_ends_on": dt.date(2026, 11, 1)},
    )
    table = report_compute(tree.county, AS_OF).table("terms")
    assert table.row("total").values == [1, 1]
    assert table.row("branch").values == [0, 1]
    assert table.row("committee").values == [1, 0]


def test_members_over_the_years(hand):
    """Year-end counts from the dated rows: the 2025 entrants count from 2025 on."""
    years = values(report_compute(hand.branch, AS_OF), "years")
    assert years["2024-12-31"] == 6
    assert years["2025-12-31"] == 8
    assert years[AS_OF.isoformat()] == 8
    assert len(years) == 11


def test_registering_a_table_adds_it_to_every_report(hand):
    """A later app adds a table with one registered function."""
    from dangjian.reports import tables

    @tables.register_table("test_extra", order=999)
    def extra(data: ReportData) -> tables.Table:
        return tables.Table(
            "test_extra",
            "附加",
            [tables.Column("人数", None)],
            [tables.Row("n", "n", [data.count()])],
        )

    try:
        report = report_compute(hand.branch, AS_OF)
        assert report.tables[-1].key == "test_extra"
        assert report.value("test_extra", "n") == 8
    finally:
        tables.TABLES[:] = [spec for spec in tables.TABLES if spec.key != "test_extra"]


# The member and organization tables share 8 queries; recruitment adds 2 and discipline and
# commendations 2, mobile members 1, review grades 1, 软弱涣散 2, the recruitment plan 3,
# training coverage 4, work funds 2, retained dues 2 (the dues collected before and in the
# year, the uses), unit coverage 1 (2 where units are registered), the secretaries 2 and
# 党建带团建 2 (the year's records, the roster by organization). A past day's roster is read in
# three parts (decision 0294): the member cube and the roster by organization take two queries
# more each than today's (30 and 34 queries here). None of them grows with the subtree.
REPORT_QUERIES = 34


# The tables counted in the database (decision 0278): the work funds 2 (the roster by
# organization with each one's allocations, the ledger lines by category), the retained dues 2
# (the subtree's dues collected before and in the year in one query, the uses by category; 3
# when the only retained dues are carried over, to see whether they were used up) and the
# secretaries 2 (the positions, the 述职 grades).
COUNTED_TABLES = {"funds": 2, "retained_dues": 2, "secretaries": 2}


def test_the_tables_counted_in_the_database_take_a_fixed_number_of_queries(
    county: Any, django_assert_num_queries: Any
) -> None:
    """Whatever the organizations, members, ledger lines, dues and secretaries of the subtree."""
    from dangjian.funds.tests.test_report_totals import varied_county
    from dangjian.leadership.tests.test_secretary_counts import varied_secretaries
    from dangjian.reports.tables import TABLES

    build = {spec.key: spec.build for spec in TABLES}
    for grow in (
        lambda: None,
        lambda: varied_county(county, 5),
        lambda: varied_secretaries(county, 5),
    ):
        grow()
        for key, queries in COUNTED_TABLES.items():
            data = ReportData(organization=county.county, as_of=AS_OF)
            with django_assert_num_queries(queries):
                build[key](data)


def test_a_report_is_a_fixed_number_of_queries(hand, django_assert_max_num_queries):
    """The number of queries does not grow with members or organizations."""
    with django_assert_max_num_queries(REPORT_QUERIES):
        report_compute(hand.tree.county, AS_OF)
    build_member(organization=hand.tree.east_village, name="再一人", birth_date=dt.date(1970, 1, 1))
    build_org(name="又一支部", parent=hand.tree.east)
    with django_assert_max_num_queries(REPORT_QUERIES):
        report_compute(hand.tree.county, AS_OF)
