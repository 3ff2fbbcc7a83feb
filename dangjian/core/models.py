"""Shared abstract models."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    """Creation and last-change instants (aware, UTC in the database)."""

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        abstract = True


class Figure(models.Model):
    """A cached figure of one organization's subtree (a dashboard count), keyed by the
    organization's materialized path. It is a cache: deleting every row loses nothing.
    `dangjian.core.figures` reads and invalidates it; see docs/decisions/0100 and 0283.

    A change below marks the figure stale (`stale_since`: the latest change not yet counted)
    rather than deleting it, so that a big subtree's page can show it while the worker counts
    it again; `recount_queued_at` is when a page queued that recount (one per figure).

    A row without `computed_at` holds no figure yet: the first visitor of a big subtree whose
    figure was never counted claimed its count for the worker (decision 0287); its `value` is
    a placeholder that no reader takes as a figure."""

    path = models.CharField(max_length=255)
    key = models.CharField(max_length=60)
    value = models.JSONField()
    computed_at = models.DateTimeField(null=True, blank=True)
    stale_since = models.DateTimeField(null=True, blank=True)
    recount_queued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["path", "key"], name="figure_once")]

    def __str__(self) -> str:
        return f"{self.path} {self.key}"


class TaskWorker(models.Model):
    """A running `dangjian worker` process. It beats every few seconds; a task it was running
    when its beat stopped (the process was killed) is marked failed (dangjian.core.tasks)."""

    worker_id = models.CharField(_("编号"), max_length=64, unique=True)
    host = models.CharField(_("主机"), max_length=255)
    pid = models.PositiveIntegerField(_("进程号"))
    started_at = models.DateTimeField(_("启动时间"))
    beat_at = models.DateTimeField(_("最近心跳"))

    class Meta:
        verbose_name = _("后台处理程序")
        verbose_name_plural = _("后台处理程序")

    def __str__(self) -> str:
        return f"{self.host}:{self.pid}"


class ScheduledRun(models.Model):
    """When a periodic task (nightly alerts, backups, ...) was last started. One row per task,
    claimed with a conditional update so that of several workers only one starts each run."""

    name = models.CharField(_("定时任务"), max_length=100, unique=True)
    last_run_at = models.DateTimeField(_("上次开始"))

    class Meta:
        verbose_name = _("定时任务记录")
        verbose_name_plural = _("定时任务记录")

    def __str__(self) -> str:
        return self.name


class ExportStatus(models.TextChoices):
    QUEUED = "QUEUED", _("排队中")
    RUNNING = "RUNNING", _("正在生成")
    DONE = "DONE", _("已生成")
    FAILED = "FAILED", _("失败")
    EXPIRED = "EXPIRED", _("已过期")


class ExportJob(TimeStampedModel):
    """A large export (导出任务) written by `dangjian worker`: the page that asked follows its
    progress and then offers the file to the user who asked, and to no one else.

    An app registers a producer (`dangjian.core.exports.register_producer`) that writes the
    file; core knows the producer only by its `kind`. The finished file holds personal data:
    it is kept encrypted (Fernet, in chunks) and deleted after `DANGJIAN_EXPORT_KEEP_HOURS`
    (decision 0265).
    """

    public_id = models.UUIDField(_("编号"), default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("导出内容"), max_length=60)
    title = models.CharField(_("名称"), max_length=200)
    file_name = models.CharField(_("文件名"), max_length=200)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    processed_rows = models.PositiveIntegerField(_("已写行数"), default=0)
    size = models.PositiveBigIntegerField(_("文件大小"), default=0)
    message = models.TextField(_("结果说明"), blank=True)
    # The process writing the file ("host:pid") and its last sign of life: a job whose process
    # is gone is marked failed rather than left running (exports.export_fail_if_stale).
    runner = models.CharField(_("处理进程"), max_length=300, blank=True)
    heartbeat_at = models.DateTimeField(_("最近心跳"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("导出任务")
        verbose_name_plural = _("导出任务")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("exports:job", args=[self.public_id])

    @property
    def directory(self) -> Path:
        return Path(settings.VAR_DIR) / "exports" / str(self.public_id)

    @property
    def working_path(self) -> Path:
        """The sealed file while the producer writes it (renamed to `sealed_path` when done)."""
        return self.directory / ("work" + Path(self.file_name).suffix.lower())

    @property
    def sealed_path(self) -> Path:
        return self.directory / "sealed"

    @property
    def is_running(self) -> bool:
        return self.status in (ExportStatus.QUEUED, ExportStatus.RUNNING)

    @property
    def is_queued(self) -> bool:
        return self.status == ExportStatus.QUEUED

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 0
        return min(100, int(self.processed_rows * 100 / self.total_rows))
