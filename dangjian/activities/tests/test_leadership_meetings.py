"""民主生活会 and 班子运行情况分析: committee-only kinds, counted per committee from the
frequency table, with follow-up items (decision 0220)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dangjian.activities import periods, selectors, services
from dangjian.activities.choices import ActivityKind, ActivityStatus
from dangjian.activities.models import Activity, FrequencyRule

pytestmark = pytest.mark.django_db
YEAR = periods.year(2025)
AFTER = dt.date(2026, 2, 1)


def held(org, kind, day):
    return Activity.objects.create(
        organization=org, kind=kind, topic="t", on=day, status=ActivityStatus.HELD
    )


def test_the_frequency_table_holds_the_leadership_kinds():
    rules = {r.kind: (r.period, r.times) for r in FrequencyRule.objects.all()}
    assert rules[ActivityKind.DEMOCRATIC_LIFE] == ("YEAR", 1)
    assert rules[ActivityKind.TEAM_ANALYSIS] == ("HALF_YEAR", 1)


def test_committees_are_counted_and_branches_are_not(tree):
    held(tree.east, ActivityKind.DEMOCRATIC_LIFE, dt.date(2025, 12, 20))
    held(tree.east, ActivityKind.TEAM_ANALYSIS, dt.date(2025, 7, 8))
    held(tree.east, ActivityKind.TEAM_ANALYSIS, dt.date(2025, 8, 8))  # same half: counts once
    held(tree.county, ActivityKind.TEAM_ANALYSIS, dt.date(2025, 1, 8))
    held(tree.county, ActivityKind.TEAM_ANALYSIS, dt.date(2025, 12, 8))
    found = {
        org.name: {c.kind: (c.held, c.required) for c in counts}
        for org, counts in selectors.leadership_compliance(tree.county, YEAR, on=AFTER)
    }
    assert found == {
        "示范县委": {"DEMOCRATIC_LIFE": (0, 1), "TEAM_ANALYSIS": (2, 2)},
        "东镇党委": {"DEMOCRATIC_LIFE": (1, 1), "TEAM_ANALYSIS": (1, 2)},
        "西镇党委": {"DEMOCRATIC_LIFE": (0, 1), "TEAM_ANALYSIS": (0, 2)},
    }
    # The second half-year has not started on 1 June: one analysis required so far.
    early = selectors.leadership_compliance(tree.west, YEAR, on=dt.date(2025, 6, 1))
    assert [(c.kind, c.required) for c in early[0][1]] == [
        ("DEMOCRATIC_LIFE", 1),
        ("TEAM_ANALYSIS", 1),
    ]
    # The branches' compliance neither requires nor counts them.
    branch_kinds = {c.kind for c in selectors.compliance_rollup(tree.east, YEAR, on=AFTER).counts}
    assert not branch_kinds & {"DEMOCRATIC_LIFE", "TEAM_ANALYSIS"}
    assert "LIFE_MEETING" in branch_kinds


def test_only_a_committee_holds_them_and_follow_ups_follow(tree):
    data = {
        "kind": ActivityKind.DEMOCRATIC_LIFE,
        "topic": "专题民主生活会",
        "on": dt.date(2025, 12, 1),
    }
    with pytest.raises(ValidationError) as error:
        services.activity_create(actor=tree.county_admin, organization=tree.east_village, data=data)
    assert error.value.error_dict["kind"][0].code == "leadership_only"
    meeting = services.activity_create(actor=tree.county_admin, organization=tree.county, data=data)
    with pytest.raises(ValidationError) as error:  # planned, not yet held
        services.follow_up_add(
            actor=tree.county_admin,
            activity=meeting,
            text="整改",
            responsible="书记",
            deadline=dt.date(2026, 3, 1),
        )
    assert error.value.code == "not_held"
    Activity.objects.filter(pk=meeting.pk).update(status=ActivityStatus.HELD)
    item = services.follow_up_add(
        actor=tree.county_admin,
        activity=meeting,
        text="落实三会一课督导",
        responsible="组织委员",
        deadline=dt.date(2026, 3, 1),
    )
    with pytest.raises(PermissionDenied):
        services.follow_up_done(actor=tree.east_admin, item=item, done_on=dt.date(2025, 12, 2))
    with pytest.raises(ValidationError) as error:
        services.follow_up_done(actor=tree.county_admin, item=item, done_on=dt.date(2025, 11, 1))
    assert error.value.error_dict["done_on"][0].code == "range"
    services.follow_up_done(actor=tree.county_admin, item=item, done_on=dt.date(2025, 12, 2))
    item.refresh_from_db()
    assert item.done_on == dt.date(2025, 12, 2)
    other = held(tree.east_village, ActivityKind.LIFE_MEETING, dt.date(2025, 12, 1))
    with pytest.raises(ValidationError) as error:
        services.follow_up_add(
            actor=tree.county_admin,
            activity=other,
            text="x",
            responsible="y",
            deadline=dt.date(2026, 1, 1),
        )
    assert error.value.code == "leadership_only"


def test_follow_ups_on_the_page_and_in_the_api(tree, client):
    meeting = held(tree.east, ActivityKind.DEMOCRATIC_LIFE, dt.date(2025, 12, 20))
    services.follow_up_add(
        actor=tree.east_admin,
        activity=meeting,
        text="班子成员联系点",
        responsible="党委书记",
        deadline=dt.date(2026, 3, 31),
    )
    client.force_login(tree.east_admin)
    page = client.get(f"/activities/{meeting.pk}/").content.decode()
    assert "班子成员联系点" in page
    assert "添加整改事项" in page
    rows = client.get("/api/v1/activities/follow-ups/C0002?open_only=true").json()
    assert [r["text"] for r in rows["items"]] == ["班子成员联系点"]
    client.force_login(tree.west_admin)
    assert client.get("/api/v1/activities/follow-ups/C0002").status_code == 404
    assert client.get(f"/activities/{meeting.pk}/").status_code == 404
