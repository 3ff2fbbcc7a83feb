"""Volunteer activities: recorded once for everyone who took part, each participant's hours in
their archive, corrected one participant at a time; pages and API scoped like the rest."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dangjian.audit.models import AuditEvent
from dangjian.care import demo, selectors, services
from dangjian.care.models import VolunteerActivity, VolunteerService
from dangjian.core.extensions import DemoContext
from dangjian.members import services as member_services
from dangjian.members.choices import ArchiveKind
from dangjian.members.models import ArchiveEntry, Member
from dangjian.site.testing import build_member, system_user

NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
DAY = dt.date(2026, 9, 12)


@pytest.fixture(autouse=True)
def _frozen_day() -> Iterator[None]:
    """Every test runs on 2026-11-20, so "this year" and "not in the future" hold still."""
    with time_machine.travel(NOW, tick=True):
        yield


def record(county: Any, participants: dict[Any, Any], **overrides: Any) -> VolunteerActivity:
    arguments: dict[str, Any] = {
        "actor": county.east_secretary,
        "organization": county.east_village,
        "on": DAY,
        "title": "防汛值守",
        "hours": Decimal("3"),
        "place": "河堤",
        "participants": {m.pk: hours for m, hours in participants.items()},
    }
    return services.volunteer_activity_record(**(arguments | overrides))


def care_entries(member: Member) -> list[str]:
    return list(
        ArchiveEntry.objects.filter(member=member, kind=ArchiveKind.CARE)
        .order_by("id")
        .values_list("summary", flat=True)
    )


def hours_of(member: Member) -> Decimal:
    return VolunteerService.objects.filter(member=member).aggregate(t=Sum("hours"))["t"] or Decimal(
        0
    )


def nothing_saved() -> bool:
    return (
        not VolunteerActivity.objects.exists()
        and not VolunteerService.objects.exists()
        and not ArchiveEntry.objects.filter(kind=ArchiveKind.CARE).exists()
        and not AuditEvent.objects.filter(target_type="care.volunteeractivity").exists()
    )


# --- the service ----------------------------------------------------------------------------


def test_an_activity_is_recorded_once_for_everyone(county: Any) -> None:
    """One call: the activity, a row and an archive entry per participant, one audit event."""
    activity = record(county, {county.zhang: None, county.li: Decimal("2"), county.wang: None})
    rows = {r.member_id: r for r in VolunteerService.objects.filter(activity_record=activity)}
    assert {pk: r.hours for pk, r in rows.items()} == {
        county.zhang.pk: Decimal("3"),
        county.li.pk: Decimal("2"),
        county.wang.pk: Decimal("3"),
    }
    assert all(r.on == DAY and r.activity == "防汛值守" for r in rows.values())
    assert care_entries(county.li) == ["志愿服务：防汛值守，2 小时"]
    assert care_entries(county.zhang) == ["志愿服务：防汛值守，3 小时"]
    assert ArchiveEntry.objects.get(member=county.zhang, kind=ArchiveKind.CARE).effective_on == DAY
    event = AuditEvent.objects.get(target_type="care.volunteeractivity")
    assert event.target_id == str(activity.pk)
    assert event.detail == {"participants": 3, "hours": "8"}
    assert not care_entries(county.zhao)  # not ticked: volunteering is opt-in


def test_a_committee_takes_members_of_its_branches(county: Any) -> None:
    record(
        county,
        {county.zhang: None, county.qian: None},
        actor=county.east_admin,
        organization=county.east,
    )
    assert hours_of(county.qian) == Decimal("3")


def test_a_participant_outside_the_organization_is_refused_by_name(county: Any) -> None:
    """钱七 is in 南村, not 东村: refused by name, and nothing at all is saved."""
    with pytest.raises(ValidationError) as refused:
        record(county, {county.zhang: None, county.qian: None}, actor=county.east_admin)
    message = refused.value.message_dict["participants"][0]
    assert "钱七" in message
    assert "东村党支部" in message
    assert "张三" not in message
    assert nothing_saved()


def test_someone_the_user_may_not_see_is_refused_without_a_name(county: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        record(county, {county.zhang: None, county.sun: None})
    message = refused.value.message_dict["participants"][0]
    assert "孙八" not in message
    assert "另有 1 人不在您的管理范围内" in message
    assert nothing_saved()


def test_only_who_manages_the_organization_records(county: Any) -> None:
    for actor in (county.west_admin, county.east_observer, county.member_user):
        with pytest.raises(PermissionDenied):
            record(county, {county.zhang: None}, actor=actor)
    assert nothing_saved()


@pytest.mark.parametrize("hours", ["0", "-1", "24.5", "25", "2.55", "NaN"])
def test_the_activity_hours_are_bounded(county: Any, hours: str) -> None:
    with pytest.raises(ValidationError) as refused:
        record(county, {county.zhang: None}, hours=Decimal(hours))
    assert "hours" in refused.value.message_dict
    assert nothing_saved()


@pytest.mark.parametrize("hours", ["0", "24.1", "0.05"])
def test_a_participants_own_hours_are_bounded_and_named(county: Any, hours: str) -> None:
    with pytest.raises(ValidationError) as refused:
        record(county, {county.zhang: None, county.li: Decimal(hours)})
    message = refused.value.message_dict["participants"][0]
    assert "李四" in message
    assert "张三" not in message
    assert nothing_saved()


def test_zero_participants_a_future_day_and_no_title_are_refused(county: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        record(county, {}, on=dt.date(2026, 12, 1), title="  ")
    assert set(refused.value.message_dict) == {"participants", "on", "title"}
    assert "请至少勾选一名参加人员" in refused.value.message_dict["participants"][0]
    assert nothing_saved()


def test_no_one_serves_more_than_24_hours_a_day(county: Any) -> None:
    record(county, {county.zhang: Decimal("20"), county.li: None}, hours=Decimal("4"))
    with pytest.raises(ValidationError) as refused:
        record(county, {county.zhang: None, county.li: None}, title="敬老院服务", hours=Decimal(5))
    message = refused.value.message_dict["participants"][0]
    assert "张三" in message
    assert "李四" not in message
    assert VolunteerActivity.objects.count() == 1
    record(county, {county.zhang: None}, on=DAY - dt.timedelta(days=1), hours=Decimal(5))
    assert hours_of(county.zhang) == Decimal("25")


def test_a_failure_half_way_leaves_nothing(county: Any, monkeypatch: Any) -> None:
    """All or nothing: if the second archive entry cannot be written, no row stays behind."""
    calls: list[Member] = []
    original = member_services.archive_add

    def failing(**kwargs: Any) -> Any:
        calls.append(kwargs["member"])
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return original(**kwargs)

    monkeypatch.setattr(member_services, "archive_add", failing)
    with pytest.raises(RuntimeError):
        record(county, {county.zhang: None, county.li: None, county.wang: None})
    assert len(calls) == 2
    assert nothing_saved()


def test_correcting_one_participants_hours(county: Any) -> None:
    activity = record(county, {county.zhang: None, county.li: None})
    row = VolunteerService.objects.get(activity_record=activity, member=county.li)
    services.volunteer_participant_update(
        actor=county.east_secretary, service=row, hours=Decimal("1.5"), reason="提前离开"
    )
    assert hours_of(county.li) == Decimal("1.5")
    assert hours_of(county.zhang) == Decimal("3")
    entry = ArchiveEntry.objects.filter(member=county.li).latest("id")
    assert "由 3.0 小时改为 1.5 小时" in entry.summary
    assert entry.reason == "提前离开"
    assert AuditEvent.objects.filter(action="UPDATE", target_id=str(activity.pk)).count() == 1
    with pytest.raises(ValidationError):
        services.volunteer_participant_update(
            actor=county.east_secretary, service=row, hours=Decimal("30")
        )
    with pytest.raises(PermissionDenied):
        services.volunteer_participant_update(
            actor=county.west_admin, service=row, hours=Decimal("1")
        )
    assert hours_of(county.li) == Decimal("1.5")


def test_removing_a_participant_who_did_not_come(county: Any) -> None:
    activity = record(county, {county.zhang: None, county.li: None})
    li = VolunteerService.objects.get(activity_record=activity, member=county.li)
    services.volunteer_participant_remove(actor=county.east_secretary, service=li, reason="请假")
    assert hours_of(county.li) == 0
    assert care_entries(county.li) == [
        "志愿服务：防汛值守，3 小时",
        "更正志愿服务：未参加防汛值守（2026-09-12），撤销 3.0 小时",
    ]
    zhang = VolunteerService.objects.get(activity_record=activity)
    with pytest.raises(ValidationError) as refused:
        services.volunteer_participant_remove(actor=county.east_secretary, service=zhang)
    assert "唯一的参加人员" in refused.value.messages[0]
    assert hours_of(county.zhang) == Decimal("3")


def test_a_row_recorded_alone_is_not_corrected_here(county: Any) -> None:
    alone = services.record_for_member(
        actor=county.east_secretary,
        record=VolunteerService(member=county.li, on=DAY, activity="扫雪", hours=Decimal("2")),
    )
    with pytest.raises(ValidationError):
        services.volunteer_participant_remove(actor=county.east_secretary, service=alone)


@contextmanager
def rolled_back() -> Iterator[None]:
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


hours = st.integers(min_value=1, max_value=80).map(lambda n: Decimal(n) / 10)
activities = st.lists(
    st.tuples(hours, st.lists(st.tuples(st.integers(0, 2), st.none() | hours), min_size=1)),
    min_size=1,
    max_size=6,
)


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=activities)
def test_a_members_hours_are_the_sum_over_activities(county: Any, plan: Any) -> None:
    """For any activities with any participants and overrides: each member's hours and the
    organization's totals are the sums a person would make by hand."""
    people = [county.zhang, county.li, county.wang]
    with rolled_back():
        expected = {m.pk: Decimal(0) for m in people}
        for day, (default, ticks) in enumerate(plan):
            chosen = {people[i].pk: own for i, own in ticks}  # the last tick of a person wins
            services.volunteer_activity_record(
                actor=county.east_secretary,
                organization=county.east_village,
                on=DAY - dt.timedelta(days=day),
                title="志愿服务",
                hours=default,
                participants=chosen,
            )
            for pk, own in chosen.items():
                expected[pk] += own if own is not None else default
        assert {m.pk: hours_of(m) for m in people} == expected
        totals = selectors.volunteer_totals(county.east, 2026)
        assert totals.hours == sum(expected.values())
        assert totals.activities == len(plan)
        assert totals.people == sum(1 for h in expected.values() if h)


