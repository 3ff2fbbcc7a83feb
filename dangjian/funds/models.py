"""党组织工作经费: an organization's ledger of work funds, allocations received and spending."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangjian.accounts.scope import ScopedQuerySet
from dangjian.organizations.models import Organization

from .choices import Category, DuesUse, EntryKind


class FundEntry(models.Model):
    """One line of an organization's work-fund ledger (工作经费台账): money received or spent.
    Amounts are positive; the kind says which way they go."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="fund_entries"
    )
    kind = models.CharField(_("类型"), max_length=12, choices=EntryKind.choices)
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices)
    on = models.DateField(_("日期"))
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2)
    description = models.CharField(_("摘要"), max_length=300)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = ("organization__path",)

    class Meta:
        verbose_name = _("工作经费")
        verbose_name_plural = _("工作经费")
        ordering = ["on", "pk"]
        indexes = [models.Index(fields=["organization", "on"], name="fund_entry_org_on")]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="fund_entry_amount_positive",
                violation_error_message=_("金额须大于 0。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.on} {self.get_kind_display()} {self.amount}"


class RetainedDuesUse(models.Model):
    """One use of the dues an organization keeps (党费留存与使用): what for (one of the five uses
    of the 2008 rules), when, how much, and the meeting that decided it (党费的使用必须集体讨论
    决定, art. 20)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="retained_dues_uses"
    )
    category = models.CharField(_("用途"), max_length=20, choices=DuesUse.choices)
    on = models.DateField(_("日期"))
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2)
    description = models.CharField(_("摘要"), max_length=300)
    decided_by = models.CharField(_("集体讨论决定"), max_length=200)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # A default, not auto_now_add: the demo passes one time for all its rows (timezone.now()
    # per row was most of the demo step's time).
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = ScopedQuerySet.as_manager()
    scope_paths = ("organization__path",)

    class Meta:
        verbose_name = _("留存党费使用")
        verbose_name_plural = _("留存党费使用")
        ordering = ["on", "pk"]
        indexes = [models.Index(fields=["organization", "on"], name="dues_use_org_on")]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="dues_use_amount_positive",
                violation_error_message=_("金额须大于 0。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.on} {self.get_category_display()} {self.amount}"
