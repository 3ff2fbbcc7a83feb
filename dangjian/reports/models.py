"""Year-end snapshots: a year's report frozen as it was computed."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dangjian.organizations.models import Organization


class ReportSnapshot(models.Model):
    """A year's report (as of 31 December) for one organization, stored as JSON.

    Later corrections of the records do not change it: the annual report that was filed stays
    the one shown, and comparisons between years read the frozen figures.
    """

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("党组织"),
        on_delete=models.PROTECT,
        related_name="report_snapshots",
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    as_of = models.DateField(_("统计截止日"))
    data = models.JSONField(_("报表数据"))
    created_at = models.DateTimeField(_("封存时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("封存人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("年报封存")
        verbose_name_plural = _("年报封存")
        ordering = ["organization", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "year"],
                name="report_snapshot_one_per_year",
                violation_error_message=_("该党组织本年度的年报已封存。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.year}"

    def get_absolute_url(self) -> str:
        return reverse("reports:snapshot", args=[self.organization_id, self.year])
