"""Users and the roles they hold at organizations."""

from __future__ import annotations

import base64
import hashlib
import time

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_otp import oath
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.plugins.otp_static.models import StaticDevice

from dangjian.core import crypto
from dangjian.core.models import TimeStampedModel

from .choices import Role


class User(AbstractUser):
    """A person who signs in. Whom they may see comes only from their role assignments."""

    display_name = models.CharField(_("显示名称"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username


class RoleAssignment(TimeStampedModel):
    """A user's role at an organization. For the member role the organization is the member's own."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles")
    organization = models.ForeignKey(
        # A string: accounts sits below organizations on the floor plan.
        "organizations.Organization",
        verbose_name=_("党组织"),
        on_delete=models.CASCADE,
        related_name="roles",
    )
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("角色")
        verbose_name_plural = _("角色")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization", "role"],
                name="role_unique_per_user_org",
                violation_error_message=_("该用户在这个党组织已有此角色。"),
            ),
            models.CheckConstraint(
                condition=Q(role__in=Role.values),
                name="role_known",
                violation_error_message=_("未知的角色。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.organization}"


class TOTPDevice(TimestampMixin, ThrottlingMixin, Device):
    """A user's authenticator app (TOTP, RFC 6238) as a django-otp device.

    django-otp does the rest (the code arithmetic in `django_otp.oath`, the throttle of
    `ThrottlingMixin`, the session binding and `OTPMiddleware`); this model exists only because
    django-otp's own `TOTPDevice` keeps the secret in clear hex in an 80-character column, and
    ours is encrypted at rest with the field keys (`rotate_keys`; decision 0150).
    """

    STEP_SECONDS = 30
    DIGITS = 6
    TOLERANCE = 1  # one step either way for a phone whose clock is off

    # The base32 secret the authenticator app was given, Fernet-encrypted (core.crypto).
    secret_encrypted = models.TextField(_("密钥（加密）"))
    # The last time step accepted: a code is good once, so an overheard code cannot be replayed.
    last_t = models.BigIntegerField(_("最近使用的时间步"), default=-1)

    class Meta(Device.Meta):
        verbose_name = _("验证器")
        verbose_name_plural = _("验证器")
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                name="totp_device_one_per_user",
                violation_error_message=_("该用户已启用验证器。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · TOTP"

    @property
    def bin_key(self) -> bytes:
        secret = crypto.decrypt_text(self.secret_encrypted)
        return base64.b32decode(secret + "=" * (-len(secret) % 8), casefold=True)

    def verify_token(self, token: str) -> bool:
        """django-otp's TOTPDevice.verify_token, reading the decrypted key (no drift sync)."""
        allowed, _info = self.verify_is_allowed()
        if not allowed:
            return False
        totp = oath.TOTP(self.bin_key, step=self.STEP_SECONDS, digits=self.DIGITS)
        totp.time = time.time()
        verified = token.isdigit() and totp.verify(
            int(token), tolerance=self.TOLERANCE, min_t=self.last_t + 1
        )
        if verified:
            self.last_t = totp.t()
            self.throttle_reset(commit=False)
            self.set_last_used_timestamp(commit=False)
            self.save()
        else:
            self.throttle_increment(commit=True)
        return verified

    def get_throttle_factor(self) -> float:
        return float(getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1))


def recovery_code_digest(code: str) -> str:
    """What is stored for a recovery code: its SHA-256, cut to django-otp's 16-character token
    column (64 bits; the codes themselves carry 24)."""
    normalized = "".join(ch for ch in code.upper() if ch.isalnum())
    return hashlib.sha256(normalized.encode()).hexdigest()[:16]


class RecoveryCodeDevice(StaticDevice):
    """The ten one-time recovery codes as django-otp's StaticDevice (its throttle, one row per
    code, a used code deleted), except that each token is stored as `recovery_code_digest`."""

    class Meta:
        proxy = True
        verbose_name = _("恢复码")
        verbose_name_plural = _("恢复码")

    def verify_token(self, token: str) -> bool:
        return bool(super().verify_token(recovery_code_digest(token)))
