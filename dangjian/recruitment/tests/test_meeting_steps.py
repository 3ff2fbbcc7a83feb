"""Steps decided at a meeting take the meeting's date and roll (decision 0145): the meeting must
be of the step's kind, of the applicant's organization, held, not before the preceding steps;
the quorum and the majority are counted from the roll; the vote is written once, on the meeting."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from dangjian.activities import services as activity_services
from dangjian.activities.choices import ActivityKind
from dangjian.activities.models import Vote
from dangjian.recruitment import rules, services
from dangjian.recruitment.models import StepRecord
from dangjian.site.testing import build_member

from .helpers import PATH, held_meeting, new_applicant, step_input, walk

pytestmark = pytest.mark.django_db


def _record(county: Any, applicant: Any, step: int, on: dt.date, **fields: Any) -> StepRecord:
    return services.step_record(
        actor=county.east_admin, applicant=applicant, data=step_input(county, step, on, **fields)
    )


def _refused(county: Any, applicant: Any, step: int, on: dt.date, **fields: Any) -> str:
    with pytest.raises(ValidationError) as info:
        _record(county, applicant, step, on, **fields)
    assert not StepRecord.objects.filter(applicant=applicant, step=step).exists()
    return " ".join(info.value.messages)


def test_a_vote_needs_a_recorded_meeting(county: Any) -> None:
    applicant = walk(county, new_applicant(county), 14)
    with pytest.raises(ValidationError) as info:
        _record(county, applicant, 15, PATH[15], meeting=None, ballot=rules.Ballot(3))
    assert info.value.code == "step_invalid"
    assert "请选择表决的支部党员大会" in info.value.messages[0]


def test_the_meeting_must_be_a_general_meeting_for_the_vote(county: Any) -> None:
    """A committee meeting cannot vote on admission; it may decide the committee's review."""
    applicant = walk(county, new_applicant(county), 11)
    committee = held_meeting(county, PATH[12], kind=ActivityKind.COMMITTEE_MEETING)
    record = _record(county, applicant, 12, PATH[12], meeting=committee)
    assert record.meeting == committee
    assert record.entitled is None  # no vote at step 12: the meeting is named, nothing counted
    walk(county, applicant, 14)
    other = held_meeting(county, PATH[15], kind=ActivityKind.COMMITTEE_MEETING)
    message = _refused(county, applicant, 15, PATH[15], meeting=other, ballot=rules.Ballot(3))
    assert "须由支部党员大会决定" in message


def test_the_meeting_must_be_of_the_applicants_organization(county: Any) -> None:
    applicant = walk(county, new_applicant(county), 14)
    south = held_meeting(county, PATH[15], organization=county.south_village)
    message = _refused(county, applicant, 15, PATH[15], meeting=south, ballot=rules.Ballot(1))
    assert "南村党支部的会议" in message
    own = held_meeting(county, PATH[15])
    assert _record(county, applicant, 15, PATH[15], meeting=own, ballot=rules.Ballot(3))


def test_the_meeting_must_be_held(county: Any) -> None:
    applicant = walk(county, new_applicant(county), 14)
    planned = activity_services.activity_create(
        actor=county.east_admin,
        organization=county.east_village,
        data={"kind": ActivityKind.GENERAL_MEETING, "topic": "讨论发展", "on": PATH[15]},
    )
    message = _refused(county, applicant, 15, PATH[15], meeting=planned, ballot=rules.Ballot(3))
    assert "尚未记录为已召开" in message
    held = activity_services.activity_record(actor=county.east_admin, activity=planned)
    assert _record(county, applicant, 15, PATH[15], meeting=held, ballot=rules.Ballot(3))


def test_the_meeting_may_not_precede_the_previous_step(county: Any) -> None:
    """Step 14 was on PATH[14]: a meeting the day before is refused, one that day is accepted."""
    applicant = walk(county, new_applicant(county), 14)
    day_before = PATH[14] - dt.timedelta(days=1)
    early = held_meeting(county, day_before)
    with pytest.raises(ValidationError) as info:
        _record(county, applicant, 15, day_before, meeting=early, ballot=rules.Ballot(3))
    assert info.value.code == "step_order"
    same_day = held_meeting(county, PATH[14])
    record = _record(county, applicant, 15, PATH[14], meeting=same_day, ballot=rules.Ballot(3))
    assert record.on == PATH[14]


