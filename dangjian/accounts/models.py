"""Users and the roles they hold at organizations."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dangjian.core.models import TimeStampedModel
from dangjian.organizations.models import Organization

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
        Organization, verbose_name=_("党组织"), on_delete=models.CASCADE, related_name="roles"
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
