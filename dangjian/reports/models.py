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


class ReportRun(models.Model):
    """The annual report of an organization's subtree as of a date, counted once and kept
    (decision 0275): the page shows the last counted figures with when they were counted,
    and a committee's report is counted by `dangjian worker`, the page showing its progress.

    One row per organization, date and language (a report's titles are in the reader's
    language). `data` is the last finished report (Report.as_dict()) and stays while a new
    count runs; `status`, `done` and `total` are those of the latest count.
    """

    class Status(models.TextChoices):
        QUEUED = "QUEUED", _("排队中")
        RUNNING = "RUNNING", _("统计中")
        DONE = "DONE", _("已完成")
        FAILED = "FAILED", _("失败")

    organization = models.ForeignKey(
        Organization, verbose_name=_("党组织"), on_delete=models.CASCADE, related_name="+"
    )
    as_of = models.DateField(_("统计截止日"))
    language = models.CharField(_("语言"), max_length=10)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices)
    done = models.PositiveSmallIntegerField(_("已统计表数"), default=0)
    total = models.PositiveSmallIntegerField(_("表数"), default=0)
    message = models.CharField(_("说明"), max_length=300, blank=True)
    data = models.JSONField(_("报表数据"), null=True, blank=True)
    computed_at = models.DateTimeField(_("统计于"), null=True, blank=True)
    requested_at = models.DateTimeField(_("请求时间"))
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("最近进展"), null=True, blank=True)
    runner_host = models.CharField(_("运行主机"), max_length=200, blank=True)
    runner_pid = models.PositiveIntegerField(_("运行进程"), null=True, blank=True)

    class Meta:
        verbose_name = _("年报统计")
        verbose_name_plural = _("年报统计")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "as_of", "language"],
                name="report_run_one_per_day_and_language",
                violation_error_message=_("该党组织该日的年报统计已存在。"),
            ),
            models.CheckConstraint(
                condition=models.Q(done__lte=models.F("total")),
                name="report_run_done_within_total",
                violation_error_message=_("已统计表数不能超过表数。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.as_of} {self.language} {self.status}"

    @property
    def is_pending(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)
