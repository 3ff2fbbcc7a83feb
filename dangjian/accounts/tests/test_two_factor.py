"""Two-factor sign-in for administrators: enrolment with a QR code, a code after the password,
recovery codes, no replay, and nothing reachable before the second step."""

from __future__ import annotations

import re
import time
from typing import Any

import pyotp
import pytest
import time_machine
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken

from dangjian.accounts import two_factor
from dangjian.accounts.models import RecoveryCodeDevice, TOTPDevice
from dangjian.audit.choices import AuditAction
from dangjian.audit.models import AuditEvent
from dangjian.core import crypto

pytestmark = pytest.mark.django_db
PASSWORD = "a-Long-password-9"


@pytest.fixture(autouse=True)
def _require(settings: Any) -> None:
    settings.DANGJIAN_REQUIRE_TWO_FACTOR = True


def sign_in(client: Any, user: Any) -> Any:
    user.set_password(PASSWORD)
    user.save()
    return client.post(reverse("accounts:login"), {"username": user.username, "password": PASSWORD})


def enrol(user: Any) -> tuple[str, list[str]]:
    secret = two_factor.new_secret()
    enrolment = two_factor.two_factor_enrol(user=user, secret=secret, code=pyotp.TOTP(secret).now())
    return secret, enrolment.recovery_codes


def test_administrator_without_device_is_sent_to_enrolment(tree: Any, client: Any) -> None:
    """After the password an administrator lands on enrolment, with a QR code and the secret;
    every other page and the API stay closed until the code is entered."""
    sign_in(client, tree.east_admin)
    home = client.get(reverse("site:home"))
    assert home.status_code == 302
    assert home.url.startswith(reverse("accounts:two_factor_setup"))
    page = client.get(home.url)
    body = page.content.decode()
    assert "<svg" in body
    assert "启用两步验证" in body
    secret = client.session[two_factor.SESSION_PENDING_SECRET]
    assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in body
    assert client.get(reverse("members:list")).status_code == 302
    api = client.get("/api/v1/me")
    assert api.status_code == 403
    assert api.json()["code"] == "two_factor_required"

    wrong = client.post(reverse("accounts:two_factor_setup"), {"code": "000000"})
    assert "验证码不正确" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=tree.east_admin).exists()

    done = client.post(
        reverse("accounts:two_factor_setup"),
        {"code": pyotp.TOTP(secret).now(), "next": "/members/"},
    )
    codes = re.findall(r"<li class=\"col\">([0-9A-F]{3}-[0-9A-F]{3})</li>", done.content.decode())
    assert len(codes) == 10
    assert client.get(reverse("members:list")).status_code == 200
    device = TOTPDevice.objects.get(user=tree.east_admin)
    assert secret not in device.secret_encrypted  # encrypted at rest
    assert crypto.decrypt_text(device.secret_encrypted) == secret
    # the session holds the device the way django-otp does (OTPMiddleware reads it back)
    assert client.session["otp_device_id"] == device.persistent_id
    assert AuditEvent.objects.filter(
        actor=tree.east_admin, action=AuditAction.CREATE, summary="启用两步验证"
    ).exists()


def test_enrolled_administrator_needs_the_code_after_the_password(tree: Any, client: Any) -> None:
    secret, _codes = enrol(tree.east_admin)
    response = sign_in(client, tree.east_admin)
    assert client.get(reverse("site:home")).url.startswith(reverse("accounts:two_factor_verify"))
    bad = client.post(reverse("accounts:two_factor_verify"), {"code": "123456"})
    assert "验证码不正确或已用过" in bad.content.decode()
    # the step the enrolment used cannot be replayed; the next step's code works
    with time_machine.travel(time.time() + 30, tick=False):
        code = pyotp.TOTP(secret).now()
        assert two_factor.two_factor_verify(user=tree.east_admin, code=code)
    with time_machine.travel(time.time() + 40, tick=False):
        # the same code, still within the ±1 step window, is not accepted twice
        assert not two_factor.two_factor_verify(user=tree.east_admin, code=code)
    assert response.status_code == 302
    assert AuditEvent.objects.filter(
        actor=tree.east_admin, action=AuditAction.LOGIN_FAILED
    ).exists()


def test_a_good_code_opens_the_session_and_goes_to_next(tree: Any, client: Any) -> None:
    secret = two_factor.new_secret()
    two_factor.two_factor_enrol(
        user=tree.east_admin,
        secret=secret,
        code=pyotp.TOTP(secret).at(time.time() - 30),
        at=time.time() - 30,
    )
    sign_in(client, tree.east_admin)
    response = client.post(
        reverse("accounts:two_factor_verify"),
        {"code": pyotp.TOTP(secret).now(), "next": "/members/"},
    )
    assert response.status_code == 302
    assert response.url == "/members/"
    assert client.get("/api/v1/me").status_code == 200