# --- the demo -------------------------------------------------------------------------------


def test_the_demo_rows_come_from_activities(county: Any) -> None:
    for n in range(8):
        build_member(organization=county.east_village, name=f"志愿者{n}")
    branches = [county.east_village, county.south_village, county.west_village]
    context = DemoContext(
        builder=system_user(),
        reference_day=dt.date(2026, 10, 1),
        county=county.county,
        branches=branches,
        members_by_branch={
            b.pk: list(Member.objects.filter(memberships__organization=b)) for b in branches
        },
        progress=lambda _m: None,
    )
    rows = demo.volunteer_activities(context, context.rng("care"))
    activities = VolunteerActivity.objects.all()
    assert activities.exists()
    assert set(activities.values_list("organization", flat=True)) == {county.east.pk}
    assert not activities.filter(on__gte=dt.date(2026, 10, 1)).exists()
    for activity in activities:
        assert 5 <= activity.participations.count() <= 30
    assert not VolunteerService.objects.filter(activity_record__isnull=True).exists()
    assert rows == VolunteerService.objects.count()
    # Each row has its archive entry, worded as the service words it.
    row = VolunteerService.objects.select_related("member").first()
    assert row is not None
    entry = ArchiveEntry.objects.filter(
        member=row.member,
        kind=ArchiveKind.CARE,
        effective_on=row.on,
        summary=f"志愿服务：{row.activity}，{row.hours} 小时",
    ).first()
    assert entry is not None
    assert (entry.before, entry.after, entry.actor_id) == ({}, {}, row.recorded_by_id)
    assert ArchiveEntry.objects.filter(kind=ArchiveKind.CARE).count() == rows


