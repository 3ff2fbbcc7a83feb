"""Users and the roles they hold at organizations."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

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


class TwoFactorDevice(TimeStampedModel):
    """A user's authenticator app (TOTP, RFC 6238). The shared secret is encrypted at rest."""

    user = models.OneToOneField(
        User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="two_factor_device"
    )
    secret_encrypted = models.TextField(_("密钥（加密）"))
    # The last 30-second step accepted: a code is good once, so an overheard code cannot be replayed.
    last_used_step = models.BigIntegerField(_("最近使用的时间步"), default=0)
    # Wrong codes in a row, for this user, whatever the session or sign-in: each one doubles the
    # wait before the next code is even looked at (django-otp's throttle, decision 0122).
    failure_count = models.PositiveIntegerField(_("连续错误次数"), default=0)
    throttled_until = models.DateTimeField(_("暂停验证至"), null=True, blank=True)

    class Meta:
        verbose_name = _("两步验证设备")
        verbose_name_plural = _("两步验证设备")

    def __str__(self) -> str:
        return f"{self.user} · TOTP"


class RecoveryCode(models.Model):
    """A one-time code for signing in when the phone is lost. Only its SHA-256 is stored."""

    user = models.ForeignKey(
        User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="recovery_codes"
    )
    code_hash = models.CharField(_("恢复码摘要"), max_length=64)
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("恢复码")
        verbose_name_plural = _("恢复码")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "code_hash"],
                name="recovery_code_unique_per_user",
                violation_error_message=_("恢复码重复。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {'used' if self.used_at else 'unused'}"
