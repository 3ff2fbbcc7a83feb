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
