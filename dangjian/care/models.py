"""Care (党内关怀), volunteer service, community reporting, commendations and discipline.

Every record here also writes an entry in the member's electronic archive.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dangjian.accounts.scope import ScopedQuerySet
from dangjian.members.models import Member
from dangjian.organizations.models import Organization


class HardshipKind(models.TextChoices):
    LIVING = "LIVING", _("生活困难")
    ILLNESS = "ILLNESS", _("因病致困")
    DISASTER = "DISASTER", _("因灾致困")
    ELDERLY = "ELDERLY", _("高龄独居")
    OTHER = "OTHER", _("其他")


class AssistanceKind(models.TextChoices):
    VISIT = "VISIT", _("慰问")
    SUPPORT = "SUPPORT", _("帮扶")


class CommendationTitle(models.TextChoices):
    MEMBER = "MEMBER", _("优秀共产党员")
    WORKER = "WORKER", _("优秀党务工作者")
    ORGANIZATION = "ORGANIZATION", _("先进基层党组织")


class Level(models.TextChoices):
    CENTRAL = "CENTRAL", _("中央")
    PROVINCE = "PROVINCE", _("省级")
    CITY = "CITY", _("市级")
    COUNTY = "COUNTY", _("县级")
    TOWNSHIP = "TOWNSHIP", _("乡镇（街道）")


class DisciplineKind(models.TextChoices):
    WARNING = "WARNING", _("警告")
    SERIOUS_WARNING = "SERIOUS_WARNING", _("严重警告")
    DISMISSAL = "DISMISSAL", _("撤销党内职务")
    PROBATION = "PROBATION", _("留党察看")
    EXPULSION = "EXPULSION", _("开除党籍")


class Recorded(models.Model):
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True


class Hardship(Recorded):
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="hardships")
    kind = models.CharField(_("困难类型"), max_length=10, choices=HardshipKind.choices)
    since = models.DateField(_("认定日期"))
    until = models.DateField(_("解除日期"), null=True, blank=True)
    note = models.CharField(_("情况"), max_length=300, blank=True)

    def __str__(self) -> str:
        return f"{self.member} {self.kind}"


class Assistance(Recorded):
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="assistance")
    on = models.DateField(_("日期"))
    kind = models.CharField(_("方式"), max_length=10, choices=AssistanceKind.choices)
    amount = models.DecimalField(_("金额（元）"), max_digits=10, decimal_places=2, default=0)
    description = models.CharField(_("内容"), max_length=300)
    given_by = models.CharField(_("慰问（帮扶）人"), max_length=100)
    from_fund = models.BooleanField(_("从关爱基金支出"), default=False)

    def __str__(self) -> str:
        return f"{self.member} {self.on}"


class CareFundEntry(Recorded):
    """The care fund ledger (党员关爱基金) of an organization: income positive, spending negative."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="care_fund"
    )
    on = models.DateField(_("日期"))
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2)
    description = models.CharField(_("摘要"), max_length=300)
    assistance = models.OneToOneField(
        Assistance, on_delete=models.PROTECT, null=True, blank=True, related_name="fund_entry"
    )

    def __str__(self) -> str:
        return f"{self.organization} {self.on} {self.amount}"


# Nobody serves more than a day's hours on one day (志愿服务时长按日计).
HOURS_IN_A_DAY = 24


