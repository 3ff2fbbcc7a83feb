"""The registry of units (enterprises, social organizations …) a committee is responsible for,
and the party organization that covers each, for coverage (覆盖) work."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dangjian.accounts.scope import ScopedQuerySet
from dangjian.core.crypto import mask_phone
from dangjian.organizations.choices import UnitKind
from dangjian.organizations.models import Organization


class Unit(models.Model):
    """A unit (单位): its unified social credit code (统一社会信用代码, GB 32100), kind, size and
    address; the committee whose area it is in; the party organization set up in it or covering
    it (a joint branch), if any."""

    area = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="area_units",
        verbose_name=_("属地党组织"),
    )
    name = models.CharField(_("单位名称"), max_length=200)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    kind = models.CharField(_("单位类别"), max_length=30, choices=UnitKind.choices)
    employees = models.PositiveIntegerField(_("从业人员"), null=True, blank=True)
    address = models.CharField(_("地址"), max_length=300, blank=True)
    organization = models.ForeignKey(
        Organization,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="covered_units",
        verbose_name=_("覆盖的党组织"),
    )

    objects = ScopedQuerySet.as_manager()
    scope_paths = ("area__path",)

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=~Q(credit_code=""),
                name="unit_credit_code_once",
                violation_error_message=_("该统一社会信用代码已登记。"),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Instructor(models.Model):
    """A 党建指导员: a person sent (from a department, a township office, a larger company's
    organization …) to guide party building in units of the area, mostly 两新 units that have no
    organization yet. The phone is shown masked (docs/coverage.md)."""

    area = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="area_instructors",
        verbose_name=_("属地党组织"),
    )
    name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    from_organization = models.CharField(_("派出单位"), max_length=200, blank=True)
    units = models.ManyToManyField(
        Unit, related_name="instructors", blank=True, verbose_name=_("指导的单位")
    )

    objects = ScopedQuerySet.as_manager()
    scope_paths = ("area__path",)

    class Meta:
        verbose_name = _("党建指导员")
        verbose_name_plural = _("党建指导员")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone) if self.phone else ""
