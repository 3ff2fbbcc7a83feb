"""The member portal's own records: correction requests and branch notices."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangjian.members.models import Member
from dangjian.organizations.models import Organization


class CorrectionStatus(models.TextChoices):
    PENDING = "PENDING", _("待处理")
    APPROVED = "APPROVED", _("已更正")
    REJECTED = "REJECTED", _("未采纳")


class CorrectionRequest(models.Model):
    """A member asks the branch to correct their record; members never edit it themselves."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="correction_requests")
    field = models.CharField(_("要更正的项目"), max_length=40)
    current_value = models.CharField(_("当前内容"), max_length=200, blank=True)
    proposed_value = models.CharField(_("应更正为"), max_length=200)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=CorrectionStatus.choices, default=CorrectionStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("申请人"),
    )
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("处理人"),
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    decision_note = models.CharField(_("处理意见"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("更正申请")
        verbose_name_plural = _("更正申请")
        indexes = [models.Index(fields=["status", "requested_at"])]

    def __str__(self) -> str:
        return f"{self.member} {self.field}"

    @property
    def field_label(self) -> str:
        if self.field == "other":
            return str(_("其他"))
        field = Member._meta.get_field(self.field)
        return str(getattr(field, "verbose_name", self.field))


class Notice(models.Model):
    """A notice from a branch to its members (meeting notices…). No reading receipts."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="notices")
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("内容"), max_length=2000)
    published_at = models.DateTimeField(_("发布时间"), auto_now_add=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("发布人"),
    )

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-published_at"]

    def __str__(self) -> str:
        return self.title
