"""Alerts: cases a rule found, who is responsible, and what happened to each (its history)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from dangjian.accounts.scope import ScopedQuerySet
from dangjian.members.models import Member
from dangjian.organizations.models import Organization


class AlertStatus(models.TextChoices):
    OPEN = "OPEN", _("待处理")
    SNOOZED = "SNOOZED", _("暂缓")
    RESOLVED = "RESOLVED", _("已消除")


class Alert(models.Model):
    rule = models.CharField(_("规则"), max_length=50)
    # What the case is about, unique per rule while the alert is not resolved: "org:7", "member:42".
    subject = models.CharField(max_length=60)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="alerts", verbose_name=_("责任党组织")
    )
    member = models.ForeignKey(
        Member,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="alerts",
        verbose_name=_("党员"),
    )
    message = models.CharField(_("问题"), max_length=300)
    fix = models.CharField(_("怎么办"), max_length=300)
    url = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=AlertStatus.choices, default=AlertStatus.OPEN
    )
    opened_at = models.DateTimeField(_("发现时间"), auto_now_add=True)
    last_seen_on = models.DateField(_("最近一次检查"))
    resolved_at = models.DateTimeField(_("消除时间"), null=True, blank=True)
    snoozed_until = models.DateField(_("暂缓至"), null=True, blank=True)
    snooze_reason = models.CharField(_("暂缓原因"), max_length=300, blank=True)
    # `message` and `fix` are in the default language; the other languages' texts, written by
    # the same rule run under each language: {"en": {"message": …, "fix": …}}.
    texts = models.JSONField(default=dict, blank=True)

    objects = ScopedQuerySet.as_manager()
    # How a row reaches the tree (accounts.scope.ScopedQuerySet: restrict, within).
    scope_paths = ("organization__path",)

    class Meta:
        verbose_name = _("预警")
        verbose_name_plural = _("预警")
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "subject"],
                condition=~Q(status="RESOLVED"),
                name="alert_active_once",
            ),
        ]
        indexes = [models.Index(fields=["status", "rule"])]

    def __str__(self) -> str:
        return f"{self.rule} {self.subject}"

    def _text(self, field: str) -> str:
        language = translation.get_language() or settings.LANGUAGE_CODE
        texts = self.texts.get(language) or self.texts.get(language.split("-")[0]) or {}
        return str(texts.get(field) or getattr(self, field))

    @property
    def message_text(self) -> str:
        """The message in the reader's language."""
        return self._text("message")

    @property
    def fix_text(self) -> str:
        return self._text("fix")


class AlertEventKind(models.TextChoices):
    OPENED = "OPENED", _("发现")
    RESOLVED = "RESOLVED", _("已消除")
    SNOOZED = "SNOOZED", _("暂缓")
    REOPENED = "REOPENED", _("暂缓到期")


class AlertEvent(models.Model):
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    kind = models.CharField(max_length=10, choices=AlertEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.alert_id} {self.kind}"