# --- pages ----------------------------------------------------------------------------------


def test_recording_on_the_page(client: Any, county: Any) -> None:
    """The secretary's branch is chosen, nobody is ticked; tick two, one with other hours."""
    client.force_login(county.east_secretary)
    page = client.get("/care/volunteer/new")
    body = page.content.decode()
    assert page.status_code == 200
    assert "张三" in body
    assert "钱七" not in body
    assert "孙八" not in body
    assert 'name="participant" value' in body
    assert " checked" not in body
    response = client.post(
        "/care/volunteer/new",
        {
            "on": DAY.isoformat(),
            "title": "人居环境整治",
            "place": "村组道路",
            "hours": "2.5",
            "participant": [county.zhang.pk, county.li.pk],
            f"hours_{county.li.pk}": "1",
            f"hours_{county.wang.pk}": "9",  # typed but not ticked: not a participant
        },
    )
    activity = VolunteerActivity.objects.get()
    assert response.status_code == 302
    assert response["Location"] == activity.get_absolute_url()
    assert hours_of(county.li) == Decimal("1")
    assert hours_of(county.wang) == 0
    detail = client.get(activity.get_absolute_url()).content.decode()
    assert "人居环境整治" in detail
    assert "2 人，共 3.5 小时" in detail
    listing = client.get(f"/care/volunteer/{county.east_village.pk}").content.decode()
    assert "志愿服务活动 1 次，参加 2 人次（2 人），服务时长共 3.5 小时" in listing
    organization_page = client.get(county.east_village.get_absolute_url()).content.decode()
    assert f"/care/volunteer/{county.east_village.pk}" in organization_page
    assert "2026 年：活动 1 次，2 人参加，共 3.5 小时" in organization_page
    member_page = client.get(county.zhang.get_absolute_url()).content.decode()
    assert "2026 年 2.5 小时" in member_page