def test_next_never_leaves_the_site(tree: Any, client: Any) -> None:
    secret = two_factor.new_secret()
    two_factor.two_factor_enrol(
        user=tree.east_admin,
        secret=secret,
        code=pyotp.TOTP(secret).at(time.time() - 30),
        at=time.time() - 30,
    )
    sign_in(client, tree.east_admin)
    response = client.post(
        reverse("accounts:two_factor_verify"),
        {"code": pyotp.TOTP(secret).now(), "next": "https://evil.example/"},
    )
    assert response.url == reverse("site:home")


def test_recovery_codes_work_once(tree: Any, client: Any) -> None:
    _secret, codes = enrol(tree.east_admin)
    device = two_factor.two_factor_verify(user=tree.east_admin, code=codes[0].lower())
    assert isinstance(device, RecoveryCodeDevice)
    assert not two_factor.two_factor_verify(user=tree.east_admin, code=codes[0])
    assert two_factor.remaining_recovery_codes(tree.east_admin) == 9
    stored = set(StaticToken.objects.values_list("token", flat=True))
    assert len(stored) == 9
    assert not any(code.replace("-", "") in token for code in codes for token in stored)


def test_five_wrong_codes_sign_out(tree: Any, client: Any) -> None:
    enrol(tree.east_admin)
    sign_in(client, tree.east_admin)
    for _n in range(two_factor.MAX_FAILURES):
        response = client.post(reverse("accounts:two_factor_verify"), {"code": "000000"})
    assert response.url == reverse("accounts:login")
    assert client.get(reverse("site:home")).url.startswith(reverse("accounts:login"))


def test_setup_cannot_replace_a_device_without_the_old_one(tree: Any, client: Any) -> None:
    """An attacker with only the password cannot enrol their own phone over the real one."""
    enrol(tree.east_admin)
    sign_in(client, tree.east_admin)
    response = client.get(reverse("accounts:two_factor_setup"))
    assert response.url == reverse("accounts:two_factor_verify")


@pytest.mark.parametrize("who", ["east_secretary", "east_observer", "member_user"])
def test_other_roles_sign_in_with_the_password_only(tree: Any, client: Any, who: str) -> None:
    sign_in(client, getattr(tree, who))
    response = client.get(reverse("site:home"), follow=True)
    assert response.status_code == 200
    assert not any("two-factor" in url for url, _status in response.redirect_chain)


def test_reset_command_makes_the_user_enrol_again(tree: Any) -> None:
    from io import StringIO

    from django.core.management import call_command

    enrol(tree.east_admin)
    call_command("reset_two_factor", "east", "--yes", stdout=StringIO())
    assert not TOTPDevice.objects.filter(user=tree.east_admin).exists()
    assert not RecoveryCodeDevice.objects.filter(user=tree.east_admin).exists()
    assert not StaticToken.objects.filter(device__user=tree.east_admin).exists()


def test_rotate_keys_reencrypts_two_factor_secrets(tree: Any, settings: Any) -> None:
    """After a new field key is put first and rotate_keys runs, codes still verify with only the new key."""
    from io import StringIO

    from cryptography.fernet import Fernet
    from django.core.management import call_command

    secret, _codes = enrol(tree.east_admin)
    new_key = Fernet.generate_key().decode()
    settings.DANGJIAN_FIELD_ENCRYPTION_KEYS = [new_key, *settings.DANGJIAN_FIELD_ENCRYPTION_KEYS]
    out = StringIO()
    call_command("rotate_keys", "--yes", stdout=out)
    assert "1 个两步验证密钥" in out.getvalue()
    settings.DANGJIAN_FIELD_ENCRYPTION_KEYS = [new_key]
    with time_machine.travel(time.time() + 60, tick=False):
        assert two_factor.two_factor_verify(user=tree.east_admin, code=pyotp.TOTP(secret).now())


# --- guessing is throttled per user (issue 18) ---------------------------------------------


def _throttle(user: Any) -> list[tuple[int, float | None]]:
    """(failures, last failure as a timestamp) of the authenticator and the recovery codes."""
    devices = (TOTPDevice.objects.get(user=user), RecoveryCodeDevice.objects.get(user=user))
    return [
        (
            device.throttling_failure_count,
            None
            if device.throttling_failure_timestamp is None
            else device.throttling_failure_timestamp.timestamp(),
        )
        for device in devices
    ]


