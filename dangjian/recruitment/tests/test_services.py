"""Recruitment services: order, time rules on both sides of each boundary, people, votes,
admission, conversion, extension, cancellation, exceptions and scope."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dangjian.audit.models import AuditEvent
from dangjian.core.dates import today
from dangjian.members.choices import HowAdded, HowRemoved, MemberCategory, MemberStatus
from dangjian.members.models import ArchiveEntry, Membership
from dangjian.recruitment import rules, selectors, services
from dangjian.recruitment.choices import EndReason, Stage
from dangjian.recruitment.models import Applicant, StepRecord
from dangjian.site.testing import build_member, new_id_number

from .helpers import PATH, applicant_data, held_meeting, new_applicant, step_input, walk

pytestmark = pytest.mark.django_db


def _codes(error: ValidationError) -> set[str]:
    return {e.code or "" for e in error.error_list}


def _record(county: Any, applicant: Applicant, step: int, on: dt.date, **fields: Any) -> Any:
    return services.step_record(
        actor=county.east_admin, applicant=applicant, data=step_input(county, step, on, **fields)
    )


# --- application and age -----------------------------------------------------------------------


def test_application_creates_step_one_with_encrypted_id(county: Any) -> None:
    """An application is step 1; the ID number is stored encrypted with a lookup hash."""
    applicant = new_applicant(county)
    assert applicant.stage == Stage.APPLICANT
    assert applicant.last_step == 1
    assert applicant.steps.get().on == PATH[1]
    assert len(applicant.id_number) == 18
    assert applicant.id_number not in applicant.id_number_encrypted
    assert applicant.id_number_masked.count("*") == 12
    assert AuditEvent.objects.filter(target_type="recruitment.applicant").exists()


@pytest.mark.parametrize(
    ("applied_on", "ok"),
    [(dt.date(2022, 1, 9), False), (dt.date(2022, 1, 10), True)],
)
def test_age_rule_eighteen_full_years_on_application_date(
    county: Any, applied_on: dt.date, ok: bool
) -> None:
    """Born 2004-01-10: 18 full years on 2022-01-10, not the day before."""
    if ok:
        assert new_applicant(county, applied_on=applied_on, birth_date=dt.date(2004, 1, 10))
        return
    with pytest.raises(ValidationError) as info:
        new_applicant(county, applied_on=applied_on, birth_date=dt.date(2004, 1, 10))
    assert "年满18周岁" in info.value.message_dict["applied_on"][0]
    assert Applicant.objects.count() == 0


def test_a_member_or_a_second_record_is_refused(county: Any) -> None:
    number = new_id_number(dt.date(1998, 5, 1), "1")
    services.applicant_create(
        actor=county.east_admin,
        organization=county.east_village,
        data=applicant_data(),
        id_number=number,
        applied_on=PATH[1],
    )
    with pytest.raises(ValidationError) as info:
        services.applicant_create(
            actor=county.east_admin,
            organization=county.east_village,
            data=applicant_data(),
            id_number=number,
            applied_on=PATH[1],
        )
    assert "已有发展党员记录" in info.value.message_dict["id_number"][0]
    with pytest.raises(ValidationError) as info:
        services.applicant_create(
            actor=county.east_admin,
            organization=county.east_village,
            data=applicant_data(birth_date=county.li.birth_date, name="李四"),
            id_number=county.li.id_number,
            applied_on=PATH[1],
        )
    assert "已登记为党员" in info.value.message_dict["id_number"][0]


def test_application_out_of_scope_or_at_a_local_committee(county: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.applicant_create(
            actor=county.west_admin,
            organization=county.east_village,
            data=applicant_data(),
            id_number=new_id_number(dt.date(1998, 5, 1), "1"),
            applied_on=PATH[1],
        )
    with pytest.raises(ValidationError):
        services.applicant_create(
            actor=county.county_admin,
            organization=county.county,
            data=applicant_data(),
            id_number=new_id_number(dt.date(1998, 5, 1), "1"),
            applied_on=PATH[1],
        )


# --- order -----------------------------------------------------------------------------------------


def test_a_step_out_of_order_is_refused_and_nothing_is_written(county: Any) -> None:
    """Choosing an activist (4) before the talk (2) is refused, naming the step due now."""
    applicant = new_applicant(county)
    with pytest.raises(ValidationError) as info:
        _record(county, applicant, 4, PATH[4])
    assert _codes(info.value) == {"step_order"}
    assert "步骤顺序不对" in info.value.messages[0]
    assert "（2）" in info.value.messages[0]
    assert applicant.steps.count() == 1
    applicant.refresh_from_db()
    assert applicant.last_step == 1


def test_dates_go_forward_and_not_into_the_future(county: Any) -> None:
    applicant = new_applicant(county)
    with pytest.raises(ValidationError) as info:
        _record(county, applicant, 2, dt.date(2022, 1, 9))
    assert "早于上一步骤" in info.value.messages[0]
    with pytest.raises(ValidationError) as info:
        _record(county, applicant, 2, today() + dt.timedelta(days=2))
    assert "晚于今天" in " ".join(info.value.messages)


def test_a_repeatable_review_can_be_recorded_again(county: Any) -> None:
    applicant = walk(county, new_applicant(county), 6)
    assert [s.value for s in services.next_steps(applicant)] == [6, 7]
    _record(county, applicant, 6, dt.date(2023, 7, 10))
    assert applicant.steps.filter(step=6).count() == 2


# --- every time rule, on both sides of its boundary ----------------------------------------------

BOUNDARIES = [
    # rule, step, last allowed (or first allowed) date, the date on the wrong side
    ("first-talk", 2, dt.date(2022, 2, 10), dt.date(2022, 2, 11)),
    ("application-to-activist", 4, dt.date(2022, 7, 10), dt.date(2022, 7, 9)),
    ("activist-first-review", 6, dt.date(2023, 1, 20), dt.date(2023, 1, 21)),
    ("activist-one-year", 7, dt.date(2023, 7, 20), dt.date(2023, 7, 19)),
    ("public-notice", 14, dt.date(2023, 9, 22), dt.date(2023, 9, 21)),  # Fri → 5 working days
    ("admission-approval", 17, dt.date(2024, 1, 10), dt.date(2024, 1, 11)),
    ("probation-one-year", 23, dt.date(2024, 10, 10), dt.date(2024, 10, 9)),
    ("conversion-approval", 24, dt.date(2025, 1, 15), dt.date(2025, 1, 16)),
]


@pytest.mark.parametrize(("code", "step", "ok_on", "bad_on"), BOUNDARIES)
def test_time_rule_boundaries(
    county: Any, code: str, step: int, ok_on: dt.date, bad_on: dt.date
) -> None:
    """The date on the wrong side is refused, naming the rule and its source; the other is kept."""
    applicant = walk(county, new_applicant(county), step - 1)
    rule = rules.rules_for(county.east_village)[code]
    with pytest.raises(ValidationError) as info:
        _record(county, applicant, step, bad_on)
    assert _codes(info.value) == {"time_rule"}
    text = " ".join(info.value.messages)
    assert rule.description in text
    assert rule.source in text
    record = _record(county, applicant, step, ok_on)
    assert record.on == ok_on
    assert not record.is_exception


def test_second_review_within_half_a_year_of_the_first(county: Any) -> None:
    applicant = walk(county, new_applicant(county), 6)  # first review 2023-01-15
    with pytest.raises(ValidationError) as info:
        _record(county, applicant, 6, dt.date(2023, 7, 16))
    assert "每半年考察一次" in info.value.messages[0]
    assert _record(county, applicant, 6, dt.date(2023, 7, 15))


@pytest.mark.parametrize(("hours", "ok"), [(23, False), (24, True)])
def test_training_of_at_least_24_class_hours(county: Any, hours: int, ok: bool) -> None:
    applicant = walk(county, new_applicant(county), 10)
    if ok:
        assert _record(county, applicant, 11, PATH[11], training_hours=hours).training_hours == 24
        return
    with pytest.raises(ValidationError) as info:
        _record(county, applicant, 11, PATH[11], training_hours=hours)
    assert "24 学时" in info.value.messages[0]


def test_a_local_rule_replaces_the_national_one_in_its_subtree(county: Any) -> None:
    """East township sets 3 months before activist; the west keeps the national default."""
    services.time_rule_set_local(
        actor=county.east_admin,
        organization=county.east,
        code="application-to-activist",
        amount=3,
        source="东镇党委〔2025〕1号",
    )
    assert rules.rules_for(county.east_village)["application-to-activist"].amount == 3
    assert rules.rules_for(county.west_village)["application-to-activist"].amount == 6
    applicant = walk(county, new_applicant(county), 2)
    _record(county, applicant, 3, dt.date(2022, 3, 1))
    with pytest.raises(ValidationError):
        _record(county, applicant, 4, dt.date(2022, 4, 9))
    record = _record(county, applicant, 4, dt.date(2022, 4, 10))  # 3 months after 01-10
    assert record.on == dt.date(2022, 4, 10)
    with pytest.raises(PermissionDenied):
        services.time_rule_set_local(
            actor=county.east_secretary,
            organization=county.east_village,
            code="application-to-activist",
            amount=1,
            source="x",
        )


# --- exceptions --------------------------------------------------------------------------------


def test_an_administrator_records_an_exception_with_a_visible_reason(county: Any) -> None:
    applicant = walk(county, new_applicant(county), 1)
    late = dt.date(2022, 3, 1)
    with pytest.raises(ValidationError) as info:
        services.step_record(
            actor=county.east_secretary,
            applicant=applicant,
            data=step_input(county, 2, late, exception_reason="申请人外出务工"),
        )
    assert _codes(info.value) == {"exception_not_allowed"}
    record = services.step_record(
        actor=county.east_admin,
        applicant=applicant,
        data=step_input(county, 2, late, exception_reason="申请人外出务工，返乡后谈话"),
    )
    assert record.is_exception
    assert record.exception_reason.startswith("申请人外出务工")
    assert "一个月内派人谈话" in record.exception_rules
    assert "第二章" in record.exception_rules


def test_a_reason_on_a_step_that_keeps_the_rules_is_not_an_exception(county: Any) -> None:
    applicant = new_applicant(county)
    record = services.step_record(
        actor=county.east_secretary,
        applicant=applicant,
        data=step_input(county, 2, PATH[2], exception_reason="无"),
    )
    assert not record.is_exception


# --- people: mentors and sponsors ---------------------------------------------------------------


def test_sponsors_must_be_two_full_members_in_reach(county: Any) -> None:
    applicant = walk(county, new_applicant(county), 8)
    for members, expected in [
        ([county.li], "须为2名正式党员"),
        ([county.li, county.zhao], "不是正式党员"),  # 赵六 is probationary
        ([county.li, county.sun], "不在您管理范围内"),  # 孙八 is in the west
    ]:
        with pytest.raises(ValidationError) as info:
            _record(county, applicant, 9, PATH[9], members=members)
        assert expected in " ".join(info.value.messages)
    record = _record(county, applicant, 9, PATH[9], members=[county.li, county.wang])
    assert set(record.members.all()) == {county.li, county.wang}


def test_a_sponsor_must_already_be_a_full_member_on_the_date(county: Any) -> None:
    """王五 became a full member on 2013-07-01; as a sponsor on an earlier date she is not one."""
    recent = build_member(
        organization=county.east_village,
        name="刘十",
        joined_on=dt.date(2022, 9, 1),
        full_member_on=dt.date(2023, 9, 1),
    )
    applicant = walk(county, new_applicant(county), 8)
    with pytest.raises(ValidationError) as info:
        _record(county, applicant, 9, PATH[9], members=[county.li, recent])
    assert "刘十 在 2023-08-01 不是正式党员" in " ".join(info.value.messages)


def test_one_or_two_mentors(county: Any) -> None:
    applicant = walk(county, new_applicant(county), 4)
    with pytest.raises(ValidationError):
        _record(county, applicant, 5, PATH[5], members=[county.li, county.wang, county.zhang])
    with pytest.raises(ValidationError):
        _record(county, applicant, 5, PATH[5], members=[])
    assert _record(county, applicant, 5, PATH[5], members=[county.li, county.wang])


# --- the vote --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entitled", "present", "votes_for", "has_quorum", "passed"),
    [
        (20, 10, 10, False, False),  # half present is not more than half
        (20, 11, 11, True, True),
        (20, 12, 10, True, False),  # 10 of 12 present, but not more than half of 20 entitled
        (20, 20, 10, True, False),
        (21, 11, 11, True, True),
        (21, 21, 10, True, False),
        (3, 2, 2, True, True),
    ],
)
def test_vote_arithmetic(
    entitled: int, present: int, votes_for: int, has_quorum: bool, passed: bool
) -> None:
    vote = rules.Vote(entitled, present, votes_for, present - votes_for, 0)
    assert vote.has_quorum is has_quorum
    assert vote.passed is passed
    assert (rules.vote_errors(vote) == []) is passed


def test_vote_numbers_must_add_up() -> None:
    assert "不能多于应到人数" in rules.vote_errors(rules.Vote(5, 6, 6, 0, 0))[0]
    assert "多于实到人数" in rules.vote_errors(rules.Vote(10, 8, 6, 2, 1))[0]
    assert rules.vote_errors(rules.Vote(0, 0, 0, 0, 0))


def test_a_majority_of_those_present_is_not_enough(county: Any) -> None:
    """Four full members entitled, three present: two of three present is not more than half of
    the four entitled; three is (the counts come from the meeting's roll)."""
    build_member(organization=county.east_village, name="周九", joined_on=dt.date(2010, 7, 1))
    applicant = walk(county, new_applicant(county), 14)
    meeting = held_meeting(county, PATH[15], absent=(county.wang,))
    with pytest.raises(ValidationError) as info:
        _record(county, applicant, 15, PATH[15], meeting=meeting, ballot=rules.Ballot(2, 1))
    assert "至少须 3 票" in info.value.messages[0]
    record = _record(county, applicant, 15, PATH[15], meeting=meeting, ballot=rules.Ballot(3))
    assert (record.entitled, record.present, record.votes_for) == (4, 3, 3)


# --- admission, conversion, extension, cancellation --------------------------------------------


def test_approval_admits_a_probationary_member_from_the_meeting_date(county: Any) -> None:
    applicant = walk(county, new_applicant(county), 17)
    member = applicant.member
    assert member is not None
    assert applicant.stage == Stage.PROBATIONARY
    assert member.category == MemberCategory.PROBATIONARY
    assert member.joined_on == PATH[15]
    assert member.full_member_on is None
    assert member.id_number == applicant.id_number
    row = Membership.objects.get(member=member)
    assert (row.organization, row.started_on, row.how_added) == (
        county.east_village,
        PATH[15],
        HowAdded.NEWLY_ADMITTED,
    )
    summaries = list(ArchiveEntry.objects.filter(member=member).values_list("summary", flat=True))
    assert any("新发展" in s for s in summaries)
    assert any("接收为预备党员" in s for s in summaries)


def test_admission_that_fails_leaves_no_step(county: Any) -> None:
    """If the member record cannot be created (the number is already a member), nothing is kept."""
    applicant = walk(county, new_applicant(county), 16)
    build_member(
        organization=county.south_village,
        name="陈小明",
        birth_date=applicant.birth_date,
        joined_on=dt.date(2020, 7, 1),
        id_number=applicant.id_number,
    )
    with pytest.raises(ValidationError):
        _record(county, applicant, 17, PATH[17])
    applicant.refresh_from_db()
    assert applicant.last_step == 16
    assert applicant.member is None
    assert not StepRecord.objects.filter(applicant=applicant, step=17).exists()


def test_conversion_makes_a_full_member_a_year_after_the_meeting(county: Any) -> None:
    applicant = walk(county, new_applicant(county), 25)
    assert applicant.stage == Stage.CONVERTED
    assert applicant.member is not None
    applicant.member.refresh_from_db()
    assert applicant.member.category == MemberCategory.FULL
    assert applicant.member.full_member_on == dt.date(2024, 10, 10)
    assert services.next_steps(applicant) == []
    assert ArchiveEntry.objects.filter(
        member=applicant.member, summary__contains="转为正式党员"
    ).exists()


def test_extension_once_6_to_12_months_moves_the_conversion(county: Any) -> None:
    applicant = walk(county, new_applicant(county), 22)
    for months in (5, 13):
        with pytest.raises(ValidationError) as info:
            services.probation_extend(
                actor=county.east_admin,
                applicant=applicant,
                months=months,
                on=dt.date(2024, 10, 1),
                reason="支部大会决议",
            )
        assert "不能少于6个月" in info.value.message_dict["months"][0]
    services.probation_extend(
        actor=county.east_admin,
        applicant=applicant,
        months=6,
        on=dt.date(2024, 10, 1),
        reason="支部大会决议：需继续考察",
    )
    with pytest.raises(ValidationError) as info:
        services.probation_extend(
            actor=county.east_admin,
            applicant=applicant,
            months=6,
            on=dt.date(2024, 10, 2),
            reason="再次",
        )
    assert "只能延长一次" in info.value.messages[0]
    with pytest.raises(ValidationError) as info:
        _record(county, applicant, 23, dt.date(2025, 4, 9))
    assert "2025-04-10" in info.value.messages[0]
    _record(county, applicant, 23, dt.date(2025, 4, 10))
    _record(county, applicant, 24, dt.date(2025, 5, 1))
    applicant.refresh_from_db()
    assert applicant.member is not None
    applicant.member.refresh_from_db()
    assert applicant.member.full_member_on == dt.date(2025, 4, 10)
    assert ArchiveEntry.objects.filter(
        member=applicant.member, summary__contains="延长预备期 6 个月"
    ).exists()


def test_cancellation_removes_the_member_with_that_way(county: Any) -> None:
    applicant = walk(county, new_applicant(county), 20)
    services.probation_cancel(
        actor=county.east_admin, applicant=applicant, on=dt.date(2024, 3, 1), reason="不履行义务"
    )
    applicant.refresh_from_db()
    assert applicant.stage == Stage.ENDED
    assert applicant.end_reason == EndReason.PROBATION_CANCELLED
    assert applicant.member is not None
    applicant.member.refresh_from_db()
    assert applicant.member.status == MemberStatus.LEFT
    row = Membership.objects.get(member=applicant.member)
    assert row.how_removed == HowRemoved.PROBATION_CANCELLED
    assert row.ended_on == dt.date(2024, 3, 1)
    with pytest.raises(ValidationError):
        _record(county, applicant, 21, PATH[21])


def test_extension_and_cancellation_only_for_probationary(county: Any) -> None:
    applicant = walk(county, new_applicant(county), 10)
    with pytest.raises(ValidationError):
        services.probation_cancel(
            actor=county.east_admin, applicant=applicant, on=PATH[10], reason="x"
        )
    with pytest.raises(ValidationError):
        services.probation_extend(
            actor=county.east_admin, applicant=applicant, months=6, on=PATH[10], reason="x"
        )


def test_ending_a_record_before_admission(county: Any) -> None:
    applicant = walk(county, new_applicant(county), 4)
    with pytest.raises(ValidationError):
        services.applicant_end(
            actor=county.east_admin,
            applicant=applicant,
            on=PATH[4],
            reason=EndReason.WITHDREW,
            note="",
        )
    services.applicant_end(
        actor=county.east_admin,
        applicant=applicant,
        on=PATH[4],
        reason=EndReason.WITHDREW,
        note="本人书面撤回",
    )
    applicant.refresh_from_db()
    assert applicant.stage == Stage.ENDED
    assert services.next_steps(applicant) == []


# --- scope and privacy -------------------------------------------------------------------------


def test_out_of_scope_cannot_record_or_reveal(county: Any) -> None:
    applicant = new_applicant(county)
    with pytest.raises(PermissionDenied):
        services.step_record(
            actor=county.west_admin, applicant=applicant, data=step_input(county, 2)
        )
    with pytest.raises(PermissionDenied):
        services.applicant_reveal(actor=county.east_observer, applicant=applicant, field="phone")
    assert (
        services.applicant_reveal(actor=county.east_secretary, applicant=applicant, field="phone")
        == "13700001234"
    )
    assert AuditEvent.objects.filter(action="REVEAL").count() == 1
    assert list(selectors.scoped_applicants(county.west_admin)) == []
    assert list(selectors.scoped_applicants(county.east_observer)) == [applicant]
