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
