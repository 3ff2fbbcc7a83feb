"""整顿软弱涣散基层党组织: the criteria, the yearly review of candidates, the committee's decision
and a case (整顿) per listed organization until it is closed (销号).

Organizations are reviewed; members are never ranked.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dangjian.accounts.scope import ScopedQuerySet
from dangjian.organizations.models import Organization


class Direction(models.TextChoices):
    BELOW = "BELOW", _("低于标准时列为候选")
    AT_LEAST = "AT_LEAST", _("达到或超过标准时列为候选")


class Criterion(models.Model):
    """One rule that suggests an organization is weak and lax: an indicator the system computes,
    the line it is measured against, the rule in words and where the rule comes from."""

    indicator = models.CharField(_("指标"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    threshold = models.DecimalField(_("标准"), max_digits=7, decimal_places=1)
    direction = models.CharField(_("判定"), max_length=10, choices=Direction.choices)
    rule = models.CharField(_("规则"), max_length=300)
    source = models.CharField(_("依据"), max_length=300)
    active = models.BooleanField(_("启用"), default=True)
    # Why the county set this line or switched the criterion off (its own words).
    note = models.CharField(_("说明"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("软弱涣散排查标准")
        verbose_name_plural = _("软弱涣散排查标准")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def local_practice(self) -> bool:
        """The line is local practice (本地做法): no national text fixes it."""
        return "本地做法" in self.source

    def flags(self, value: Decimal | None) -> bool:
        """Whether a computed value meets this criterion (no value: no evidence, not met)."""
        if value is None:
            return False
        if self.direction == Direction.BELOW:
            return value < self.threshold
        return value >= self.threshold


class ReviewStatus(models.TextChoices):
    OPEN = "OPEN", _("研判中")
    DECIDED = "DECIDED", _("已确定")


class Review(models.Model):
    """A committee's yearly review (排查) of the grassroots organizations below it."""

    committee = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="weakness_reviews"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    status = models.CharField(
        _("状态"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.OPEN
    )
    computed_on = models.DateField(_("数据截至"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = ("committee__path",)

    class Meta:
        verbose_name = _("软弱涣散排查")
        verbose_name_plural = _("软弱涣散排查")
        constraints = [
            models.UniqueConstraint(
                fields=["committee", "year"],
                name="weakness_review_once",
                violation_error_message=_("该党委本年度已经开展排查。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.committee} {self.year}"


class Decision(models.TextChoices):
    PENDING = "PENDING", _("待研判")
    LISTED = "LISTED", _("确定为整顿对象")
    NOT_LISTED = "NOT_LISTED", _("不列入")


class Candidate(models.Model):
    """An organization the indicators point at, with the evidence of each criterion, and what
    the committee decided about it and why."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="candidates")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    rank = models.PositiveIntegerField(_("排序"))
    criteria_met = models.PositiveSmallIntegerField(_("符合情形数"))
    # [{"indicator", "name", "value", "text", "threshold", "direction", "met"}], as computed.
    evidence = models.JSONField(_("依据"), default=list)
    decision = models.CharField(
        _("研判结果"), max_length=12, choices=Decision.choices, default=Decision.PENDING
    )
    reason = models.CharField(_("理由"), max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    # The committee sees every candidate of its review; a branch sees its own.
    scope_paths = ("organization__path",)

    class Meta:
        verbose_name = _("软弱涣散候选")
        verbose_name_plural = _("软弱涣散候选")
        ordering = ["rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "organization"], name="weakness_candidate_once"
            ),
            models.CheckConstraint(
                condition=Q(decision="PENDING") | ~Q(reason=""),
                name="weakness_decision_has_reason",
                violation_error_message=_("研判结果须写明理由。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.get_decision_display()}"

    def met(self) -> list[dict[str, object]]:
        return [e for e in self.evidence if e.get("met")]


class CaseStatus(models.TextChoices):
    OPEN = "OPEN", _("整顿中")
    CLOSED = "CLOSED", _("已销号")


class Case(models.Model):
    """整顿: one listed organization, the cadre assigned to it, the measures and deadline, the
    progress notes, and how it was closed: the indicators recovered, or an explicit override."""

    candidate = models.OneToOneField(Candidate, on_delete=models.PROTECT, related_name="case")
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="rectification_cases"
    )
    cadre = models.CharField(_("联系指导干部"), max_length=100)
    measures = models.TextField(_("整顿措施"))
    deadline = models.DateField(_("整顿时限"))
    status = models.CharField(
        _("状态"), max_length=10, choices=CaseStatus.choices, default=CaseStatus.OPEN
    )
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The indicators on the day of closing, as computed then (the same shape as the evidence).
    closing_evidence = models.JSONField(_("销号时指标"), default=list, blank=True)
    # Set only when the committee closed the case although an indicator had not recovered.
    override_reason = models.CharField(_("未达标销号理由"), max_length=500, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = ("organization__path",)

    class Meta:
        verbose_name = _("整顿")
        verbose_name_plural = _("整顿")
        constraints = [
            models.CheckConstraint(
                condition=Q(status="OPEN", closed_at__isnull=True)
                | Q(status="CLOSED", closed_at__isnull=False),
                name="rectification_closed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.get_status_display()}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("rectification:case", args=[self.pk])

    @property
    def overridden(self) -> bool:
        return bool(self.override_reason)


class ProgressNote(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    on = models.DateField(_("日期"))
    text = models.CharField(_("进展"), max_length=1000)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    written_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("整顿进展")
        verbose_name_plural = _("整顿进展")
        ordering = ["-on", "-pk"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.on}"
