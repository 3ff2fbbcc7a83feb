"""Import jobs: one uploaded roster file, its validation result and its commit."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dangjian.core.models import TimeStampedModel
from dangjian.organizations.models import Organization

from .choices import RUNNING_STATUSES, ImportKind, JobStatus


class ImportJob(TimeStampedModel):
    """An import (导入批次): the file, what validation found, and what was written.

    Large files are validated and committed in a background thread of the web process
    (decision 0030); the page polls `processed_rows`. The files live in `directory`.
    """

    public_id = models.UUIDField(_("批次编号"), default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("导入内容"), max_length=20, choices=ImportKind.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("导入到党组织"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    file_name = models.CharField(_("文件名"), max_length=200)
    valid_rows_only = models.BooleanField(_("只导入无误的行"), default=False)
    status = models.CharField(
        _("状态"), max_length=20, choices=JobStatus.choices, default=JobStatus.VALIDATING
    )
    total_rows = models.PositiveIntegerField(_("总行数"), default=0)
    processed_rows = models.PositiveIntegerField(_("已处理行数"), default=0)
    valid_rows = models.PositiveIntegerField(_("无误行数"), default=0)
    error_rows = models.PositiveIntegerField(_("有误行数"), default=0)
    imported_rows = models.PositiveIntegerField(_("已导入行数"), default=0)
    errors = models.JSONField(_("错误（前若干条）"), default=list, blank=True)
    notes = models.JSONField(_("读取说明（前若干条）"), default=list, blank=True)
    organization_ids = models.JSONField(_("涉及的党组织"), default=list, blank=True)
    message = models.TextField(_("结果说明"), blank=True)
    background = models.BooleanField(_("后台运行"), default=False)

    class Meta:
        verbose_name = _("导入批次")
        verbose_name_plural = _("导入批次")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name}"

    def get_absolute_url(self) -> str:
        return reverse("roster:job", args=[self.public_id])

    @property
    def directory(self) -> Path:
        return Path(settings.VAR_DIR) / "roster" / str(self.public_id)

    @property
    def source_path(self) -> Path:
        return self.directory / ("source" + Path(self.file_name).suffix.lower())

    @property
    def report_path(self) -> Path:
        return self.directory / "errors.xlsx"

    @property
    def is_running(self) -> bool:
        return self.status in RUNNING_STATUSES

    @property
    def percent(self) -> int:
        total = self.valid_rows if self.status == JobStatus.COMMITTING else self.total_rows
        done = self.imported_rows if self.status == JobStatus.COMMITTING else self.processed_rows
        return min(100, int(done * 100 / total)) if total else 0

    @property
    def can_commit(self) -> bool:
        if self.status != JobStatus.VALIDATED or self.valid_rows == 0:
            return False
        return self.error_rows == 0 or self.valid_rows_only
