"""Organization assessment (绩效考核): indicators with weights, annual rounds, scores, grades.

Organizations are assessed; members are never ranked.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangjian.accounts.scope import ScopedQuerySet
from dangjian.organizations.models import Organization


class Indicator(models.Model):
    name = models.CharField(_("指标"), max_length=100)
    weight = models.DecimalField(
        _("权重"), max_digits=5, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    # A key of sources.SOURCES (computed from the data), or "manual" (entered by hand).
    source = models.CharField(_("来源"), max_length=40)
    description = models.CharField(_("说明"), max_length=300, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("考核指标")
        verbose_name_plural = _("考核指标")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.name


class RoundStatus(models.TextChoices):
    OPEN = "OPEN", _("进行中")
    FINISHED = "FINISHED", _("已完成")


class AssessmentRound(models.Model):
    committee = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="assessment_rounds"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    status = models.CharField(
        _("状态"), max_length=10, choices=RoundStatus.choices, default=RoundStatus.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    # A round belongs to the committee that holds it.
    scope_paths = ("committee__path",)

    class Meta:
        verbose_name = _("考核")
        verbose_name_plural = _("考核")
        constraints = [
            models.UniqueConstraint(fields=["committee", "year"], name="assessment_round_once")
        ]

    def __str__(self) -> str:
        return f"{self.committee} {self.year}"


class Score(models.Model):
    round = models.ForeignKey(AssessmentRound, on_delete=models.CASCADE, related_name="scores")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="scores")
    value = models.DecimalField(
        _("得分"),
        max_digits=5,
        decimal_places=1,
        null=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    basis = models.CharField(_("依据"), max_length=300, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    entered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["round", "organization", "indicator"], name="assessment_score_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.indicator_id} {self.value}"


class Result(models.Model):
    round = models.ForeignKey(AssessmentRound, on_delete=models.CASCADE, related_name="results")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    total = models.DecimalField(_("总分"), max_digits=5, decimal_places=1, null=True)
    grade = models.CharField(_("等次"), max_length=20, blank=True)

    objects = ScopedQuerySet.as_manager()
    # An organization's own result is read where the organization is: a branch secretary sees
    # their branch's grade in a round the committee above holds.
    scope_paths = ("organization__path",)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "organization"], name="assessment_result_once")
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.total}"
