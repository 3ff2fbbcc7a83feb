"""Member accounts (issue 23): invitations, one-time codes, activation, throttling, reset, and
the account following the member (moved, left, died)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from dangjian.accounts.choices import Role
from dangjian.accounts.models import RoleAssignment
from dangjian.audit.choices import AuditAction
from dangjian.audit.context import client_address
from dangjian.audit.models import AuditEvent
from dangjian.core import crypto
from dangjian.core.dates import today
from dangjian.members import services as member_services
from dangjian.members.choices import HowRemoved
from dangjian.members.models import Member
from dangjian.portal import activation
from dangjian.portal import tasks as portal_tasks
from dangjian.portal.models import ActivationAttempt, ActivationCode, InvitationStatus

PASSWORD = "Hong-qi-2026"
BASE = "https://dangjian.example.gov.cn/"


def invite(county: Any, actor: Any = None, organization: Any = None) -> dict[str, str]:
    """Invite the east village; the plain codes by member name, as the letters carry them."""
    batch = activation.invitation_start(
        actor=actor or county.east_secretary,
        organization=organization or county.east_village,
        base_url=BASE,
    )
    return {record.member.name: code for record, code in activation.letters(batch)}


def last4(member: Member) -> str:
    return Member.objects.get(pk=member.pk).id_number[-4:]


def activate(member: Member, code: str, digits: str | None = None) -> Any:
    return activation.account_activate(
        code=code, id_last4=digits if digits is not None else last4(member), password=PASSWORD
    )


def can_sign_in(username: str, password: str) -> bool:
    """Through the real sign-in form (django-axes wants a request)."""
    response = Client().post(
        reverse("accounts:login"), {"username": username, "password": password}
    )
    return response.status_code == 302


@pytest.fixture
def client_ip() -> Any:
    token = client_address.set("203.0.113.5")
    yield "203.0.113.5"
    client_address.reset(token)


# --- invitation ------------------------------------------------------------------------------


def test_a_secretary_invites_the_branch_in_one_step(county: Any) -> None:
    """Every member on the branch roster without an account gets one open code, stored only as
    a hash (and a Fernet copy for reprinting); the member who already has an account gets none;
    the invitation is audited without any code."""
    codes = invite(county)
    assert set(codes) == {"李四", "王五", "赵六"}  # 张三 already signs in
    for name, code in codes.items():
        record = ActivationCode.objects.get(member__name=name)
        assert record.code_hash == crypto.lookup_hash(code)
        assert code not in record.code_encrypted
        assert record.expires_at.date() == (timezone.now() + dt.timedelta(days=30)).date()
    event = AuditEvent.objects.get(action=AuditAction.ISSUE, target_type="portal.invitationbatch")
    assert "3 名党员" in event.summary
    assert not any(code in str(event.detail) + event.summary for code in codes.values())


def test_a_second_invitation_voids_the_first_letter(county: Any) -> None:
    first = invite(county)
    second = invite(county)
    assert first["李四"] != second["李四"]
    assert ActivationCode.objects.filter(member=county.li, revoked_at__isnull=True).count() == 1
    with pytest.raises(ValidationError) as error:
        activate(county.li, first["李四"])
    assert error.value.code == "activation_code_revoked"
    assert activate(county.li, second["李四"]).is_active


def test_out_of_scope_cannot_invite(county: Any) -> None:
    with pytest.raises(PermissionDenied):
        invite(county, actor=county.west_admin)
    with pytest.raises(PermissionDenied):
        invite(county, actor=county.east_observer)
    assert not ActivationCode.objects.exists()


def test_a_large_invitation_runs_in_the_background_with_progress(
    county: Any, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """Above the limit the request only records the batch and, on commit, enqueues a task; the
    page shows 0 of N and polls; a worker runs the task and fills in the codes."""
    monkeypatch.setattr(activation, "BACKGROUND_MEMBERS", 2)
    monkeypatch.setattr(activation, "CHUNK", 2)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        batch = activation.invitation_start(
            actor=county.east_admin, organization=county.east, base_url=BASE
        )
    assert (batch.background, batch.status, batch.done, batch.total) == (
        True,
        InvitationStatus.RUNNING,
        0,
        4,  # 李四 王五 赵六 钱七: the whole township
    )
    assert len(callbacks) == 1
    client = Client()
    client.force_login(county.east_admin)
    page = client.get(batch.get_absolute_url(), HTTP_HX_REQUEST="true").content.decode()
    assert "0 / 4" in page
    assert 'hx-trigger="every 1s"' in page
    callbacks[0]()  # the commit enqueues the task on the database queue
    queued = DBTaskResult.objects.get()
    assert queued.task_path == "dangjian.portal.tasks.invitation_batch"
    assert queued.args_kwargs["args"] == [batch.pk]
    # What the worker then runs (the worker itself is tested in core and roster, in the pass
    # of committing tests: run here it would close this test's connection on PostgreSQL).
    portal_tasks.invitation_batch.call(*queued.args_kwargs["args"])
    batch.refresh_from_db()
    assert (batch.status, batch.done) == (InvitationStatus.DONE, 4)
    page = client.get(batch.get_absolute_url(), HTTP_HX_REQUEST="true").content.decode()
    assert "已生成 4 份激活函" in page
    assert "钱七" in page


def test_a_batch_whose_worker_died_ends_failed_not_running_forever(
    county: Any, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """Left running (no worker took it, or it died) past the limit, the batch is failed with a
    message that says what to do; one that is younger is left alone."""
    monkeypatch.setattr(activation, "BACKGROUND_MEMBERS", 2)
    with django_capture_on_commit_callbacks(execute=False):
        batch = activation.invitation_start(
            actor=county.east_admin, organization=county.east, base_url=BASE
        )
    start = batch.created_at
    with time_machine.travel(start + activation.ABANDONED_AFTER - dt.timedelta(seconds=5)):
        assert activation.invitations_fail_abandoned() == 0
    with time_machine.travel(start + activation.ABANDONED_AFTER + dt.timedelta(seconds=5)):
        assert activation.invitations_fail_abandoned() == 1
    batch.refresh_from_db()
    assert batch.status == InvitationStatus.FAILED
    assert "请再次发放" in batch.message


# --- activation ------------------------------------------------------------------------------


def test_activation_makes_an_active_member_account(county: Any, client_ip: str) -> None:
    codes = invite(county)
    user = activate(county.li, codes["李四"].lower().replace("", " ").strip())
    li = Member.objects.get(pk=county.li.pk)
    assert li.user == user
    assert user.is_active
    assert user.check_password(PASSWORD)
    assert RoleAssignment.objects.get(user=user).role == Role.MEMBER
    record = ActivationCode.objects.get(member=li)
    assert record.used_at is not None
    assert record.code_encrypted == ""
    event = AuditEvent.objects.get(action=AuditAction.LOGIN, target_type="portal.activationcode")
    assert event.ip_address == client_ip
    assert can_sign_in(user.username, PASSWORD)


def test_a_code_is_good_once(county: Any) -> None:
    codes = invite(county)
    activate(county.li, codes["李四"])
    with pytest.raises(ValidationError) as error:
        activate(county.li, codes["李四"])
    assert error.value.code == "activation_code_used"
    assert "已经用过" in error.value.messages[0]


@pytest.mark.parametrize("days", [30, 7])
def test_a_code_expires_after_the_configured_days(county: Any, settings: Any, days: int) -> None:
    """One second before the end of the last day the code works; at the end it does not."""
    settings.DANGJIAN_ACTIVATION_CODE_DAYS = days
    start = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        codes = invite(county)
    end = start + dt.timedelta(days=days)
    with time_machine.travel(end - dt.timedelta(seconds=1), tick=False):
        assert activate(county.li, codes["李四"]).is_active
    with time_machine.travel(end, tick=False), pytest.raises(ValidationError) as error:
        activate(county.wang, codes["王五"])
    assert error.value.code == "activation_code_expired"
    assert "过期" in error.value.messages[0]
    assert Member.objects.get(pk=county.wang.pk).user is None


def test_wrong_id_digits_are_refused_and_counted(county: Any, client_ip: str) -> None:
    codes = invite(county)
    wrong = "0000" if last4(county.li) != "0000" else "1111"
    with pytest.raises(ValidationError) as error:
        activate(county.li, codes["李四"], digits=wrong)
    assert error.value.code == "activation_wrong_id"
    assert "还可以再试 4 次" in error.value.messages[0]
    assert ActivationCode.objects.get(member=county.li).failed_attempts == 1
    assert Member.objects.get(pk=county.li.pk).user is None
    event = AuditEvent.objects.get(action=AuditAction.LOGIN_FAILED)
    assert event.detail == {"reason": "wrong_id"}
    assert event.ip_address == client_ip
    assert wrong not in event.summary
    assert codes["李四"] not in event.summary


def test_a_code_is_void_after_five_wrong_id_digits(county: Any) -> None:
    codes = invite(county)
    wrong = "0000" if last4(county.li) != "0000" else "1111"
    for _n in range(4):
        with pytest.raises(ValidationError):
            activate(county.li, codes["李四"], digits=wrong)
    with pytest.raises(ValidationError) as error:
        activate(county.li, codes["李四"], digits=wrong)
    assert "已作废" in error.value.messages[0]
    with pytest.raises(ValidationError) as error:
        activate(county.li, codes["李四"])  # the right digits now come too late
    assert error.value.code == "activation_code_revoked"


def test_a_client_with_too_many_failures_waits(county: Any, client_ip: str, settings: Any) -> None:
    """Ten failures from one address within 15 minutes: the eleventh try is refused even with a
    right code; another address is not affected; after the window the address may try again."""
    codes = invite(county)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for n in range(10):
            with pytest.raises(ValidationError):
                activate(county.li, f"WRONGCODE{n}")
        with pytest.raises(ValidationError) as error:
            activate(county.li, codes["李四"])
        assert error.value.code == "activation_throttled"
        assert "15 分钟后再试" in error.value.messages[0]
        assert ActivationCode.objects.get(member=county.li).used_at is None
        token = client_address.set("198.51.100.20")
        try:
            assert activate(county.wang, codes["王五"]).is_active
        finally:
            client_address.reset(token)
    with time_machine.travel(start + dt.timedelta(minutes=15, seconds=1), tick=False):
        assert activate(county.li, codes["李四"]).is_active
    assert ActivationAttempt.objects.filter(succeeded=False, ip_address=client_ip).count() == 11


def test_a_weak_password_keeps_the_code(county: Any) -> None:
    codes = invite(county)
    with pytest.raises(ValidationError) as error:
        activation.account_activate(code=codes["李四"], id_last4=last4(county.li), password="123")
    assert "password" in error.value.message_dict
    assert ActivationCode.objects.get(member=county.li).used_at is None
    assert Member.objects.get(pk=county.li.pk).user is None


# --- the account follows the member ----------------------------------------------------------


@pytest.mark.parametrize(
    ("how", "active"),
    [
        (HowRemoved.DIED, False),
        (HowRemoved.EXPELLED, False),
        (HowRemoved.WITHDREW, False),
        (HowRemoved.SUSPENDED, True),
    ],
)
def test_leaving_the_party_or_death_disables_the_account(
    county: Any, client: Client, how: HowRemoved, active: bool
) -> None:
    codes = invite(county)
    user = activate(county.li, codes["李四"])
    member_services.member_remove(
        actor=county.east_secretary, member=county.li, how_removed=how, on=today(), reason="依据"
    )
    user.refresh_from_db()
    assert user.is_active is active
    assert can_sign_in(user.username, PASSWORD) is active
    if not active:
        assert AuditEvent.objects.filter(target_id=str(user.pk), summary__contains="停用").exists()


def test_leaving_voids_an_open_code(county: Any) -> None:
    codes = invite(county)
    member_services.member_remove(
        actor=county.east_secretary,
        member=county.wang,
        how_removed=HowRemoved.DIED,
        on=today(),
        reason="病故",
    )
    with pytest.raises(ValidationError) as error:
        activate(county.wang, codes["王五"])
    assert error.value.code == "activation_code_revoked"


def test_a_moved_member_keeps_the_account_and_the_new_branch_manages_it(county: Any) -> None:
    """After a move the member still signs in and sees themself; the new branch's managers may
    reset the account and the old branch's secretary no longer may."""
    codes = invite(county)
    user = activate(county.li, codes["李四"])
    member_services.membership_move(
        actor=county.east_admin,
        member=county.li,
        organization=county.south_village,
        on=today(),
        reason="工作调动",
    )
    fresh = get_user_model().objects.get(pk=user.pk)
    assert fresh.is_active
    assert Member.objects.restrict(fresh).get() == county.li
    assert RoleAssignment.objects.get(user=user).organization == county.south_village
    with pytest.raises(PermissionDenied):
        activation.account_reset(actor=county.east_secretary, member=county.li, base_url=BASE)
    activation.account_reset(actor=county.east_admin, member=county.li, base_url=BASE)


