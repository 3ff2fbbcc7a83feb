"""Activities, attendance, guests, quorum and votes: each through the services, against the DB."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dangjian.activities import selectors, services
from dangjian.activities.choices import ActivityKind, ActivityStatus, AttendanceStatus
from dangjian.activities.models import Attendance
from dangjian.audit.models import AuditEvent
from dangjian.core.dates import today
from dangjian.members import services as member_services
from dangjian.members.choices import MemberCategory, PositionTitle
from dangjian.site.testing import build_member

pytestmark = pytest.mark.django_db
LEAVE, ABSENT, PRESENT = AttendanceStatus.LEAVE, AttendanceStatus.ABSENT, AttendanceStatus.PRESENT


def statuses(activity):
    return {
        a.member.name: (a.status, a.is_guest) for a in activity.attendance.select_related("member")
    }


def test_record_marks_everyone_present_except_the_exceptions(county, make_activity):
    meeting = make_activity()
    services.activity_record(
        actor=county.east_secretary,
        activity=meeting,
        exceptions={county.li.pk: (LEAVE, "外出务工"), county.wang.pk: (ABSENT, "")},
    )
    meeting.refresh_from_db()
    assert meeting.status == ActivityStatus.HELD
    assert statuses(meeting) == {
        "张三": (PRESENT, False),
        "李四": (LEAVE, False),
        "王五": (ABSENT, False),
        "赵六": (PRESENT, False),
    }
    assert meeting.attendance.get(member=county.li).reason == "外出务工"
    assert AuditEvent.objects.filter(
        target_id=str(meeting.pk), summary="记录组织生活出席情况"
    ).exists()


def test_leave_needs_a_reason_and_nothing_is_written(county, make_activity):
    meeting = make_activity()
    with pytest.raises(ValidationError) as error:
        services.activity_record(
            actor=county.east_secretary, activity=meeting, exceptions={county.li.pk: (LEAVE, " ")}
        )
    assert "请填写 李四 的请假事由" in str(error.value)
    meeting.refresh_from_db()
    assert meeting.status == ActivityStatus.PLANNED
    assert not meeting.attendance.exists()


def test_exceptions_must_be_expected_and_future_meetings_wait(county, make_activity):
    meeting = make_activity()
    with pytest.raises(ValidationError, match="应到人员"):
        services.activity_record(
            actor=county.east_secretary, activity=meeting, exceptions={county.sun.pk: (ABSENT, "")}
        )
    future = make_activity(on=today() + dt.timedelta(days=3))
    with pytest.raises(ValidationError, match="还没到"):
        services.activity_record(actor=county.east_secretary, activity=future)


def test_out_of_scope_actor_is_refused(county, make_activity):
    meeting = make_activity()
    with pytest.raises(PermissionDenied):
        services.activity_record(actor=county.west_admin, activity=meeting)
    with pytest.raises(PermissionDenied):
        services.activity_create(
            actor=county.east_observer,
            organization=county.east_village,
            data={"kind": ActivityKind.THEME_DAY, "topic": "x", "on": today()},
        )


def test_expected_attendees_follow_a_transfer_mid_quarter(county, make_activity):
    """李四 moves from 东村 to 南村 on day 0: expected at 东村 before, at 南村 from that day."""
    moved_on = today() - dt.timedelta(days=20)
    member_services.membership_move(
        actor=county.county_admin,
        member=county.li,
        organization=county.south_village,
        on=moved_on,
        reason="工作调动",
    )
    before = make_activity(on=moved_on - dt.timedelta(days=5))
    after_east = make_activity(on=moved_on)
    after_south = make_activity(
        organization=county.south_village, on=moved_on + dt.timedelta(days=1)
    )
    for m in (before, after_east, after_south):
        services.activity_record(actor=county.county_admin, activity=m)
    assert "李四" in statuses(before)
    assert "李四" not in statuses(after_east)
    assert set(statuses(after_south)) == {"钱七", "李四"}


def test_committee_meeting_expects_the_committee_on_the_day(county, make_activity):
    day = today() - dt.timedelta(days=10)
    for member, title in (
        (county.zhang, PositionTitle.SECRETARY),
        (county.li, PositionTitle.COMMITTEE_MEMBER),
    ):
        member_services.position_assign(
            actor=county.county_admin,
            organization=county.east_village,
            member=member,
            title=title,
            started_on=day - dt.timedelta(days=30),
        )
    meeting = make_activity(kind=ActivityKind.COMMITTEE_MEETING, on=day)
    services.activity_record(actor=county.east_secretary, activity=meeting)
    assert set(statuses(meeting)) == {"张三", "李四"}


def test_guest_shows_in_the_home_record_and_never_counts(county, make_activity):
    meeting = make_activity()
    services.activity_record(actor=county.east_secretary, activity=meeting)
    row = services.attendance_add_guest(
        actor=county.east_secretary,
        activity=meeting,
        member=county.sun,
        via="certificate",
        certificate_serial="C-1",
    )
    assert row.is_guest
    assert row.home_organization == county.west_village
    assert not row.can_vote
    life = list(selectors.member_life(county.sun))
    assert [a.activity for a in life] == [meeting]
    assert selectors.last_life_on([county.sun.pk, county.qian.pk]) == {
        county.sun.pk: meeting.on,
        county.qian.pk: None,
    }
    q = selectors.quorum(meeting)
    assert (q.entitled, q.present) == (3, 3)  # 赵六 is probationary; 孙八 a guest
    # Recording again keeps the guest.
    services.activity_record(
        actor=county.east_secretary, activity=meeting, exceptions={county.li.pk: (ABSENT, "")}
    )
    assert statuses(meeting)["孙八"] == (PRESENT, True)


def test_guest_rules(county, make_activity):
    meeting = make_activity()
    with pytest.raises(ValidationError, match="应到人员"):
        services.attendance_add_guest(
            actor=county.east_secretary, activity=meeting, member=county.zhang
        )
    services.attendance_add_guest(
        actor=county.east_secretary,
        activity=meeting,
        member=county.sun,
        via="certificate",
        certificate_serial="C-1",
    )
    with pytest.raises(ValidationError, match="已登记"):
        services.attendance_add_guest(
            actor=county.east_secretary,
            activity=meeting,
            member=county.sun,
            via="certificate",
            certificate_serial="C-1",
        )
    with pytest.raises(PermissionDenied):
        services.attendance_add_guest(actor=county.west_admin, activity=meeting, member=county.qian)
    assert Attendance.objects.filter(activity=meeting).count() == 1


@pytest.mark.parametrize(
    ("absent", "met"),
    [(0, True), (1, True), (2, False), (3, False)],
)
def test_quorum_is_more_than_half_of_full_members(county, make_activity, absent, met):
    """Three full members entitled (赵六 is probationary): two present is more than half."""
    meeting = make_activity()
    people = [county.zhang, county.li, county.wang][:absent]
    services.activity_record(
        actor=county.east_secretary,
        activity=meeting,
        exceptions={m.pk: (ABSENT, "") for m in people},
    )
    q = selectors.quorum(meeting)
    assert q.entitled == 3
    assert q.required == 2
    assert q.met is met
    if not met:
        with pytest.raises(ValidationError, match="未超过应到会"):
            services.vote_record(
                actor=county.east_secretary,
                activity=meeting,
                subject="x",
                in_favour=1,
                against=0,
                abstained=0,
            )


def test_vote_passes_with_more_than_half_of_those_entitled(county, make_activity):
    meeting = make_activity()
    services.activity_record(
        actor=county.east_secretary, activity=meeting, exceptions={county.wang.pk: (LEAVE, "病假")}
    )
    passed = services.vote_record(
        actor=county.east_secretary,
        activity=meeting,
        subject="接收赵六为预备党员",
        in_favour=2,
        against=0,
        abstained=0,
    )
    failed = services.vote_record(
        actor=county.east_secretary,
        activity=meeting,
        subject="另一事项",
        in_favour=1,
        against=0,
        abstained=1,
    )
    assert passed.passed
    assert (passed.entitled, passed.present) == (3, 2)
    assert not failed.passed  # 1 of 3 entitled is not more than half
    with pytest.raises(ValidationError, match="超过到会"):
        services.vote_record(
            actor=county.east_secretary,
            activity=meeting,
            subject="x",
            in_favour=2,
            against=1,
            abstained=0,
        )
    theme = make_activity(kind=ActivityKind.THEME_DAY)
    services.activity_record(actor=county.east_secretary, activity=theme)
    with pytest.raises(ValidationError, match="只有支部党员大会"):
        services.vote_record(
            actor=county.east_secretary,
            activity=theme,
            subject="x",
            in_favour=2,
            against=0,
            abstained=0,
        )


def test_members_without_life_in_six_months(county, make_activity):
    on = today()
    meeting = make_activity(on=on - dt.timedelta(days=30))
    services.activity_record(
        actor=county.east_secretary, activity=meeting, exceptions={county.li.pk: (ABSENT, "")}
    )
    old = make_activity(on=on - dt.timedelta(days=250))
    services.activity_record(actor=county.east_secretary, activity=old)
    names = [m.name for m in selectors.members_without_life(county.east, on)]
    # 李四 missed the recent one; 钱七 (南村) had nothing; 赵六 joined this year: left out.
    assert names == ["李四", "钱七"]
    late = build_member(
        organization=county.east_village,
        name="新人",
        joined_on=on - dt.timedelta(days=10),
        category=MemberCategory.PROBATIONARY,
        started_on=on - dt.timedelta(days=10),
    )
    assert late.pk not in {m.pk for m in selectors.members_without_life(county.east, on)}


def test_attendance_carries_the_date_of_its_held_activity(county, make_activity):
    """`held_on` (decision 0261) is the activity's date on every row of a held activity, a
    guest recorded before it was held included, and empty while it is only planned."""
    meeting = make_activity()
    early_guest = services.attendance_add_guest(
        actor=county.county_admin, activity=meeting, member=county.sun
    )
    assert early_guest.held_on is None  # planned: not yet life
    services.activity_record(
        actor=county.east_secretary, activity=meeting, exceptions={county.li.pk: (ABSENT, "")}
    )
    late_guest = services.attendance_add_guest(
        actor=county.county_admin, activity=meeting, member=county.qian
    )
    assert late_guest.held_on == meeting.on
    rows = Attendance.objects.filter(activity=meeting)
    assert rows.count() == 6
    assert set(rows.values_list("held_on", flat=True)) == {meeting.on}
    planned = make_activity(on=today() + dt.timedelta(days=5))
    services.activity_cancel(actor=county.east_secretary, activity=planned)
    assert not Attendance.objects.filter(activity=planned).exists()


def test_group_meeting_only_in_a_party_group(county, make_activity):
    with pytest.raises(ValidationError, match="党小组"):
        make_activity(kind=ActivityKind.GROUP_MEETING)


def test_cancel_and_held_rules(county, make_activity):
    meeting = make_activity()
    services.activity_record(actor=county.east_secretary, activity=meeting)
    with pytest.raises(ValidationError):
        services.activity_cancel(actor=county.east_secretary, activity=meeting)
    with pytest.raises(ValidationError, match="不能改日期"):
        services.activity_update(
            actor=county.east_secretary,
            activity=meeting,
            data={"on": meeting.on - dt.timedelta(days=1)},
        )
    planned = make_activity(on=today() + dt.timedelta(days=5))
    services.activity_cancel(actor=county.east_secretary, activity=planned)
    planned.refresh_from_db()
    assert planned.status == ActivityStatus.CANCELLED


def test_host_must_belong(county, make_activity):
    with pytest.raises(ValidationError, match="主持人"):
        services.activity_create(
            actor=county.county_admin,
            organization=county.east_village,
            data={"kind": ActivityKind.THEME_DAY, "topic": "x", "on": today(), "host": county.sun},
        )


def test_ledger_export_is_audited_and_refused_out_of_scope(county):
    """The ledger records who exported it; a reader outside the branch gets none and no row."""
    with pytest.raises(PermissionDenied):
        services.ledger_export(
            actor=county.west_admin, organization=county.east_village, year=2026, fmt="xlsx"
        )
    assert not AuditEvent.objects.filter(action="EXPORT").exists()
    body = services.ledger_export(
        actor=county.east_secretary, organization=county.east_village, year=2026, fmt="xlsx"
    )
    assert body[:2] == b"PK"
    event = AuditEvent.objects.get(action="EXPORT")
    assert (event.actor, event.target_id, event.detail) == (
        county.east_secretary,
        str(county.east_village.pk),
        {"year": 2026, "format": "xlsx"},
    )