def test_the_page_shows_errors_and_keeps_the_ticks(client: Any, county: Any) -> None:
    client.force_login(county.east_secretary)
    data = {"on": DAY.isoformat(), "title": "义诊", "hours": "2"}
    empty = client.post("/care/volunteer/new", data).content.decode()
    assert "请至少勾选一名参加人员" in empty
    bad = client.post(
        "/care/volunteer/new",
        data | {"participant": [county.zhang.pk], f"hours_{county.zhang.pk}": "两小时"},
    ).content.decode()
    assert "请填写数字" in bad
    assert " checked" in bad
    assert nothing_saved()


def test_correcting_on_the_detail_page(client: Any, county: Any) -> None:
    activity = record(county, {county.zhang: None, county.li: None})
    li = VolunteerService.objects.get(member=county.li)
    url = f"/care/volunteer/activity/{activity.pk}/participant/{li.pk}"
    client.force_login(county.east_observer)  # reads 东镇, manages nothing
    assert client.get(activity.get_absolute_url()).status_code == 200
    assert client.post(url, {"action": "remove"}).status_code == 403
    client.force_login(county.east_secretary)
    client.post(url, {"action": "update", "hours": "1.5", "reason": "提前离开"})
    assert hours_of(county.li) == Decimal("1.5")
    client.post(url, {"action": "remove"})
    assert hours_of(county.li) == 0


def test_pages_out_of_scope_are_404(client: Any, county: Any) -> None:
    activity = record(county, {county.zhang: None, county.li: None})
    li = VolunteerService.objects.get(member=county.li)
    client.force_login(county.west_admin)
    assert client.get(activity.get_absolute_url()).status_code == 404
    assert client.get(f"/care/volunteer/{county.east_village.pk}").status_code == 404
    assert client.get(f"/care/volunteer/new?org={county.east_village.pk}").status_code == 404
    url = f"/care/volunteer/activity/{activity.pk}/participant/{li.pk}"
    assert client.post(url, {"action": "remove"}).status_code == 404
    assert hours_of(county.li) == Decimal("3")
    assert "东村" not in client.get(f"/care/volunteer/{county.west_village.pk}").content.decode()


# --- API ------------------------------------------------------------------------------------

URL = "/api/v1/care/volunteer-activities/"


def post(client: Any, body: dict[str, Any]) -> Any:
    return client.post(URL, json.dumps(body, default=str), content_type="application/json")


def body(county: Any, **overrides: Any) -> dict[str, Any]:
    return {
        "organization": county.east_village.code,
        "on": DAY.isoformat(),
        "title": "助农抢收",
        "hours": "4",
        "participants": [
            {"member_id": str(county.zhang.public_id)},
            {"member_id": str(county.li.public_id), "hours": 2},
        ],
    } | overrides


def test_api_records_and_lists(client: Any, county: Any) -> None:
    client.force_login(county.east_admin)
    created = post(client, body(county))
    assert created.status_code == 201
    answer = created.json()
    assert (answer["participant_count"], Decimal(answer["hours_total"])) == (2, Decimal("6"))
    assert {p["name"] for p in answer["participants"]} == {"张三", "李四"}
    listed = client.get(URL, {"org": county.east_village.code, "year": 2026}).json()
    assert listed["count"] == 1
    assert listed["items"][0]["title"] == "助农抢收"
    assert client.get(f"{URL}{answer['id']}").json()["organization_code"] == "C0003"
    assert hours_of(county.li) == Decimal("2")


