"""Shared abstract models."""

from __future__ import annotations

from django.db import models
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
    `dangjian.core.figures` reads and invalidates it; see docs/decisions/0100."""

    path = models.CharField(max_length=255)
    key = models.CharField(max_length=60)
    value = models.JSONField()
    computed_at = models.DateTimeField()

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
