"""Two-factor sign-in (TOTP) for administrators (and, with a setting, secretaries).

After the password, a user who holds the administrator role anywhere (or is a superuser; with
`DANGJIAN_TWO_FACTOR_FOR_SECRETARIES`, also a branch secretary or organizer) must enter a six-digit code from an authenticator app, or one of ten one-time recovery codes. Until
then `TwoFactorMiddleware` lets the session reach only the enrolment and verification pages
(and sign-out): every other page redirects there and the API answers 403. A user without a
device is sent to enrolment, which shows a QR code (segno) of the otpauth:// URI.

Guessing is throttled per user, not per session: each wrong code (TOTP or recovery) doubles the
time before the next one is checked (1 s, 2 s, 4 s, … `DANGJIAN_TWO_FACTOR_THROTTLE_FACTOR`
seconds times 2^(n-1)), and signing in again does not reset it; only a right code does. A session
is also signed out after five wrong codes in a row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pyotp
import segno
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from dangjian.accounts.error_codes import ErrorCode
from dangjian.audit.choices import AuditAction
from dangjian.audit.services import audit_record
from dangjian.core import crypto

from .choices import Role
from .models import RecoveryCode, TwoFactorDevice, User
from .scope import scope_for

SESSION_VERIFIED = "dangjian_2fa_user"
SESSION_PENDING_SECRET = "dangjian_2fa_pending"  # noqa: S105 (a session key name)
SESSION_FAILURES = "dangjian_2fa_failures"
MAX_FAILURES = 5
RECOVERY_CODE_COUNT = 10
STEP_SECONDS = 30
# Paths an unverified session may still reach (besides the two-factor pages themselves).
OPEN_PREFIXES = ("/static/", "/i18n/", "/ops/health/", "/ops/metrics", "/healthz")


def required_for(user: Any) -> bool:
    """Whether this user must pass a second factor: superusers and administrators, and
    secretaries too when `DANGJIAN_TWO_FACTOR_FOR_SECRETARIES` is on."""
    if not getattr(settings, "DANGJIAN_REQUIRE_TWO_FACTOR", True):
        return False
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    roles = {Role.ADMINISTRATOR}
    if getattr(settings, "DANGJIAN_TWO_FACTOR_FOR_SECRETARIES", False):
        roles.add(Role.SECRETARY)
    return any(role in roles for role, _org in scope_for(user).roles)


def throttle_delay(failures: int) -> dt.timedelta:
    """How long after the `failures`-th wrong code in a row the next code is refused unchecked."""
    factor = float(getattr(settings, "DANGJIAN_TWO_FACTOR_THROTTLE_FACTOR", 1))
    if failures <= 0 or factor <= 0:
        return dt.timedelta(0)
    # Capped at a day: 2^17 s already is 36 hours, and a larger exponent overflows timedelta.
    return dt.timedelta(seconds=min(factor * 2 ** min(failures - 1, 30), 86400))


def throttled_seconds(user: User) -> int:
    """Seconds until this user's next code will be checked (0: now)."""
    until = (
        TwoFactorDevice.objects.filter(user=user).values_list("throttled_until", flat=True).first()
    )
    if until is None:
        return 0
    return max(0, int((until - timezone.now()).total_seconds() + 0.999))


def is_verified(request: HttpRequest) -> bool:
    return bool(request.session.get(SESSION_VERIFIED) == request.user.pk)


