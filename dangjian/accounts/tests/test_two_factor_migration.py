"""Migration 0005 moves enrolled authenticators and unused recovery codes into django-otp's
devices: a code that pyotp derives from the old secret verifies afterwards, and so does a
recovery code that was never used; a used one and the throttle's state stay as they were."""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from typing import Any

import pyotp
import pytest
import time_machine
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from dangjian.accounts import two_factor
from dangjian.accounts.models import RecoveryCodeDevice, TOTPDevice, User
from dangjian.core import crypto

BEFORE = [("accounts", "0003_two_factor_throttle")]
AFTER = [("accounts", "0006_remove_old_two_factor")]


def _migrate(targets: list[tuple[str, str]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


def _old_hash(code: str) -> str:
    """How the hand-written two-factor code stored a recovery code (before django-otp)."""
    return hashlib.sha256("".join(ch for ch in code.upper() if ch.isalnum()).encode()).hexdigest()


@pytest.mark.django_db(transaction=True)
def test_old_secrets_and_recovery_codes_work_after_the_migration() -> None:
    old_apps = _migrate(BEFORE)
    OldUser = old_apps.get_model("accounts", "User")
    OldDevice = old_apps.get_model("accounts", "TwoFactorDevice")
    RecoveryCode = old_apps.get_model("accounts", "RecoveryCode")
    secret = pyotp.random_base32()
    enrolled_at = time.time() - 90
    admin = OldUser.objects.create(username="admin", is_superuser=True)
    OldDevice.objects.create(
        user=admin,
        secret_encrypted=crypto.encrypt_text(secret),
        last_used_step=int(enrolled_at) // 30,
    )
    RecoveryCode.objects.create(user=admin, code_hash=_old_hash("1A2-B3C"))
    RecoveryCode.objects.create(user=admin, code_hash=_old_hash("999-999"), used_at=timezone.now())
    # A second administrator in the middle of a throttle: 3 wrong codes, 4 s to wait from now.
    other = OldUser.objects.create(username="other", is_superuser=True)
    until = timezone.now() + dt.timedelta(seconds=4)
    OldDevice.objects.create(
        user=other,
        secret_encrypted=crypto.encrypt_text(pyotp.random_base32()),
        failure_count=3,
        throttled_until=until,
    )

    _migrate(AFTER)

    admin_now = User.objects.get(username="admin")
    device = TOTPDevice.objects.get(user=admin_now)
    assert device.secret_encrypted != secret
    assert device.last_t == int(enrolled_at) // 30
    # django-otp's own check accepts pyotp's code for the old secret…
    assert device.verify_token(pyotp.TOTP(secret).now())
    # …the old step cannot be replayed…
    assert not device.verify_token(pyotp.TOTP(secret).at(enrolled_at))
    # …and so does the sign-in service, with the unused recovery code, not the used one.
    with time_machine.travel(time.time() + 60, tick=False):
        assert two_factor.two_factor_verify(user=admin_now, code=pyotp.TOTP(secret).now())
    assert two_factor.remaining_recovery_codes(admin_now) == 1
    assert isinstance(
        two_factor.two_factor_verify(user=admin_now, code="1a2b3c"), RecoveryCodeDevice
    )
    assert two_factor.remaining_recovery_codes(admin_now) == 0

    throttled = TOTPDevice.objects.get(user__username="other")
    # Asked a second before the throttle ends: the migration may take more than the 4 s on a busy
    # machine (8.6 s once, with the committing passes side by side), which let the throttle lapse.
    with time_machine.travel(until - dt.timedelta(seconds=1), tick=False):
        allowed, info = throttled.verify_is_allowed()
    assert not allowed
    assert info["failure_count"] == 3
    assert info["locked_until"] == until
    assert not RecoveryCodeDevice.objects.filter(user__username="other").exists()


@pytest.mark.django_db(transaction=True)
def test_the_migration_goes_back_with_the_authenticators() -> None:
    """Rolled back, the old table has the secret again (recovery codes are not restored)."""
    secret = pyotp.random_base32()
    user = User.objects.create(username="admin", is_superuser=True)
    enrolled_at = time.time()
    with time_machine.travel(enrolled_at, tick=False):
        two_factor.two_factor_enrol(user=user, secret=secret, code=pyotp.TOTP(secret).now())
    old_apps = _migrate(BEFORE)
    old = old_apps.get_model("accounts", "TwoFactorDevice").objects.get(user_id=user.pk)
    assert crypto.decrypt_text(old.secret_encrypted) == secret
    assert old.last_used_step == int(enrolled_at) // 30
    _migrate(AFTER)
    assert TOTPDevice.objects.filter(user=user).count() == 1
