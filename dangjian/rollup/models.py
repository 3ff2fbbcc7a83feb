"""The deployments below this one and the statistics packages they submitted."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ChildDeployment(models.Model):
    """A deployment below this one (a county under a city) whose statistics are expected."""

    issuer = models.CharField(_("签发方"), max_length=64, unique=True)
    name = models.CharField(_("名称"), max_length=200)

    class Meta:
        verbose_name = _("下级系统")
        verbose_name_plural = _("下级系统")
        ordering = ["issuer"]

    def __str__(self) -> str:
        return f"{self.name} ({self.issuer})"


class StatisticsRound(models.Model):
    """A call for statistics as of a date, with the day they are due."""

    as_of = models.DateField(_("统计截止日"), unique=True)
    due_on = models.DateField(_("报送期限"))

    class Meta:
        verbose_name = _("统计报送")
        verbose_name_plural = _("统计报送")
        ordering = ["-as_of"]

    def __str__(self) -> str:
        return f"{self.as_of}"


class StatisticsPackage(models.Model):
    """A child's signed statistics package as imported; a newer one for the same date
    supersedes it (the history stays)."""

    child = models.ForeignKey(
        ChildDeployment,
        on_delete=models.PROTECT,
        related_name="packages",
        verbose_name=_("下级系统"),
    )
    kid = models.CharField(_("签名密钥"), max_length=16)
    sha256 = models.CharField(_("摘要"), max_length=64, unique=True)
    as_of = models.DateField(_("统计截止日"))
    exported_at = models.DateTimeField(_("导出时间"))
    software_version = models.CharField(_("软件版本"), max_length=40)
    organization_name = models.CharField(_("报送党组织"), max_length=200)
    members = models.PositiveIntegerField(_("党员数"))
    organizations = models.PositiveIntegerField(_("基层党组织数"))
    snapshot_sha256 = models.CharField(_("报表摘要"), max_length=64)
    report = models.JSONField(_("报表数据"))
    summary = models.TextField(_("综述"))
    imported_at = models.DateTimeField(_("导入时间"), auto_now_add=True)
    superseded_by = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("统计包")
        verbose_name_plural = _("统计包")
        ordering = ["-as_of", "child", "-exported_at"]
        indexes = [models.Index(fields=["child", "as_of"], name="statistics_package_child_idx")]

    def __str__(self) -> str:
        return f"{self.child.issuer} {self.as_of}"
