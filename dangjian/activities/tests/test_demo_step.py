"""The demo step on the small county: realistic variety, rolls from the dated rows, guests."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import F

from dangjian.activities import demo, periods, selectors
from dangjian.activities.choices import ActivityKind, ActivityStatus
from dangjian.activities.models import Activity, Attendance
from dangjian.core.extensions import DemoContext, demo_steps
from dangjian.members.choices import MemberStatus
from dangjian.members.models import Member
from dangjian.site.testing import build_member, build_org, system_user

pytestmark = pytest.mark.django_db
REFERENCE_DAY = dt.date(2026, 10, 1)


def test_demo_step_is_registered():
    assert "组织生活" in [s.name for s in demo_steps()]


def test_a_year_of_records_with_rolls_and_guests(county):
    # More branches than the fixture has, so that diligent and lagging ones both appear.
    branches = [county.east_village, county.south_village, county.west_village]
    by_branch = {b.pk: list(Member.objects.filter(memberships__organization=b)) for b in branches}
    for i in range(12):
        extra = build_org(name=f"第{i}党支部", parent=county.west)
        branches.append(extra)
        by_branch[extra.pk] = [
            build_member(organization=extra, name=f"党员{i}", joined_on=dt.date(2010, 7, 1))
        ]
    Member.objects.filter(pk=county.sun.pk).update(status=MemberStatus.MOBILE)
    by_branch[county.west_village.pk][0].status = MemberStatus.MOBILE
    demo.run(
        DemoContext(
            builder=system_user(),
            reference_day=REFERENCE_DAY,
            county=county.county,
            branches=branches,
            members_by_branch=by_branch,
            progress=lambda _m: None,
        )
    )
    held = Activity.objects.filter(status=ActivityStatus.HELD)
    assert not held.filter(on__gte=REFERENCE_DAY).exists()
    assert Activity.objects.filter(status=ActivityStatus.PLANNED, on__gte=REFERENCE_DAY).exists()
    # Every general meeting's roll is exactly the roster of the day.
    for meeting in held.filter(kind=ActivityKind.GENERAL_MEETING, organization=county.east_village):
        expected = selectors.expected_member_ids(meeting.organization, meeting.kind, meeting.on)
        assert (
            sorted(meeting.attendance.filter(is_guest=False).values_list("member_id", flat=True))
            == expected
        )
    zhao = Attendance.objects.filter(member=county.zhao)
    assert not zhao.filter(can_vote=True).exists()  # probationary
    assert not zhao.filter(activity__on__lt=dt.date(2026, 6, 1)).exists()  # joined 2026-06-01
    # Every held activity has its roll; 孙八 (mobile) is on leave at home and attended another
    # branch's theme day as a guest in each of the last two quarters.
    for activity in held:
        expected = selectors.expected_member_ids(activity.organization, activity.kind, activity.on)
        listed = activity.attendance.filter(is_guest=False).values_list("member_id", flat=True)
        assert sorted(listed) == expected, activity
    home = Attendance.objects.filter(member=county.sun, is_guest=False)
    assert home.exists()
    assert set(home.values_list("status", "reason")) == {("LEAVE", "外出务工")}
    guests = Attendance.objects.filter(is_guest=True)
    assert {g.member for g in guests} == {county.sun}
    assert guests.count() == 2
    assert all(g.activity.organization != county.west_village for g in guests)
    assert guests.filter(activity__on__gte=dt.date(2026, 7, 1)).exists()
    # Every row, guests' included, carries its held activity's date (decision 0261).
    assert not Attendance.objects.exclude(held_on=F("activity__on")).exists()
    assert Attendance.objects.filter(activity__status=ActivityStatus.HELD).count() == (
        Attendance.objects.count()
    )
    # Variety: some branches fully compliant in the third quarter, some not.
    q3 = selectors.compliance_rollup(county.county, periods.quarter(2026, 3), on=REFERENCE_DAY)
    assert q3.branches == 15
    assert 0 < q3.compliant_branches < 15