# --- reset -----------------------------------------------------------------------------------


def test_reset_by_the_secretary_issues_a_new_code_and_stops_the_old_password(
    county: Any, client: Client
) -> None:
    codes = invite(county)
    user = activate(county.li, codes["李四"])
    batch = activation.account_reset(actor=county.east_secretary, member=county.li, base_url=BASE)
    user.refresh_from_db()
    assert not user.has_usable_password()
    assert not can_sign_in(user.username, PASSWORD)
    [(record, code)] = list(activation.letters(batch))
    assert record.purpose == "RESET"
    assert record.username == user.username
    assert AuditEvent.objects.filter(
        actor=county.east_secretary, action=AuditAction.UPDATE, summary__contains="重置"
    ).exists()
    again = activation.account_activate(
        code=code, id_last4=last4(county.li), password="Another-pass-77"
    )
    assert again.pk == user.pk
    assert can_sign_in(user.username, "Another-pass-77")


@pytest.mark.parametrize("who", ["west_admin", "east_observer", "member_user"])
def test_reset_is_refused_out_of_scope(county: Any, who: str) -> None:
    codes = invite(county)
    user = activate(county.li, codes["李四"])
    with pytest.raises(PermissionDenied):
        activation.account_reset(actor=getattr(county, who), member=county.li, base_url=BASE)
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert not ActivationCode.objects.filter(member=county.li, used_at__isnull=True).exists()