def test_wrong_codes_are_throttled_per_user_across_sessions(tree: Any, client: Any) -> None:
    """Each wrong code doubles the wait before the next code is looked at, for the user, not the
    session: a right code sent too soon is refused unchecked, signing in again resets nothing,
    and once the wait is over the right code opens the session and clears the count."""
    secret, codes = enrol(tree.east_admin)
    start = time.time() + 60
    at = start
    for n in range(1, 5):
        with time_machine.travel(at, tick=False):
            # a wrong recovery code counts as much as a wrong authenticator code
            assert not two_factor.two_factor_verify(
                user=tree.east_admin, code="000000" if n % 2 else "ABC-DEF"
            )
            assert _throttle(tree.east_admin) == [(n, pytest.approx(at))] * 2
            assert two_factor.throttled_seconds(tree.east_admin) == 2 ** (n - 1)
        at += 2 ** (n - 1)
    # After 4 failures the wait is 8 seconds: the right code 1 second early is not even checked…
    with time_machine.travel(at - 1, tick=False):
        assert not two_factor.two_factor_verify(user=tree.east_admin, code=pyotp.TOTP(secret).now())
        assert not two_factor.two_factor_verify(user=tree.east_admin, code=codes[0])
    assert two_factor.remaining_recovery_codes(tree.east_admin) == 10
    assert (
        AuditEvent.objects.filter(
            actor=tree.east_admin, summary="两步验证尝试过于频繁，已拒绝"
        ).count()
        == 2
    )
    # …a new sign-in (a new session) changes nothing…
    sign_in(client, tree.east_admin)
    assert _throttle(tree.east_admin) == [(4, pytest.approx(at - 8))] * 2
    # …and on time the right code is accepted and the count cleared, on both devices.
    with time_machine.travel(at + 30, tick=False):
        assert two_factor.two_factor_verify(user=tree.east_admin, code=pyotp.TOTP(secret).now())
    assert _throttle(tree.east_admin) == [(0, None)] * 2


def test_the_verify_page_says_to_wait(tree: Any, client: Any) -> None:
    """While throttled the page says how long to wait, and a right code is refused."""
    secret, _codes = enrol(tree.east_admin)
    with time_machine.travel(time.time() + 60, tick=False) as traveller:
        sign_in(client, tree.east_admin)
        for wait in (1, 2, 1):
            client.post(reverse("accounts:two_factor_verify"), {"code": "000000"})
            traveller.shift(wait)
        # Three failures: 4 seconds from the last. One second later, three remain.
        page = client.post(
            reverse("accounts:two_factor_verify"), {"code": pyotp.TOTP(secret).now()}
        )
        assert "请等 3 秒后再输入" in page.content.decode()
        assert client.get(reverse("site:home")).url.startswith(
            reverse("accounts:two_factor_verify")
        )
    assert TOTPDevice.objects.get(user=tree.east_admin).throttling_failure_count == 3


def test_a_reset_closes_sessions_verified_with_the_old_device(tree: Any, client: Any) -> None:
    """After `reset_two_factor` a session that passed with the lost phone must enrol again."""
    secret = two_factor.new_secret()
    two_factor.two_factor_enrol(
        user=tree.east_admin,
        secret=secret,
        code=pyotp.TOTP(secret).at(time.time() - 30),
        at=time.time() - 30,
    )
    sign_in(client, tree.east_admin)
    client.post(reverse("accounts:two_factor_verify"), {"code": pyotp.TOTP(secret).now()})
    assert client.get(reverse("members:list")).status_code == 200
    two_factor.two_factor_reset(actor=None, user=tree.east_admin)
    response = client.get(reverse("members:list"))
    assert response.url.startswith(reverse("accounts:two_factor_setup"))


def test_secretaries_need_the_second_factor_when_the_setting_says_so(
    tree: Any, client: Any, settings: Any
) -> None:
    """DANGJIAN_TWO_FACTOR_FOR_SECRETARIES sends a branch secretary to enrolment too; observers
    and members still sign in with the password."""
    settings.DANGJIAN_TWO_FACTOR_FOR_SECRETARIES = True
    sign_in(client, tree.east_secretary)
    assert client.get(reverse("site:home")).url.startswith(reverse("accounts:two_factor_setup"))
    other = client.__class__()
    sign_in(other, tree.east_observer)
    assert other.get(reverse("site:home")).status_code == 200
    assert two_factor.required_for(type(tree.east_secretary).objects.get(username="secretary"))
    settings.DANGJIAN_TWO_FACTOR_FOR_SECRETARIES = False
    assert not two_factor.required_for(type(tree.east_secretary).objects.get(username="secretary"))
