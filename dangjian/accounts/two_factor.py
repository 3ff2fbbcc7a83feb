"""Two-factor sign-in (TOTP) for administrators (and, with a setting, secretaries), on django-otp.

After the password, a user who holds the administrator role anywhere (or is a superuser; with
`DANGJIAN_TWO_FACTOR_FOR_SECRETARIES`, also a branch secretary or organizer) must enter a
six-digit code from an authenticator app, or one of ten one-time recovery codes. Until then
`TwoFactorMiddleware` lets the session reach only the enrolment and verification pages (and
sign-out): every other page redirects there and the API answers 403. A user without a device is
sent to enrolment, which shows a QR code (segno) of the otpauth:// URI.

django-otp does the work (decision 0150): `accounts.TOTPDevice` and `RecoveryCodeDevice` are its
devices, a verified session holds the device (`django_otp.login`, read back by `OTPMiddleware`
as `request.user.otp_device`), and guessing is throttled by its `ThrottlingMixin`, per user and
in the database: each wrong code (TOTP or recovery) doubles the time before the next one is
checked (1 s, 2 s, 4 s, … `OTP_TOTP_THROTTLE_FACTOR` seconds times 2^(n-1)); signing in again
does not reset it, only a right code does. A session is also signed out after five wrong codes
in a row. What is ours: who must have a second factor, the pages, and the audit trail.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import django_otp
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
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken

from dangjian.accounts.error_codes import ErrorCode
from dangjian.audit.choices import AuditAction
from dangjian.audit.services import audit_record
from dangjian.core import crypto

from .choices import Role
from .models import RecoveryCodeDevice, TOTPDevice, User, recovery_code_digest
from .scope import scope_for

SESSION_PENDING_SECRET = "dangjian_2fa_pending"  # noqa: S105 (a session key name)
SESSION_FAILURES = "dangjian_2fa_failures"
MAX_FAILURES = 5
RECOVERY_CODE_COUNT = 10
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


def has_device(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def _devices(user: User, *, for_verify: bool = False) -> list[TOTPDevice | RecoveryCodeDevice]:
    """The user's authenticator and recovery codes (locked for a verification)."""
    found: list[TOTPDevice | RecoveryCodeDevice] = []
    for model in (TOTPDevice, RecoveryCodeDevice):
        rows = model.objects.filter(user=user, confirmed=True).order_by("pk")
        if for_verify:
            rows = rows.select_for_update()
        found.extend(rows[:1])
    return found


def throttled_seconds(user: User) -> int:
    """Seconds until this user's next code will be checked (0: now)."""
    now = timezone.now()
    wait = 0.0
    for device in _devices(user):
        allowed, info = device.verify_is_allowed()
        if not allowed and info and info.get("locked_until"):
            wait = max(wait, (info["locked_until"] - now).total_seconds())
    return max(0, int(wait + 0.999))


def is_verified(request: HttpRequest) -> bool:
    """Whether this session passed the second factor (django-otp's OTPMiddleware says so)."""
    return getattr(request.user, "otp_device", None) is not None