class VolunteerActivity(Recorded):
    """A volunteer service event (志愿服务活动) an organization ran, recorded once for everyone.

    Each participant's hours are a `VolunteerService` row pointing at it, so a member's hours
    are still the sum of their rows, whether the row came from an activity or was recorded alone.
    """

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("组织单位"),
        on_delete=models.PROTECT,
        related_name="volunteer_activities",
    )
    on = models.DateField(_("日期"))
    title = models.CharField(_("服务内容"), max_length=200)
    place = models.CharField(_("地点"), max_length=200, blank=True)
    hours = models.DecimalField(_("每人时长（小时）"), max_digits=3, decimal_places=1)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    # Published ahead (发布): members of the organization and below sign up from /me/, at most
    # `capacity` of them (None: no cap). Hours are still recorded after the day.
    signup_open = models.BooleanField(_("接受报名"), default=False)
    capacity = models.PositiveIntegerField(_("名额"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    # How a row reaches the tree (accounts.scope.ScopedQuerySet: restrict, within).
    scope_paths = ("organization__path",)

    class Meta:
        verbose_name = _("志愿服务活动")
        verbose_name_plural = _("志愿服务活动")
        indexes = [models.Index(fields=["organization", "on"], name="volunteer_org_on_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gt=0, hours__lte=HOURS_IN_A_DAY),
                name="volunteer_activity_hours_in_a_day",
                violation_error_message=_("每人时长须大于 0，且不超过 24 小时。"),
            ),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(capacity__gt=0),
                name="volunteer_activity_capacity_positive",
                violation_error_message=_("名额须大于 0；不限名额请留空。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.on} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("care:volunteer_detail", args=[self.pk])


class VolunteerService(Recorded):
    """A member's volunteer hours on a day: alone, or as a participant of a `VolunteerActivity`."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="volunteer_service")
    on = models.DateField(_("日期"))
    activity = models.CharField(_("服务内容"), max_length=200)
    hours = models.DecimalField(_("时长（小时）"), max_digits=5, decimal_places=1)
    activity_record = models.ForeignKey(
        VolunteerActivity,
        verbose_name=_("志愿服务活动"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="participations",
    )

    objects = ScopedQuerySet.as_manager()
    # How a row reaches the tree (accounts.scope.ScopedQuerySet: restrict, within).
    scope_paths = ("activity_record__organization__path",)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["activity_record", "member"],
                name="volunteer_service_once_per_activity",
                violation_error_message=_("该党员已是这次志愿服务活动的参加人员。"),
            ),
            # Rows recorded alone before activities existed keep whatever hours they had.
            models.CheckConstraint(
                condition=Q(activity_record__isnull=True)
                | Q(hours__gt=0, hours__lte=HOURS_IN_A_DAY),
                name="volunteer_service_hours_in_a_day",
                violation_error_message=_("每人时长须大于 0，且不超过 24 小时。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.on}"


class VolunteerSignup(models.Model):
    """A member's sign-up (报名) for a published volunteer activity; cancelling keeps the row."""

    activity = models.ForeignKey(
        VolunteerActivity,
        verbose_name=_("志愿服务活动"),
        on_delete=models.CASCADE,
        related_name="signups",
    )
    member = models.ForeignKey(
        Member, verbose_name=_("党员"), on_delete=models.CASCADE, related_name="volunteer_signups"
    )
    signed_up_at = models.DateTimeField(_("报名时间"), auto_now_add=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = ("activity__organization__path",)
    scope_self = "member__user_id"

    class Meta:
        verbose_name = _("志愿服务报名")
        verbose_name_plural = _("志愿服务报名")
        ordering = ["signed_up_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "member"],
                condition=Q(cancelled_at__isnull=True),
                name="volunteer_signup_once",
                violation_error_message=_("您已报名这次志愿服务活动。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.member} → {self.activity_id}"


class HelpUrgency(models.TextChoices):
    NORMAL = "NORMAL", _("一般")
    SOON = "SOON", _("较急")
    URGENT = "URGENT", _("紧急")


class HelpStatus(models.TextChoices):
    OPEN = "OPEN", _("待处理")
    TAKEN_UP = "TAKEN_UP", _("已受理")


class HelpRequest(models.Model):
    """A member asking their branch for help (困难求助) from /me/. The branch takes it up: it
    becomes an assistance record (and, if the branch decides so, a hardship record)."""

    member = models.ForeignKey(
        Member, verbose_name=_("党员"), on_delete=models.CASCADE, related_name="help_requests"
    )
    # The member's organization when they asked: that branch's secretary sees it.
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("党组织"),
        on_delete=models.PROTECT,
        related_name="help_requests",
    )
    what = models.CharField(_("需要什么帮助"), max_length=500)
    urgency = models.CharField(
        _("紧急程度"), max_length=10, choices=HelpUrgency.choices, default=HelpUrgency.NORMAL
    )
    asked_at = models.DateTimeField(_("求助时间"), auto_now_add=True, db_index=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=HelpStatus.choices, default=HelpStatus.OPEN
    )
    taken_up_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    taken_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("受理人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    assistance = models.OneToOneField(
        Assistance,
        verbose_name=_("帮扶记录"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="help_request",
    )
    hardship = models.ForeignKey(
        Hardship,
        verbose_name=_("困难认定"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="help_requests",
    )

    objects = ScopedQuerySet.as_manager()
    scope_paths = ("organization__path",)
    scope_self = "member__user_id"

    class Meta:
        verbose_name = _("困难求助")
        verbose_name_plural = _("困难求助")
        ordering = ["-asked_at", "-id"]
        indexes = [models.Index(fields=["organization", "status"], name="help_org_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="OPEN", assistance__isnull=True)
                | Q(status="TAKEN_UP", assistance__isnull=False),
                name="help_taken_up_with_assistance",
                violation_error_message=_("受理求助须有帮扶记录。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.asked_at:%Y-%m-%d}"


class CommunityReport(Recorded):
    """在职党员到社区报到."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="community_reports")
    community = models.CharField(_("报到社区"), max_length=200)
    on = models.DateField(_("报到日期"))

    def __str__(self) -> str:
        return f"{self.member} {self.community}"


class Commendation(Recorded):
    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, null=True, blank=True, related_name="commendations"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, null=True, blank=True, related_name="commendations"
    )
    title = models.CharField(_("表彰"), max_length=20, choices=CommendationTitle.choices)
    level = models.CharField(_("表彰层级"), max_length=10, choices=Level.choices)
    on = models.DateField(_("表彰日期"))
    note = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(member__isnull=True, organization__isnull=False)
                | Q(member__isnull=False, organization__isnull=True),
                name="commendation_one_subject",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} {self.on}"


class Discipline(Recorded):
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="discipline")
    kind = models.CharField(_("处分"), max_length=20, choices=DisciplineKind.choices)
    on = models.DateField(_("处分日期"))
    decided_by = models.CharField(_("决定机关"), max_length=200)
    document_no = models.CharField(_("决定文号"), max_length=100, blank=True)
    note = models.CharField(_("事由"), max_length=300, blank=True)

    def __str__(self) -> str:
        return f"{self.member} {self.kind}"