def test_reset_page_is_404_out_of_scope(county: Any, client: Client) -> None:
    client.force_login(county.west_admin)
    response = client.post(reverse("accounts-invite:reset", args=[county.li.pk]))
    assert response.status_code == 404
    assert "李四" not in response.content.decode()
    client.force_login(county.east_secretary)
    response = client.post(reverse("accounts-invite:reset", args=[county.li.pk]))
    assert response.status_code == 302
    assert "李四" in client.get(response["Location"]).content.decode()


# --- pages -----------------------------------------------------------------------------------


def test_invite_page_letters_and_pdf(county: Any, client: Client) -> None:
    client.force_login(county.east_secretary)
    page = client.get(reverse("accounts-invite:organization", args=[county.east_village.pk]))
    body = page.content.decode()
    assert "张三" in body
    assert "已开通" in body
    response = client.post(reverse("accounts-invite:organization", args=[county.east_village.pk]))
    batch_page = client.get(response["Location"]).content.decode()
    record = ActivationCode.objects.get(member=county.li)
    code = crypto.decrypt_text(record.code_encrypted)
    assert activation.format_code(code) in batch_page
    assert f"/activate/?code={code}" in batch_page
    pdf = client.get(response["Location"] + "letters.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT, summary__contains="激活函").exists()


def test_inviting_nobody_says_so(county: Any, client: Client) -> None:
    """When every member of the branch has an account, the invitation says so and makes none."""
    codes = invite(county)
    for member in (county.li, county.wang, county.zhao):
        activate(member, codes[member.name])
    client.force_login(county.east_secretary)
    url = reverse("accounts-invite:organization", args=[county.east_village.pk])
    response = client.post(url, follow=True)
    assert ActivationCode.objects.count() == 3
    assert "没有需要邀请的党员" in response.content.decode()


def test_the_activation_page_signs_the_member_in_to_me(county: Any) -> None:
    codes = invite(county)
    client = Client()
    page = client.get(reverse("activate") + f"?code={codes['李四']}")
    assert page.status_code == 200
    assert codes["李四"] in page.content.decode()
    wrong = client.post(
        reverse("activate"),
        {"code": codes["李四"], "id_last4": "abcd", "password": PASSWORD, "password2": PASSWORD},
    )
    assert "身份证号后 4 位不正确" in wrong.content.decode()
    done = client.post(
        reverse("activate"),
        {
            "code": codes["李四"],
            "id_last4": last4(county.li),
            "password": PASSWORD,
            "password2": PASSWORD,
        },
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.44",
    )
    assert done.status_code == 302
    assert done["Location"] == reverse("portal:home")
    me = client.get(done["Location"]).content.decode()
    assert "李四" in me
    assert "东村党支部" in me
    event = AuditEvent.objects.get(action=AuditAction.LOGIN, target_type="portal.activationcode")
    assert event.ip_address == "203.0.113.44"