def _normalize(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def _hash_recovery(code: str) -> str:
    return hashlib.sha256(_normalize(code).encode()).hexdigest()


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    issuer = str(getattr(settings, "DANGJIAN_TWO_FACTOR_ISSUER", "dangjian"))
    return pyotp.TOTP(secret).provisioning_uri(name=user.get_username(), issuer_name=issuer)


def qr_svg(uri: str) -> SafeString:
    """The URI as an inline SVG QR code (no image request, so the CSP need not allow data:)."""
    svg = segno.make(uri, error="m").svg_inline(scale=5, border=2)
    return mark_safe(svg)  # noqa: S308 (segno's own SVG markup)


def _matching_step(secret: str, code: str, at: float) -> int | None:
    """The time step (±1 for clock drift) whose code equals `code`, or None."""
    totp = pyotp.TOTP(secret)
    now_step = int(at) // STEP_SECONDS
    for step in (now_step, now_step - 1, now_step + 1):
        if secrets.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def _issue_recovery_codes(user: User) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = [
        "-".join(secrets.token_hex(3).upper()[i : i + 3] for i in (0, 3))
        for _n in range(RECOVERY_CODE_COUNT)
    ]
    RecoveryCode.objects.bulk_create(
        [RecoveryCode(user=user, code_hash=_hash_recovery(code)) for code in codes]
    )
    return codes


@transaction.atomic
def two_factor_enrol(*, user: User, secret: str, code: str, at: float | None = None) -> list[str]:
    """Confirm a new authenticator with a code it shows; returns the recovery codes (once)."""
    code = _normalize(code)
    step = _matching_step(secret, code, time.time() if at is None else at)
    if step is None:
        raise ValidationError(
            {
                "code": _(
                    "验证码不正确。请核对手机时间是否准确，然后输入验证器当前显示的 6 位数字。"
                )
            },
            code=ErrorCode.TWO_FACTOR_WRONG_CODE,
        )
    TwoFactorDevice.objects.update_or_create(
        user=user,
        defaults={"secret_encrypted": crypto.encrypt_text(secret), "last_used_step": step},
    )
    codes = _issue_recovery_codes(user)
    audit_record(actor=user, action=AuditAction.CREATE, target=user, summary=_("启用两步验证"))
    return codes


@transaction.atomic
def two_factor_verify(*, user: User, code: str, at: float | None = None) -> bool:
    """Check a TOTP code (each accepted at most once) or an unused recovery code."""
    code = _normalize(code)
    device = TwoFactorDevice.objects.select_for_update().filter(user=user).first()
    if device is None:
        return False
    moment = time.time() if at is None else at
    now = dt.datetime.fromtimestamp(moment, tz=dt.UTC)
    if device.throttled_until is not None and device.throttled_until > now:
        # Too soon after a wrong code: refused without looking at it, so guessing gains nothing.
        audit_record(
            actor=user,
            action=AuditAction.LOGIN_FAILED,
            target=user,
            summary=_("两步验证尝试过于频繁，已拒绝"),
            detail={"failures": device.failure_count},
        )
        return False
    ok = False
    if len(code) == 6 and code.isdigit():
        secret = crypto.decrypt_text(device.secret_encrypted)
        step = _matching_step(secret, code, moment)
        if step is not None and step > device.last_used_step:
            device.last_used_step = step
            ok = True
    # A recovery code is six hex digits, which are sometimes all decimal digits: try it too.
    if not ok:
        recovery = (
            RecoveryCode.objects.select_for_update()
            .filter(user=user, code_hash=_hash_recovery(code), used_at__isnull=True)
            .first()
        )
        if recovery is not None:
            recovery.used_at = timezone.now()
            recovery.save(update_fields=["used_at"])
            ok = True
    if ok:
        device.failure_count = 0
        device.throttled_until = None
    else:
        device.failure_count += 1
        device.throttled_until = now + throttle_delay(device.failure_count)
    device.save(update_fields=["last_used_step", "failure_count", "throttled_until", "updated_at"])
    audit_record(
        actor=user,
        action=AuditAction.LOGIN if ok else AuditAction.LOGIN_FAILED,
        target=user,
        summary=_("两步验证通过") if ok else _("两步验证失败"),
    )
    return ok


@transaction.atomic
def two_factor_reset(*, actor: User | None, user: User) -> None:
    """Remove a user's authenticator and recovery codes (phone lost): they enrol again.

    `actor` None is the `reset_two_factor` command, run by an operator on the server.
    """
    TwoFactorDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
    audit_record(actor=actor, action=AuditAction.DELETE, target=user, summary=_("重置两步验证"))


def two_factor_rotate_keys() -> int:
    """Re-encrypt every TOTP secret under the first field key (called by `rotate_keys`)."""
    count = 0
    with transaction.atomic():
        for device in TwoFactorDevice.objects.select_for_update().order_by("pk"):
            device.secret_encrypted = crypto.reencrypt_text(device.secret_encrypted)
            device.save(update_fields=["secret_encrypted"])
            count += 1
    return count


def remaining_recovery_codes(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


class TwoFactorMiddleware:
    """Keeps an administrator's session on the two-factor pages until a code is accepted."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is None
            or not user.is_authenticated
            or is_verified(request)
            or request.path.startswith(OPEN_PREFIXES)
            or not required_for(user)
        ):
            return self.get_response(request)
        allowed = {
            reverse("accounts:two_factor_setup"),
            reverse("accounts:two_factor_verify"),
            reverse("accounts:logout"),
        }
        if request.path in allowed:
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse(
                {
                    "code": ErrorCode.TWO_FACTOR_REQUIRED,
                    "message": _("请先在网页上完成两步验证。"),
                    "fields": {},
                },
                status=403,
            )
        target = (
            "accounts:two_factor_verify"
            if TwoFactorDevice.objects.filter(user=user).exists()
            else "accounts:two_factor_setup"
        )
        query = urlencode({"next": request.get_full_path()}) if request.method == "GET" else ""
        return redirect(reverse(target) + (f"?{query}" if query else ""))
