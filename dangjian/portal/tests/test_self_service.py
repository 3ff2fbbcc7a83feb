"""What a member does for themself from /me/ (issue 23): a mobile member keeps in touch, a member
sees who looked at their numbers, asks the branch for help and signs up for volunteer service."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from dangjian.accounts.choices import Role
from dangjian.alerts.models import Alert, AlertStatus
from dangjian.alerts.services import alerts_recompute
from dangjian.audit.choices import AuditAction
from dangjian.audit.models import AuditEvent
from dangjian.care import services as care_services
from dangjian.care.error_codes import ErrorCode as CareErrorCode
from dangjian.care.models import (
    Assistance,
    AssistanceKind,
    Hardship,
    HardshipKind,
    HelpRequest,
    HelpStatus,
    HelpUrgency,
    VolunteerActivity,
    VolunteerSignup,
)
from dangjian.core.dates import today
from dangjian.members import services as member_services
from dangjian.members.choices import ArchiveKind
from dangjian.members.models import Member
from dangjian.portal import services
from dangjian.site.testing import build_user
from dangjian.transfers import mobile
from dangjian.transfers.choices import OutflowReason
from dangjian.transfers.error_codes import ErrorCode as TransferErrorCode
from dangjian.transfers.models import Outflow, OutflowReport


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _codes(exc: ValidationError) -> set[str]:
    if hasattr(exc, "error_dict"):
        return {e.code or "" for errors in exc.error_dict.values() for e in errors}
    return {e.code or "" for e in exc.error_list}


def _away(county: Any, *, months_ago: int = 8) -> Outflow:
    """张三 (who signs in as `member_user`) registered as working in Shenzhen."""
    return mobile.outflow_create(
        actor=county.east_secretary,
        member=county.zhang,
        region_code="440300",
        left_on=today() - dt.timedelta(days=31 * months_ago),
        reason=OutflowReason.WORK,
        work_unit="深圳某电子厂",
        contact="13812345678",
    )


def _linked_user(member: Member, username: str, organization: Any) -> Any:
    user = build_user(username=username, role=Role.MEMBER, organization=organization)
    Member.objects.filter(pk=member.pk).update(user=user)
    return user


# --- 1. keeping in touch ------------------------------------------------------------------


def test_a_report_updates_the_outflow_keeps_history_and_ends_the_silence_alert(
    county: Any,
) -> None:
    outflow = _away(county)
    alerts_recompute(root=county.county, only=["mobile_silent"])
    alert = Alert.objects.get(rule="mobile_silent", subject=f"member:{county.zhang.pk}")
    assert alert.status == AlertStatus.OPEN

    report = services.mobile_report(
        actor=county.member_user,
        region_code="330200",
        city="北仑区",
        work_unit="宁波港某物流公司",
        contact="13900002222",
        well=True,
        note="换了工作，一切都好",
    )

    outflow.refresh_from_db()
    assert (outflow.region_code, outflow.city, outflow.work_unit) == (
        "330200",
        "北仑区",
        "宁波港某物流公司",
    )
    assert outflow.contact == "13900002222"
    assert outflow.last_contact_on == today()
    assert report.previous == {"region_code": "440300", "city": "", "work_unit": "深圳某电子厂"}
    entry = county.zhang.archive.filter(kind=ArchiveKind.MOBILE).order_by("-at", "-id").first()
    assert entry is not None
    assert "本人报告近况" in entry.summary
    assert "宁波" in entry.summary
    assert "深圳" in entry.reason
    changes = {label: (before, after) for label, before, after in entry.changes()}
    assert changes["联系电话"] == ("138******78", "139******22")  # sealed, shown masked
    event = AuditEvent.objects.filter(target_type="transfers.outflow").latest("at", "id")
    assert event.actor_id == county.member_user.pk
    assert "13900002222" not in str(event.detail)
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED


def test_only_a_mobile_member_reports_for_themself(county: Any) -> None:
    with pytest.raises(PermissionDenied):  # not registered as away
        services.mobile_report(actor=county.member_user, region_code="330200")
    _away(county)
    with pytest.raises(PermissionDenied):  # the secretary cannot report for them
        services.mobile_report(actor=county.east_secretary, region_code="330200")
    with pytest.raises(ValidationError) as refused:
        services.mobile_report(actor=county.member_user, region_code="999999")
    assert _codes(refused.value) == {TransferErrorCode.BAD_REGION}
    assert not OutflowReport.objects.exists()


def test_the_secretary_sees_the_report_in_the_monthly_todos_until_read(
    county: Any, django_capture_on_commit_callbacks: Any
) -> None:
    _away(county)
    services.mobile_report(actor=county.member_user, region_code="330200", well=False)
    secretary = _client(county.east_secretary)
    assert "1 份流动党员近况报告待查看" in secretary.get("/").content.decode()
    # Another township's administrator and the observer have nothing to do with it.
    assert "近况报告" not in _client(county.west_admin).get("/").content.decode()
    assert "近况报告" not in _client(county.east_observer).get("/").content.decode()

    page = secretary.get("/transfers/mobile/reports/").content.decode()
    assert "张三" in page
    assert "需要支部关心" in page
    report = OutflowReport.objects.get()
    assert (
        _client(county.west_admin).post(f"/transfers/mobile/reports/{report.pk}/seen/").status_code
        == 404
    )
    assert (
        "张三"
        not in _client(county.west_admin).get("/transfers/mobile/reports/?all=1").content.decode()
    )
    # The to-do list is kept (decision 0293): marking the report read, once committed, marks it
    # stale.
    with django_capture_on_commit_callbacks(execute=True):
        secretary.post(f"/transfers/mobile/reports/{report.pk}/seen/")
    report.refresh_from_db()
    assert report.seen_by_id == county.east_secretary.pk
    assert "近况报告" not in secretary.get("/").content.decode()


def test_the_report_form_is_offered_only_to_a_mobile_member(county: Any) -> None:
    member = _client(county.member_user)
    home = member.get("/me/").content.decode()
    assert 'data-testid="portal-keep-in-touch"' not in home
    assert member.get("/me/report").status_code == 404
    _away(county)
    assert 'data-testid="portal-keep-in-touch"' in member.get("/me/").content.decode()
    response = member.post(
        "/me/report",
        {
            "region_code": "330200",
            "city": "",
            "work_unit": "",
            "contact": "",
            "well": "1",
            "note": "",
        },
    )
    assert response.status_code == 302
    assert OutflowReport.objects.filter(outflow__member=county.zhang).count() == 1
    # A secretary has no /me/ of their own to report from.
    assert _client(county.east_secretary).get("/me/report").status_code == 404


# --- 2. who looked ------------------------------------------------------------------------


def test_a_member_sees_who_revealed_their_numbers_by_role_and_organization(county: Any) -> None:
    member_services.member_reveal(actor=county.east_secretary, member=county.zhang, field="phone")
    member_services.member_reveal(actor=county.county_admin, member=county.zhang, field="id_number")
    # Someone else's reveal never shows on 张三's page.
    member_services.member_reveal(actor=county.west_admin, member=county.sun, field="id_number")

    page = _client(county.member_user).get("/me/looked").content.decode()
    assert "查看完整联系电话" in page
    assert "查看完整身份证号码" in page
    assert "东村党支部" in page
    assert "示范县委" in page
    assert "西镇党委" not in page
    # By role and organization, never by login name.
    assert "secretary" not in page
    assert ">county<" not in page
    assert page.count('class="list-group-item small"') == 2


def test_a_transfer_package_export_is_listed_and_the_masked_letter_is_not(county: Any) -> None:
    from dangjian.transfers import exchange
    from dangjian.transfers import services as transfer_services
    from dangjian.transfers.choices import TransferKind

    transfer = transfer_services.transfer_create(
        actor=county.east_secretary,
        member=county.zhang,
        kind=TransferKind.OUTBOUND,
        counterpart_issuer="CN-OTHER",
        counterpart_organization="外省某村党支部",
    )
    transfer_services.transfer_submit(actor=county.east_secretary, transfer=transfer)
    transfer_services.transfer_approve(actor=county.east_admin, transfer=transfer)
    transfer = transfer_services.transfer_issue(
        actor=county.east_secretary, transfer=transfer, dues_paid_until="2026-09"
    )
    transfer_services.transfer_letter_print(
        actor=county.east_secretary, transfer=transfer, base_url="http://testserver/"
    )
    member = _client(county.member_user)
    assert "导出组织关系转接包" not in member.get("/me/looked").content.decode()
    exchange.transfer_package_export(actor=county.east_secretary, transfer=transfer)
    page = member.get("/me/looked").content.decode()
    assert page.count("导出组织关系转接包") == 1
    assert "东村党支部" in page


def test_the_list_of_looks_is_paginated_and_only_the_members_own(county: Any) -> None:
    for _ in range(23):
        member_services.member_reveal(
            actor=county.east_secretary, member=county.zhang, field="phone"
        )
    for _ in range(3):
        member_services.member_reveal(actor=county.east_secretary, member=county.li, field="phone")
    member = _client(county.member_user)
    first = member.get("/me/looked").content.decode()
    second = member.get("/me/looked?page=2").content.decode()
    assert first.count("查看完整联系电话") == 20
    assert second.count("查看完整联系电话") == 3
    assert "第 2 / 2 页" in second
    # 李四 sees only their own three.
    li_user = _linked_user(county.li, "lisi", county.east_village)
    assert _client(li_user).get("/me/looked").content.decode().count("查看完整联系电话") == 3
    # Who has no member record has no such page.
    assert _client(county.east_secretary).get("/me/looked").status_code == 404


# --- 3. help ------------------------------------------------------------------------------


def test_a_help_request_lands_in_the_todos_and_is_taken_up_into_care(
    county: Any, django_capture_on_commit_callbacks: Any
) -> None:
    member = _client(county.member_user)
    response = member.post("/me/help", {"what": "母亲住院，需要帮忙联系护工", "urgency": "URGENT"})
    assert response.status_code == 302
    request = HelpRequest.objects.get()
    assert request.organization == county.east_village
    assert request.status == HelpStatus.OPEN
    assert AuditEvent.objects.filter(
        target_type="care.helprequest", action=AuditAction.CREATE
    ).exists()

    secretary = _client(county.east_secretary)
    assert "1 条党员困难求助待受理，其中 1 条紧急" in secretary.get("/").content.decode()
    assert "困难求助待受理" not in _client(county.west_admin).get("/").content.decode()
    assert "困难求助待受理" not in _client(county.east_observer).get("/").content.decode()
    # Out of scope: another township's administrator cannot open it or list it.
    assert _client(county.west_admin).get(f"/care/help/request/{request.pk}").status_code == 404
    assert _client(county.west_admin).get(f"/care/help/{county.east_village.pk}").status_code == 404
    assert "母亲住院" in secretary.get(f"/care/help/{county.east_village.pk}").content.decode()

    with django_capture_on_commit_callbacks(execute=True):  # the kept to-do list is marked
        response = secretary.post(
            f"/care/help/request/{request.pk}",
            {
                "on": today().isoformat(),
                "kind": AssistanceKind.SUPPORT,
                "description": "联系村卫生室护工，支部委员轮流探望",
                "amount": "0",
                "given_by": "东村党支部",
                "hardship_kind": HardshipKind.ILLNESS,
            },
        )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == HelpStatus.TAKEN_UP
    assert request.taken_up_by == county.east_secretary
    assert Assistance.objects.get(member=county.zhang).description.startswith("联系村卫生室")
    assert Hardship.objects.get(member=county.zhang).kind == HardshipKind.ILLNESS
    assert county.zhang.archive.filter(kind=ArchiveKind.CARE).count() == 2
    assert "困难求助待受理" not in secretary.get("/").content.decode()
    assert "已受理" in member.get("/me/").content.decode()
    with pytest.raises(ValidationError) as again:
        care_services.help_request_take_up(
            actor=county.east_secretary,
            help_request=request,
            on=today(),
            kind=AssistanceKind.VISIT,
            description="x",
            given_by="x",
        )
    assert _codes(again.value) == {CareErrorCode.TAKEN_UP}


def test_help_is_asked_by_the_member_and_taken_up_only_by_their_branch(county: Any) -> None:
    with pytest.raises(PermissionDenied):
        care_services.help_request_create(
            actor=county.east_secretary, what="x", urgency=HelpUrgency.NORMAL
        )
    request = care_services.help_request_create(
        actor=county.member_user, what="房屋漏雨", urgency=HelpUrgency.SOON
    )
    for outsider in (county.west_admin, county.east_observer, county.member_user):
        with pytest.raises(PermissionDenied):
            care_services.help_request_take_up(
                actor=outsider,
                help_request=request,
                on=today(),
                kind=AssistanceKind.SUPPORT,
                description="修缮",
                given_by="支部",
            )
    for _ in range(2):
        care_services.help_request_create(
            actor=county.member_user, what="再次求助", urgency=HelpUrgency.NORMAL
        )
    with pytest.raises(ValidationError) as refused:
        care_services.help_request_create(
            actor=county.member_user, what="第四条", urgency=HelpUrgency.NORMAL
        )
    assert _codes(refused.value) == {CareErrorCode.TOO_MANY_OPEN_REQUESTS}


# --- 3. volunteering ----------------------------------------------------------------------


def _published(
    county: Any, *, capacity: int | None, organization: Any = None, actor: Any = None
) -> VolunteerActivity:
    """Published by the township committee above 东村 unless told otherwise."""
    return care_services.volunteer_activity_publish(
        actor=actor or county.east_admin,
        organization=organization or county.east,
        on=today() + dt.timedelta(days=5),
        title="敬老院义务打扫",
        hours=Decimal("3"),
        capacity=capacity,
    )


def test_members_sign_up_until_the_cap_and_cancel_to_free_a_place(county: Any) -> None:
    activity = _published(county, capacity=1)
    li_user = _linked_user(county.li, "lisi", county.east_village)
    zhang, li = _client(county.member_user), _client(li_user)
    assert "敬老院义务打扫" in zhang.get("/me/").content.decode()  # a committee above publishes

    zhang.post(f"/me/volunteer/{activity.pk}", {"action": "signup"})
    assert VolunteerSignup.objects.filter(activity=activity, cancelled_at__isnull=True).count() == 1
    response = li.post(f"/me/volunteer/{activity.pk}", {"action": "signup"}, follow=True)
    assert "名额已满" in response.content.decode()
    with pytest.raises(ValidationError) as full:
        care_services.volunteer_signup(actor=li_user, activity=activity)
    assert _codes(full.value) == {CareErrorCode.FULL}

    zhang.post(f"/me/volunteer/{activity.pk}", {"action": "cancel"})
    care_services.volunteer_signup(actor=li_user, activity=activity)
    active = VolunteerSignup.objects.filter(activity=activity, cancelled_at__isnull=True)
    assert list(active.values_list("member__name", flat=True)) == ["李四"]
    assert VolunteerSignup.objects.filter(activity=activity).count() == 2  # the cancel is kept
    detail = (
        _client(county.east_admin).get(f"/care/volunteer/activity/{activity.pk}").content.decode()
    )
    assert "李四" in detail
    assert "1 / 1 人" in detail


def test_another_branchs_activity_is_not_offered_and_cannot_be_joined(county: Any) -> None:
    activity = _published(county, capacity=None, organization=county.south_village)
    member = _client(county.member_user)
    assert "敬老院义务打扫" not in member.get("/me/").content.decode()
    assert member.post(f"/me/volunteer/{activity.pk}", {"action": "signup"}).status_code == 404
    with pytest.raises(PermissionDenied):
        care_services.volunteer_signup(actor=county.member_user, activity=activity)
    with pytest.raises(PermissionDenied):  # a secretary is no member to sign up
        care_services.volunteer_signup(actor=county.east_secretary, activity=activity)


def test_publishing_checks_scope_date_and_cap(county: Any) -> None:
    with pytest.raises(PermissionDenied):
        _published(
            county, capacity=3, organization=county.west_village, actor=county.east_secretary
        )
    with pytest.raises(ValidationError) as refused:
        care_services.volunteer_activity_publish(
            actor=county.east_secretary,
            organization=county.east_village,
            on=today() - dt.timedelta(days=1),
            title="x",
            hours=Decimal("2"),
            capacity=0,
        )
    assert set(refused.value.error_dict) == {"on", "capacity"}
    # A closed (past) activity takes no sign-ups.
    activity = _published(county, capacity=None, organization=county.east_village)
    VolunteerActivity.objects.filter(pk=activity.pk).update(on=today() - dt.timedelta(days=1))
    with pytest.raises(ValidationError) as closed:
        care_services.volunteer_signup(actor=county.member_user, activity=activity)
    assert _codes(closed.value) == {CareErrorCode.SIGNUP_CLOSED}


def test_after_the_day_the_sign_ups_become_participants_in_one_step(county: Any) -> None:
    activity = _published(
        county, capacity=None, organization=county.east_village, actor=county.east_secretary
    )
    li_user = _linked_user(county.li, "lisi", county.east_village)
    care_services.volunteer_signup(actor=county.member_user, activity=activity)
    care_services.volunteer_signup(actor=li_user, activity=activity)
    care_services.volunteer_signup_cancel(actor=li_user, activity=activity)
    secretary = _client(county.east_secretary)
    url = f"/care/volunteer/activity/{activity.pk}/signups"
    secretary.post(url)  # before the day: refused, nothing recorded
    assert not activity.participations.exists()
    with pytest.raises(ValidationError) as early:
        care_services.volunteer_signups_record(actor=county.east_secretary, activity=activity)
    assert _codes(early.value) == {"future"}

    VolunteerActivity.objects.filter(pk=activity.pk).update(on=today())
    assert _client(county.west_admin).post(url).status_code == 404
    with pytest.raises(PermissionDenied):
        care_services.volunteer_signups_record(actor=county.east_observer, activity=activity)
    secretary.post(url)
    assert list(activity.participations.values_list("member__name", "hours")) == [
        ("张三", Decimal("3.0"))
    ]
    assert county.zhang.archive.filter(kind=ArchiveKind.CARE, summary__contains="敬老院").exists()
    with pytest.raises(ValidationError) as again:
        care_services.volunteer_signups_record(actor=county.east_secretary, activity=activity)
    assert _codes(again.value) == {CareErrorCode.NO_PARTICIPANTS}


def test_the_looks_page_costs_the_same_for_many_actors(
    county: Any, django_assert_max_num_queries: Any
) -> None:
    """Who looked is one query for the events and one for the actors' roles, however many."""
    for n in range(6):
        secretary = build_user(
            username=f"sec{n}", role=Role.SECRETARY, organization=county.east_village
        )
        member_services.member_reveal(actor=secretary, member=county.zhang, field="phone")
    member = _client(county.member_user)
    member.get("/me/looked")  # warm the session and the member
    with django_assert_max_num_queries(9):
        page = member.get("/me/looked").content.decode()
    assert page.count("查看完整联系电话") == 6
