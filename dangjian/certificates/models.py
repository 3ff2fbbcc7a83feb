"""Electronic activity certificates (党员电子活动证) and the trust list of other deployments."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from dangjian.accounts.scope import ScopedQuerySet
from dangjian.members.choices import MemberCategory
from dangjian.members.models import Member
from dangjian.organizations.models import Organization

from .choices import RevocationReason


class Certificate(models.Model):
    """One signed credential issued to a member, and whether it has been revoked.

    The credential text is stored as signed (`payload`), so the member's page shows the same
    QR every time. A member holds at most one unrevoked certificate: issuing a new one revokes
    the old one as superseded. Revoked serials go on the signed revocation list until they expire.
    """

    serial = models.CharField(_("编号"), max_length=16, unique=True)
    member = models.ForeignKey(
        Member, verbose_name=_("党员"), on_delete=models.PROTECT, related_name="certificates"
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("组织关系所在党组织"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    name = models.CharField(_("姓名"), max_length=60)
    category = models.CharField(_("人员类别"), max_length=20, choices=MemberCategory.choices)
    kid = models.CharField(_("密钥标识"), max_length=16)
    valid_from = models.DateField(_("生效日期"))
    valid_until = models.DateField(_("有效期至"))
    payload = models.TextField(_("证书内容"))
    issued_at = models.DateTimeField(_("签发时间"), auto_now_add=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签发人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revocation_reason = models.CharField(
        _("撤销原因"), max_length=20, choices=RevocationReason.choices, blank=True, default=""
    )

    objects = ScopedQuerySet.as_manager()
    # How a row reaches the tree (accounts.scope.ScopedQuerySet: restrict, within).
    scope_paths = ("organization__path",)

    class Meta:
        verbose_name = _("电子活动证")
        verbose_name_plural = _("电子活动证")
        ordering = ["-issued_at", "-id"]
        indexes = [models.Index(fields=["revoked_at", "valid_until"], name="cert_revoked_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(revoked_at__isnull=True),
                name="certificate_one_unrevoked_per_member",
                violation_error_message=_("该党员已有一张未撤销的电子活动证。"),
            ),
            models.CheckConstraint(
                condition=Q(valid_until__gte=F("valid_from")),
                name="certificate_valid_until_after_from",
                violation_error_message=_("有效期至不能早于生效日期。"),
            ),
            models.CheckConstraint(
                condition=(Q(revoked_at__isnull=True) & Q(revocation_reason=""))
                | (Q(revoked_at__isnull=False) & ~Q(revocation_reason="")),
                name="certificate_revoked_has_reason",
                violation_error_message=_("撤销电子活动证时必须注明原因。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.serial}"

    def can_revoke(self) -> bool:
        return self.revoked_at is None


class ForeignRevocation(models.Model):
    """A serial on another deployment's signed revocation list, as last imported."""

    issuer = models.CharField(_("签发方"), max_length=64)
    serial = models.CharField(_("编号"), max_length=16)
    list_issued_at = models.DateTimeField(_("撤销列表签发时间"))
    kid = models.CharField(_("签名密钥"), max_length=16, blank=True)

    class Meta:
        verbose_name = _("外部撤销记录")
        verbose_name_plural = _("外部撤销记录")
        constraints = [
            models.UniqueConstraint(fields=["issuer", "serial"], name="foreign_revocation_once"),
        ]

    def __str__(self) -> str:
        return f"{self.issuer} {self.serial}"


class AttendanceReceipt(models.Model):
    """A signed attendance receipt (docs/attendance-receipt.md) this deployment exported as host
    or imported as home, with what became of each entry. An imported receipt's digest is unique:
    the same file twice is a replay and is refused."""

    class Direction(models.TextChoices):
        EXPORTED = "out", _("导出")
        IMPORTED = "in", _("导入")

    direction = models.CharField(_("方向"), max_length=3, choices=Direction.choices)
    counterpart = models.CharField(_("对方系统"), max_length=64)
    sha256 = models.CharField(_("摘要"), max_length=64)
    kid = models.CharField(_("签名密钥"), max_length=16)
    entries = models.PositiveIntegerField(_("条目数"))
    credited = models.PositiveIntegerField(_("记入条目数"), default=0)
    # For an import: [{"id", "name", "serial", "on", "outcome"}], the outcome of every entry.
    outcomes = models.JSONField(_("逐条结果"), default=list, blank=True)
    document = models.JSONField(_("签名文件"))
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("出席回执")
        verbose_name_plural = _("出席回执")
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["direction", "sha256"], name="attendance_receipt_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.counterpart} {self.sha256[:12]}"
