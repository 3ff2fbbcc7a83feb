"""The trust list: public keys of the other deployments whose signed files this one accepts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TrustedKey(models.Model):
    """Another deployment's public key: what it signs (certificates, packages, receipts) verifies."""

    issuer = models.CharField(_("签发方"), max_length=64)
    kid = models.CharField(
        _("密钥标识"), max_length=16, help_text=_("公钥 SHA-256 的前 8 字节（十六进制）")
    )
    public_key = models.CharField(_("公钥"), max_length=64, help_text=_("Ed25519 公钥，base64url"))
    label = models.CharField(_("说明"), max_length=200, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("导入人"),
    )
    added_at = models.DateTimeField(_("导入时间"), auto_now_add=True)
    removed_at = models.DateTimeField(_("移除时间"), null=True, blank=True)
    # The period in which what the key signs is accepted (inclusive; empty: open-ended).
    valid_from = models.DateField(_("生效日期"), null=True, blank=True)
    valid_until = models.DateField(_("有效期至"), null=True, blank=True)
    # The committee above: its key may sign trust-list updates (add, rotate, revoke keys).
    is_authority = models.BooleanField(_("上级系统"), default=False)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    revoked_by = models.CharField(
        _("吊销依据"), max_length=200, blank=True, help_text=_("签发吊销的信任列表更新及原因")
    )

    class Meta:
        # The table the certificates app created before the key list had a home of its own.
        db_table = "certificates_trustedkey"
        verbose_name = _("受信任的公钥")
        verbose_name_plural = _("受信任的公钥")
        constraints = [
            models.UniqueConstraint(fields=["issuer", "kid"], name="trusted_key_once"),
        ]

    def __str__(self) -> str:
        return f"{self.issuer} {self.kid}"


class TrustUpdate(models.Model):
    """A signed trust-list update from the committee above (docs/trust-update.md), as applied."""

    issuer = models.CharField(_("签发方"), max_length=64)
    kid = models.CharField(_("签名密钥"), max_length=16)
    sha256 = models.CharField(_("摘要"), max_length=64, unique=True)
    issued_at = models.DateTimeField(_("签发时间"))
    applied_at = models.DateTimeField(_("导入时间"), auto_now_add=True)
    added = models.JSONField(_("新增或更新的公钥"), default=list)
    revoked = models.JSONField(_("吊销的公钥"), default=list)
    document = models.JSONField(_("签名文件"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("导入人"),
    )

    class Meta:
        verbose_name = _("信任列表更新")
        verbose_name_plural = _("信任列表更新")
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return f"{self.issuer} {self.issued_at:%Y-%m-%d}"