def test_api_out_of_scope(client: Any, county: Any) -> None:
    activity = record(county, {county.zhang: None})
    client.force_login(county.west_admin)
    assert client.get(f"{URL}{activity.pk}").status_code == 404
    assert client.get(URL).json()["count"] == 0
    assert client.get(URL, {"org": county.east_village.code}).status_code == 404
    assert post(client, body(county)).status_code == 404
    client.force_login(county.east_observer)
    assert post(client, body(county)).status_code == 403
    client.force_login(county.east_secretary)
    refused = post(client, body(county, participants=[{"member_id": str(county.sun.public_id)}]))
    assert refused.status_code == 400
    assert refused.json()["code"] == "outside"
    assert "孙八" not in refused.content.decode()
    assert VolunteerActivity.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"hours": "30"}, "hours", "hours"),
        ({"participants": []}, "no_participants", "participants"),
        ({"title": ""}, "required", "title"),
        (
            {"participants": [{"member_id": "00000000-0000-4000-8000-000000000000"}]},
            "unknown_member",
            "participants",
        ),
        ({"on": "not a day"}, "invalid", "on"),
    ],
)
def test_api_bad_input_has_the_error_shape(
    client: Any, county: Any, change: dict[str, Any], code: str, field: str
) -> None:
    client.force_login(county.east_secretary)
    response = post(client, body(county, **change))
    assert response.status_code == 400
    error = response.json()
    assert set(error) == {"code", "message", "fields"}
    assert error["code"] == code
    assert field in error["fields"]
    assert error["message"]
    assert nothing_saved()


def test_adding_a_participant_who_was_forgotten(county: Any) -> None:
    activity = record(county, {county.zhang: None})
    assert list(selectors.volunteer_addable(activity)) == [county.li, county.wang, county.zhao]
    services.volunteer_participant_add(
        actor=county.east_secretary, activity=activity, member=county.li, reason="漏登"
    )
    assert hours_of(county.li) == Decimal("3")  # the activity's hours unless told otherwise
    entry = ArchiveEntry.objects.filter(member=county.li, kind=ArchiveKind.CARE).get()
    assert (entry.summary, entry.reason) == ("志愿服务：防汛值守，3 小时", "漏登")
    assert county.li not in selectors.volunteer_addable(activity)
    with pytest.raises(ValidationError, match="已是这次志愿服务活动的参加人员"):
        services.volunteer_participant_add(
            actor=county.east_secretary, activity=activity, member=county.li
        )
    with pytest.raises(ValidationError, match="不是东村党支部"):
        services.volunteer_participant_add(
            actor=county.county_admin, activity=activity, member=county.sun
        )
    with pytest.raises(ValidationError):
        services.volunteer_participant_add(
            actor=county.east_secretary, activity=activity, member=county.wang, hours=Decimal(0)
        )
    with pytest.raises(PermissionDenied):
        services.volunteer_participant_add(
            actor=county.west_admin, activity=activity, member=county.wang
        )
    assert hours_of(county.wang) == 0
    assert hours_of(county.sun) == 0


def test_adding_on_the_detail_page(client: Any, county: Any) -> None:
    activity = record(county, {county.zhang: None})
    url = f"/care/volunteer/activity/{activity.pk}/add"
    client.force_login(county.east_observer)
    page = client.get(activity.get_absolute_url()).content.decode()
    assert 'data-testid="volunteer-add"' not in page
    assert client.post(url, {"member": county.li.pk}).status_code == 403
    client.force_login(county.east_secretary)
    page = client.get(activity.get_absolute_url()).content.decode()
    assert 'data-testid="volunteer-add"' in page
    assert f'<option value="{county.li.pk}">李四</option>' in page
    assert f'<option value="{county.zhang.pk}">' not in page  # already listed
    response = client.post(url, {"member": county.li.pk, "hours": "2.5", "reason": "漏登"})
    assert response.status_code == 302
    assert hours_of(county.li) == Decimal("2.5")
    assert client.post(url, {"member": county.sun.pk}).status_code == 404  # not readable
    client.post(url, {"member": county.wang.pk, "hours": "abc"})
    assert hours_of(county.wang) == 0
