"""Party-affairs staff posts and the secretaries' 述职 results (docs/leadership.md).

The 书记, 副书记 and 委员 themselves are the members' dated positions (members.Position); this
app adds the duties no position names (组织委员 …, 党务工作者) and the yearly 述职评议."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from dangjian.accounts.scope import ScopedQuerySet
from dangjian.core.models import TimeStampedModel
from dangjian.members.models import Member
from dangjian.organizations.models import Organization

from .choices import Duty, DutyGrade


class StaffPost(TimeStampedModel):
    """A party-affairs duty of a member at an organization, dated like a position."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("党组织"), on_delete=models.PROTECT, related_name="+"
    )
    member = models.ForeignKey(
        Member, verbose_name=_("党员"), on_delete=models.PROTECT, related_name="staff_posts"
    )
    duty = models.CharField(_("党务职责"), max_length=20, choices=Duty.choices)
    started_on = models.DateField(_("任职日期"))
    ended_on = models.DateField(_("免职日期"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = ("organization__path",)

    class Meta:
        verbose_name = _("党务工作岗位")
        verbose_name_plural = _("党务工作岗位")
        ordering = ["organization", "duty", "started_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "member", "duty"],
                condition=Q(ended_on__isnull=True),
                name="staff_post_one_open",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="staff_post_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.get_duty_display()} {self.member}"


class DutyReport(TimeStampedModel):
    """书记抓基层党建工作述职评议: one secretary's result for one year at one organization."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("党组织"), on_delete=models.PROTECT, related_name="+"
    )
    member = models.ForeignKey(
        Member, verbose_name=_("述职人"), on_delete=models.PROTECT, related_name="duty_reports"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    grade = models.CharField(_("评议等次"), max_length=12, choices=DutyGrade.choices)
    note = models.CharField(_("评议意见"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ScopedQuerySet.as_manager()
    scope_paths = ("organization__path",)

    class Meta:
        verbose_name = _("述职评议")
        verbose_name_plural = _("述职评议")
        ordering = ["-year", "organization", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "member", "year"], name="duty_report_once_a_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.member} {self.get_grade_display()}"
