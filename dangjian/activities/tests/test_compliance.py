"""Compliance per kind and period from the frequency table."""

from __future__ import annotations

import datetime as dt

import pytest

from dangjian.activities import periods, selectors, services
from dangjian.activities.choices import ActivityKind, ActivityStatus
from dangjian.activities.models import Activity, FrequencyRule
from dangjian.members import services as member_services
from dangjian.members.choices import PositionTitle
from dangjian.organizations.choices import OrgKind
from dangjian.site.testing import build_org, system_user

pytestmark = pytest.mark.django_db
Q3 = periods.quarter(2026, 3)
AFTER = dt.date(2026, 11, 1)  # every month of Q3 has started


def held(org, kind, *days):
    Activity.objects.bulk_create(
        Activity(organization=org, kind=kind, topic="t", on=d, status=ActivityStatus.HELD)
        for d in days
    )


def counts(result):
    return {c.kind: (c.held, c.required) for c in result.counts}


def give_committee(county, day=dt.date(2025, 1, 1)):
    for member, title in (
        (county.zhang, PositionTitle.SECRETARY),
        (county.li, PositionTitle.DEPUTY_SECRETARY),
        (county.wang, PositionTitle.COMMITTEE_MEMBER),
    ):
        member_services.position_assign(
            actor=system_user(),
            organization=county.east_village,
            member=member,
            title=title,
            started_on=day,
        )


def test_defaults_are_seeded_by_migration():
    assert (
        FrequencyRule.objects.count() == 10
    )  # RULES.md's eight and the two leadership kinds (decision 0220)
    assert FrequencyRule.objects.get(kind=ActivityKind.COMMITTEE_MEETING).period == "MONTH"


def test_a_branch_without_committee_or_groups(county):
    held(county.east_village, ActivityKind.GENERAL_MEETING, dt.date(2026, 8, 3))
    held(
        county.east_village,
        ActivityKind.THEME_DAY,
        dt.date(2026, 7, 1),
        dt.date(2026, 7, 20),
        dt.date(2026, 9, 1),
    )
    held(
        county.east_village,
        ActivityKind.PARTY_LECTURE,
        dt.date(2025, 9, 1),
    )
    result = selectors.compliance(county.east_village, Q3, on=AFTER)
    # No committee meeting and no group meeting required; two theme days in July count once.
    assert counts(result) == {
        ActivityKind.GENERAL_MEETING: (1, 1),
        ActivityKind.PARTY_LECTURE: (0, 1),
        ActivityKind.THEME_DAY: (2, 3),
    }
    assert result.sentence() == "2026年第三季度: 支部党员大会 1/1, 党课 0/1, 主题党日 2/3"
    assert not result.met


def test_committee_required_only_while_there_is_one(county):
    give_committee(county, day=dt.date(2026, 8, 15))
    held(
        county.east_village,
        ActivityKind.COMMITTEE_MEETING,
        dt.date(2026, 8, 20),
        dt.date(2026, 9, 2),
    )
    result = selectors.compliance(county.east_village, Q3, on=AFTER)
    assert counts(result)[ActivityKind.COMMITTEE_MEETING] == (2, 2)  # August and September


def test_group_meetings_per_group_and_the_sentence_of_the_issue(county):
    give_committee(county)
    group_a = build_org(name="第一党小组", kind=OrgKind.PARTY_GROUP, parent=county.east_village)
    build_org(
        name="第二党小组",
        kind=OrgKind.PARTY_GROUP,
        parent=county.east_village,
        founded_on=dt.date(2026, 9, 10),
    )
    held(county.east_village, ActivityKind.GENERAL_MEETING, dt.date(2026, 7, 9))
    held(
        county.east_village,
        ActivityKind.COMMITTEE_MEETING,
        dt.date(2026, 7, 1),
        dt.date(2026, 8, 1),
        dt.date(2026, 9, 1),
    )
    held(county.east_village, ActivityKind.PARTY_LECTURE, dt.date(2026, 9, 9))
    held(group_a, ActivityKind.GROUP_MEETING, dt.date(2026, 7, 5), dt.date(2026, 8, 5))
    result = selectors.compliance(county.east_village, Q3, on=AFTER)
    got = counts(result)
    assert got[ActivityKind.GROUP_MEETING] == (2, 4)  # group A 3 months + group B September
    assert result.sentence().startswith(
        "2026年第三季度: 支部党员大会 1/1, 支委会 3/3, 党小组会 2/4, 党课 1/1"
    )


def test_months_not_yet_begun_are_not_required(county):
    result = selectors.compliance(county.east_village, Q3, on=dt.date(2026, 8, 10))
    assert counts(result)[ActivityKind.THEME_DAY] == (0, 2)


def test_subtree_rollup_sums_branches(county):
    for branch in (county.east_village, county.south_village):
        held(branch, ActivityKind.GENERAL_MEETING, dt.date(2026, 7, 9))
    held(county.east_village, ActivityKind.PARTY_LECTURE, dt.date(2026, 7, 9))
    for day in (dt.date(2026, 7, 1), dt.date(2026, 8, 1), dt.date(2026, 9, 1)):
        held(county.east_village, ActivityKind.THEME_DAY, day)
    east = selectors.compliance_rollup(county.east, Q3, on=AFTER)
    assert counts(east) == {
        ActivityKind.GENERAL_MEETING: (2, 2),
        ActivityKind.PARTY_LECTURE: (1, 2),
        ActivityKind.THEME_DAY: (3, 6),
    }
    assert (east.branches, east.compliant_branches) == (2, 1)
    assert [org.name for org, _c in east.lagging] == ["南村党支部"]
    county_total = selectors.compliance_rollup(county.county, Q3, on=AFTER)
    assert county_total.branches == 3
    assert counts(county_total)[ActivityKind.GENERAL_MEETING] == (2, 3)


def test_yearly_kinds_in_the_year_view_and_configurable_frequency(county):
    held(county.east_village, ActivityKind.LIFE_MEETING, dt.date(2026, 1, 20))
    year = selectors.compliance(county.east_village, periods.year(2026), on=dt.date(2027, 1, 5))
    assert counts(year)[ActivityKind.LIFE_MEETING] == (1, 1)
    assert counts(year)[ActivityKind.GENERAL_MEETING] == (0, 4)
    assert ActivityKind.LIFE_MEETING not in counts(
        selectors.compliance(county.east_village, Q3, on=AFTER)
    )
    services.frequency_update(
        actor=county.county_admin,
        kind=ActivityKind.PARTY_LECTURE,
        period="QUARTER",
        times=2,
        active=True,
    )
    services.frequency_update(
        actor=county.county_admin,
        kind=ActivityKind.THEME_DAY,
        period="MONTH",
        times=1,
        active=False,
    )
    again = counts(selectors.compliance(county.east_village, Q3, on=AFTER))
    assert again[ActivityKind.PARTY_LECTURE] == (0, 2)
    assert ActivityKind.THEME_DAY not in again


def test_only_a_top_administrator_changes_the_table(county):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.frequency_update(
            actor=county.east_admin,
            kind=ActivityKind.PARTY_LECTURE,
            period="QUARTER",
            times=2,
            active=True,
        )


def test_empty_table_is_filled_on_first_use(county):
    FrequencyRule.objects.all().delete()
    assert len(selectors.frequency_rules()) == 10