def _normalize(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    issuer = str(getattr(settings, "DANGJIAN_TWO_FACTOR_ISSUER", "dangjian"))
    return pyotp.TOTP(secret).provisioning_uri(name=user.get_username(), issuer_name=issuer)


def qr_svg(uri: str) -> SafeString:
    """The URI as an inline SVG QR code (no image request, so the CSP need not allow data:)."""
    svg = segno.make(uri, error="m").svg_inline(scale=5, border=2)
    return mark_safe(svg)  # noqa: S308 (segno's own SVG markup)


def _issue_recovery_codes(user: User) -> list[str]:
    RecoveryCodeDevice.objects.filter(user=user).delete()
    device = RecoveryCodeDevice.objects.create(user=user, name=_("恢复码"))
    codes = [
        "-".join(secrets.token_hex(3).upper()[i : i + 3] for i in (0, 3))
        for _n in range(RECOVERY_CODE_COUNT)
    ]
    StaticToken.objects.bulk_create(
        [StaticToken(device=device, token=recovery_code_digest(code)) for code in codes]
    )
    return codes


@dataclass(frozen=True)
class Enrolment:
    device: TOTPDevice
    recovery_codes: list[str]


@transaction.atomic
def two_factor_enrol(*, user: User, secret: str, code: str, at: float | None = None) -> Enrolment:
    """Confirm a new authenticator with a code it shows; returns the device and the recovery
    codes (shown once). `at` checks the code at another moment (the load benchmark)."""
    code = _normalize(code)
    totp = TOTP(pyotp.TOTP(secret).byte_secret(), step=TOTPDevice.STEP_SECONDS)
    if at is not None:
        totp.time = at
    if not (code.isdigit() and totp.verify(int(code), tolerance=TOTPDevice.TOLERANCE)):
        raise ValidationError(
            {
                "code": _(
                    "验证码不正确。请核对手机时间是否准确，然后输入验证器当前显示的 6 位数字。"
                )
            },
            code=ErrorCode.TWO_FACTOR_WRONG_CODE,
        )
    TOTPDevice.objects.filter(user=user).delete()
    device = TOTPDevice.objects.create(
        user=user,
        name=_("验证器"),
        secret_encrypted=crypto.encrypt_text(secret),
        last_t=totp.t(),  # the code just shown is used up
    )
    codes = _issue_recovery_codes(user)
    audit_record(actor=user, action=AuditAction.CREATE, target=user, summary=_("启用两步验证"))
    return Enrolment(device=device, recovery_codes=codes)


@transaction.atomic
def two_factor_verify(*, user: User, code: str) -> Device | None:
    """Check a TOTP code (each accepted at most once) or an unused recovery code; returns the
    device that accepted it, for `django_otp.login`.

    The two devices share one throttle: while either waits, nothing is checked (audited), and a
    wrong code counts against both, so guessing recovery codes buys no extra tries.
    """
    code = _normalize(code)
    devices = _devices(user, for_verify=True)
    if not any(isinstance(device, TOTPDevice) for device in devices):
        return None
    waiting = [info for device in devices for ok, info in [device.verify_is_allowed()] if not ok]
    if waiting:
        # Too soon after a wrong code: refused without looking at it, so guessing gains nothing.
        audit_record(
            actor=user,
            action=AuditAction.LOGIN_FAILED,
            target=user,
            summary=_("两步验证尝试过于频繁，已拒绝"),
            detail={"failures": max(info["failure_count"] for info in waiting)},
        )
        return None
    accepted: TOTPDevice | RecoveryCodeDevice | None = None
    tried: list[TOTPDevice | RecoveryCodeDevice] = []
    for device in devices:
        # A recovery code is six hex digits, which are sometimes all decimal: try it too.
        if isinstance(device, TOTPDevice) and not (len(code) == 6 and code.isdigit()):
            continue
        tried.append(device)
        if device.verify_token(code):
            accepted = device
            break
    for device in devices:
        if accepted is not None and device is not accepted:
            device.throttle_reset()
        elif accepted is None and device not in tried:
            device.throttle_increment()
    audit_record(
        actor=user,
        action=AuditAction.LOGIN if accepted else AuditAction.LOGIN_FAILED,
        target=user,
        summary=_("两步验证通过") if accepted else _("两步验证失败"),
    )
    return accepted


def session_verified(request: HttpRequest, device: Device) -> None:
    """Mark this session as past the second factor (a new session key, then django-otp's login)."""
    request.session.cycle_key()
    django_otp.login(request, device)


@transaction.atomic
def two_factor_reset(*, actor: User | None, user: User) -> None:
    """Remove a user's authenticator and recovery codes (phone lost): they enrol again.

    `actor` None is the `reset_two_factor` command, run by an operator on the server. A session
    verified with the removed device is no longer verified (OTPMiddleware finds no device).
    """
    TOTPDevice.objects.filter(user=user).delete()
    RecoveryCodeDevice.objects.filter(user=user).delete()
    audit_record(actor=actor, action=AuditAction.DELETE, target=user, summary=_("重置两步验证"))


def two_factor_rotate_keys() -> int:
    """Re-encrypt every TOTP secret under the first field key (called by `rotate_keys`)."""
    count = 0
    with transaction.atomic():
        for device in TOTPDevice.objects.select_for_update().order_by("pk"):
            device.secret_encrypted = crypto.reencrypt_text(device.secret_encrypted)
            device.save(update_fields=["secret_encrypted"])
            count += 1
    return count


def remaining_recovery_codes(user: User) -> int:
    return StaticToken.objects.filter(device__user=user).count()


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
        target = "accounts:two_factor_verify" if has_device(user) else "accounts:two_factor_setup"
        query = urlencode({"next": request.get_full_path()}) if request.method == "GET" else ""
        return redirect(reverse(target) + (f"?{query}" if query else ""))
