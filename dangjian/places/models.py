"""Host places: this deployment's own, and those of other deployments' signed directories."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangjian.accounts.scope import ScopedQuerySet
from dangjian.organizations.models import Organization

from .choices import PlaceKind, Weekday, WeekOfMonth

region_code = RegexValidator(r"^\d{6}$", _("地区代码应为 6 位数字（GB/T 2260）。"))


class PlaceFields(models.Model):
    """What a directory says about a place (docs/directory-format.md)."""

    name = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=10, choices=PlaceKind.choices)
    address = models.CharField(_("地址"), max_length=200)
    region_code = models.CharField(
        _("所在地区（行政区划）"), max_length=6, validators=[region_code], db_index=True
    )
    week_of_month = models.PositiveSmallIntegerField(_("每月第几个"), choices=WeekOfMonth.choices)
    weekday = models.PositiveSmallIntegerField(_("星期"), choices=Weekday.choices)
    start_time = models.TimeField(_("开始时间"), null=True, blank=True)
    contact = models.CharField(
        _("联系方式"), max_length=100, help_text=_("对外公开的办公电话或联系人，不填个人手机")
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def activity_day_text(self) -> str:
        return _("每月%(week)s%(day)s") % {
            "week": WeekOfMonth(self.week_of_month).label,
            "day": Weekday(self.weekday).label,
        }


class HostPlace(PlaceFields):
    """A place of this deployment where mobile members may attend: a branch that welcomes
    guests or a 党员服务中心, at one of our organizations (its activities are recorded there)."""

    public_id = models.UUIDField(_("公开编号"), default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        Organization, verbose_name=_("所属党组织"), on_delete=models.PROTECT, related_name="+"
    )
    active = models.BooleanField(_("对外公布"), default=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = ("organization__path",)

    class Meta:
        verbose_name = _("活动场所")
        verbose_name_plural = _("活动场所")
        ordering = ["region_code", "name", "id"]


class DirectoryImport(models.Model):
    """A signed directory of another deployment, as imported: the newest one from an issuer
    supersedes the places of the one before."""

    issuer = models.CharField(_("签发方"), max_length=64)
    kid = models.CharField(_("签名密钥"), max_length=16)
    sha256 = models.CharField(_("摘要"), max_length=64, unique=True)
    issued_at = models.DateTimeField(_("签发时间"))
    places = models.PositiveIntegerField(_("场所数"))
    imported_at = models.DateTimeField(_("导入时间"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("导入人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("场所名录导入")
        verbose_name_plural = _("场所名录导入")
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return f"{self.issuer} {self.issued_at:%Y-%m-%d}"


class ForeignPlace(PlaceFields):
    """A place in another deployment's signed directory (the current one from that issuer)."""

    issuer = models.CharField(_("所在系统"), max_length=64)
    public_id = models.UUIDField(_("公开编号"))
    organization_name = models.CharField(_("所属党组织"), max_length=200, blank=True)
    directory = models.ForeignKey(
        DirectoryImport, on_delete=models.CASCADE, related_name="+", verbose_name=_("名录")
    )

    class Meta:
        verbose_name = _("外系统活动场所")
        verbose_name_plural = _("外系统活动场所")
        ordering = ["region_code", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["issuer", "public_id"], name="foreign_place_once"),
        ]