def test_the_step_date_is_the_meeting_date(county: Any) -> None:
    applicant = walk(county, new_applicant(county), 14)
    meeting = held_meeting(county, PATH[15])
    other_day = PATH[15] + dt.timedelta(days=1)
    message = _refused(county, applicant, 15, other_day, meeting=meeting, ballot=rules.Ballot(3))
    assert PATH[15].isoformat() in message


@pytest.mark.parametrize(("on_leave", "passes"), [(2, False), (1, True)])
def test_quorum_from_the_roll(county: Any, on_leave: int, passes: bool) -> None:
    """Four full members on the roll: two present is not more than half, three is."""
    build_member(organization=county.east_village, name="周九", joined_on=dt.date(2010, 7, 1))
    applicant = walk(county, new_applicant(county), 14)
    absent = (county.wang, county.li)[:on_leave]
    meeting = held_meeting(county, PATH[15], absent=absent)
    present = 4 - on_leave
    if not passes:
        message = _refused(
            county, applicant, 15, PATH[15], meeting=meeting, ballot=rules.Ballot(present)
        )
        assert "未超过应到 4 名的半数" in message
        assert not Vote.objects.exists()
        return
    record = _record(county, applicant, 15, PATH[15], meeting=meeting, ballot=rules.Ballot(3))
    assert (record.entitled, record.present) == (4, 3)


def test_the_vote_is_written_once_on_the_meeting(county: Any) -> None:
    """The ballot becomes the meeting's decision item; the step points at it and copies it."""
    applicant = walk(county, new_applicant(county), 14)
    meeting = held_meeting(county, PATH[15])
    record = _record(county, applicant, 15, PATH[15], meeting=meeting, ballot=rules.Ballot(2, 1, 0))
    vote = Vote.objects.get(activity=meeting)
    assert vote.subject == "接收 陈小明 为预备党员"
    assert (vote.entitled, vote.present, vote.in_favour, vote.against, vote.passed) == (
        3,
        3,
        2,
        1,
        True,
    )
    assert record.meeting_vote == vote
    assert (record.votes_for, record.votes_against, record.votes_abstaining) == (2, 1, 0)


def test_probationary_members_and_guests_do_not_count(county: Any) -> None:
    """At the conversion vote the new probationary member is on the roll without a vote, and a
    guest from another branch is never counted."""
    applicant = walk(county, new_applicant(county), 22)
    meeting = held_meeting(county, PATH[23])
    activity_services.attendance_add_guest(
        actor=county.east_admin, activity=meeting, member=county.qian
    )
    assert applicant.member is not None
    assert meeting.attendance.filter(member=applicant.member, can_vote=False).exists()
    record = _record(county, applicant, 23, PATH[23], meeting=meeting, ballot=rules.Ballot(3))
    assert (record.entitled, record.present) == (3, 3)
    assert Vote.objects.get(activity=meeting).subject == "陈小明 按期转为正式党员"


def test_a_step_not_decided_at_a_meeting_takes_no_meeting(county: Any) -> None:
    applicant = walk(county, new_applicant(county), 1)
    meeting = held_meeting(county, PATH[2])
    message = _refused(county, applicant, 2, PATH[2], meeting=meeting)
    assert "不是会议决定的步骤" in message


def test_records_typed_before_meetings_were_linked_still_show(client: Client, county: Any) -> None:
    """A vote recorded with typed counts and no meeting (the records before migration 0003)
    keeps its counts on the page and in the API."""
    applicant = walk(county, new_applicant(county), 14)
    StepRecord.objects.create(
        applicant=applicant,
        step=15,
        on=PATH[15],
        entitled=20,
        present=12,
        votes_for=11,
        votes_against=1,
        votes_abstaining=0,
    )
    client.force_login(county.east_secretary)
    page = client.get(f"/recruitment/{applicant.pk}/").content.decode()
    assert "应到 20，实到 12，赞成 11" in page
    assert "人数取自会议出席记录" not in page
    detail = client.get(f"/api/v1/recruitment/applicants/{applicant.pk}").json()
    old = next(s for s in detail["steps"] if s["step"] == 15)
    assert (old["meeting_id"], old["entitled"]) == (None, 20)
