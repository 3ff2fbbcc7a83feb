"""Organizational life: activities with attendance and votes, the frequency table, the annual
democratic review, and training."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dangjian.accounts.scope import ScopedQuerySet
from dangjian.core.models import TimeStampedModel
from dangjian.members.models import Member
from dangjian.organizations.models import Organization

from .choices import (
    ActivityKind,
    ActivityStatus,
    AttendanceStatus,
    AttendanceVia,
    ExemptionReason,
    FrequencyPeriod,
    Grade,
    Handling,
    TrainingForm,
)


class FrequencyRule(models.Model):
    """How often a kind of activity must be held (RULES.md; configurable per deployment)."""

    kind = models.CharField(_("活动类型"), max_length=20, choices=ActivityKind.choices, unique=True)
    period = models.CharField(_("周期"), max_length=10, choices=FrequencyPeriod.choices)
    times = models.PositiveSmallIntegerField(
        _("每周期至少次数"), default=1, validators=[MinValueValidator(1)]
    )
    active = models.BooleanField(_("纳入检查"), default=True)

    class Meta:
        verbose_name = _("组织生活频次")
        verbose_name_plural = _("组织生活频次")
        ordering = ["kind"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.get_period_display()} ≥{self.times}"


class Activity(TimeStampedModel):
    """One activity of an organization (a branch, or a party group for 党小组会)."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("党组织"), on_delete=models.PROTECT, related_name="activities"
    )
    kind = models.CharField(_("活动类型"), max_length=20, choices=ActivityKind.choices)
    status = models.CharField(
        _("状态"), max_length=10, choices=ActivityStatus.choices, default=ActivityStatus.PLANNED
    )
    topic = models.CharField(_("主题"), max_length=200)
    on = models.DateField(_("日期"))
    start_time = models.TimeField(_("开始时间"), null=True, blank=True)
    place = models.CharField(_("地点"), max_length=200, blank=True)
    host = models.ForeignKey(
        Member,
        verbose_name=_("主持人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    lecturer = models.CharField(_("授课人"), max_length=100, blank=True)
    minutes = models.TextField(_("会议记录"), blank=True)
    resolutions = models.TextField(_("决议事项"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ScopedQuerySet.as_manager()
    # How a row reaches the tree (accounts.scope.ScopedQuerySet: restrict, within).
    scope_paths = ("organization__path",)

    class Meta:
        verbose_name = _("组织生活")
        verbose_name_plural = _("组织生活")
        ordering = ["-on", "-id"]
        indexes = [
            models.Index(fields=["organization", "on"], name="activity_org_on_idx"),
            models.Index(fields=["on", "status"], name="activity_on_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.on} {self.get_kind_display()} {self.topic}"

    def get_absolute_url(self) -> str:
        return reverse("activities:detail", args=[self.pk])

    @property
    def is_held(self) -> bool:
        return self.status == ActivityStatus.HELD


class Attendance(models.Model):
    """One person at one activity: an expected attendee (present, on leave or absent) or a
    guest from another organization (always present, never counted for the quorum)."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="attendance")
    member = models.ForeignKey(
        Member, verbose_name=_("党员"), on_delete=models.PROTECT, related_name="attendance"
    )
    status = models.CharField(
        _("出席情况"),
        max_length=10,
        choices=AttendanceStatus.choices,
        default=AttendanceStatus.PRESENT,
    )
    reason = models.CharField(_("请假事由"), max_length=200, blank=True)
    is_guest = models.BooleanField(_("列席/来宾"), default=False)
    can_vote = models.BooleanField(_("有表决权"), default=False)
    # For a guest: the organization the member belonged to on the day (their home branch).
    home_organization = models.ForeignKey(
        Organization,
        verbose_name=_("所在党组织"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    via = models.CharField(
        _("记录方式"), max_length=12, choices=AttendanceVia.choices, default=AttendanceVia.MANUAL
    )
    certificate_serial = models.CharField(_("活动证明编号"), max_length=64, blank=True)
    # The activity's date once it is held (a held activity keeps its date for good), else
    # empty: "who attended organizational life in these months" is then one index seek per
    # member (`members_without_life`, decision 0261). Written by `activity_record` and
    # `attendance_add_guest` (and the demo's bulk rows).
    held_on = models.DateField(_("召开日期"), null=True, blank=True, editable=False)

    objects = ScopedQuerySet.as_manager()
    # An attendance row belongs to the activity's organization and, for a guest, to the
    # organization of their home record.
    scope_paths = ("activity__organization__path", "home_organization__path")

    class Meta:
        verbose_name = _("出席记录")
        verbose_name_plural = _("出席记录")
        ordering = ["is_guest", "member__name_pinyin", "id"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "member"], name="attendance_once"),
            models.CheckConstraint(
                condition=Q(is_guest=False) | (Q(status="PRESENT") & Q(can_vote=False)),
                name="attendance_guest_present_no_vote",
            ),
        ]
        indexes = [
            models.Index(fields=["member", "status", "held_on"], name="attendance_member_held_idx")
        ]

    def __str__(self) -> str:
        return f"{self.member} @ {self.activity}"


class VisitingGuest(models.Model):
    """A guest from another deployment at one of our activities: a member we hold no record of,
    checked in on a valid certificate of a trusted issuer (dangjian.certificates). Kept with what
    the certificate says (name, home deployment and organization code, serial, the member's
    public id; never an ID number) until a signed attendance receipt takes it home."""

    public_id = models.UUIDField(_("公开编号"), default=uuid.uuid4, unique=True, editable=False)
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="visiting_guests")
    name = models.CharField(_("姓名"), max_length=60)
    home_issuer = models.CharField(_("所在系统"), max_length=64)
    home_organization_code = models.CharField(_("所在党组织代码"), max_length=64)
    certificate_serial = models.CharField(_("活动证编号"), max_length=16)
    member_public_id = models.UUIDField(_("党员公开编号"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    # The receipt that carried it home (SHA-256 of its payload), once exported.
    receipt_sha256 = models.CharField(_("回执摘要"), max_length=64, blank=True)
    exported_at = models.DateTimeField(_("回执导出时间"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = ("activity__organization__path",)

    class Meta:
        verbose_name = _("外系统来宾")
        verbose_name_plural = _("外系统来宾")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "home_issuer", "member_public_id"], name="visiting_guest_once"
            ),
        ]
        indexes = [models.Index(fields=["home_issuer", "exported_at"], name="visiting_pending_idx")]

    def __str__(self) -> str:
        return f"{self.name} ({self.home_issuer}) @ {self.activity}"


class LifeElsewhere(models.Model):
    """Organizational life a member of ours attended at another deployment, credited from that
    deployment's signed attendance receipt to the branch that holds the member when it came in.
    It counts as organizational life like attendance here (党章 art. 9, the member's record)."""

    member = models.ForeignKey(
        Member, verbose_name=_("党员"), on_delete=models.PROTECT, related_name="life_elsewhere"
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("记入党组织"), on_delete=models.PROTECT, related_name="+"
    )
    on = models.DateField(_("日期"))
    kind = models.CharField(_("活动类型"), max_length=20, choices=ActivityKind.choices)
    topic = models.CharField(_("主题"), max_length=200)
    host_issuer = models.CharField(_("举办方系统"), max_length=64)
    host_organization = models.CharField(_("举办党组织"), max_length=200)
    place = models.CharField(_("地点"), max_length=200, blank=True)
    certificate_serial = models.CharField(_("活动证编号"), max_length=16)
    # The host's id of the guest row: one credit per row, whatever file carries it.
    entry_id = models.UUIDField(_("回执条目编号"))
    receipt_sha256 = models.CharField(_("回执摘要"), max_length=64)
    credited_at = models.DateTimeField(_("记入时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = ("organization__path",)

    class Meta:
        verbose_name = _("异地组织生活")
        verbose_name_plural = _("异地组织生活")
        ordering = ["-on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["host_issuer", "entry_id"], name="life_elsewhere_once"),
        ]
        indexes = [models.Index(fields=["member", "on"], name="life_elsewhere_member_idx")]

    def __str__(self) -> str:
        return f"{self.member} {self.on} @ {self.host_issuer}"


class LifeExemption(TimeStampedModel):
    """A branch's decision that a member who is old or ill need not attend organizational life
    until a review date (the branch takes education to them instead: 送学上门).

    While it runs (`decided_on` ≤ day < `review_on`) the member is out of the 党章 art. 9
    alert for six months without organizational life; at the review date the branch decides
    again. Recorded in the member's archive."""

    member = models.ForeignKey(
        Member, verbose_name=_("党员"), on_delete=models.PROTECT, related_name="life_exemptions"
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("决定的党组织"), on_delete=models.PROTECT, related_name="+"
    )
    reason_kind = models.CharField(_("原因"), max_length=10, choices=ExemptionReason.choices)
    reason = models.CharField(_("具体情况"), max_length=300)
    decision = models.CharField(_("支部决定"), max_length=200)
    decided_on = models.DateField(_("决定日期"))
    review_on = models.DateField(_("复核日期"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ScopedQuerySet.as_manager()
    # How a row reaches the tree (accounts.scope.ScopedQuerySet: restrict, within).
    scope_paths = ("organization__path",)

    class Meta:
        verbose_name = _("免于参加组织生活")
        verbose_name_plural = _("免于参加组织生活")
        ordering = ["member", "-decided_on"]
        indexes = [models.Index(fields=["member", "review_on"], name="life_exemption_member_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(review_on__gt=F("decided_on")),
                name="life_exemption_review_after_decision",
                violation_error_message=_("复核日期须晚于决定日期。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.get_reason_kind_display()} → {self.review_on}"

    def runs_on(self, day: object) -> bool:
        return bool(self.decided_on <= day < self.review_on)  # type: ignore[operator]


class Vote(models.Model):
    """The result of one vote at a branch general meeting, as counts."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="votes")
    subject = models.CharField(_("表决事项"), max_length=200)
    entitled = models.PositiveIntegerField(_("应到会有表决权党员"))
    present = models.PositiveIntegerField(_("实到会有表决权党员"))
    in_favour = models.PositiveIntegerField(_("赞成"))
    against = models.PositiveIntegerField(_("反对"))
    abstained = models.PositiveIntegerField(_("弃权"))
    passed = models.BooleanField(_("通过"))

    class Meta:
        verbose_name = _("表决")
        verbose_name_plural = _("表决")
        ordering = ["activity", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(in_favour__lte=F("present") - F("against") - F("abstained")),
                name="vote_counts_within_present",
            ),
            models.CheckConstraint(condition=Q(present__lte=F("entitled")), name="vote_present"),
        ]

    def __str__(self) -> str:
        return self.subject


def attachment_path(instance: Attachment, filename: str) -> str:
    # The stored name never carries the uploader's file name (kept in original_name).
    import uuid

    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"activities/{instance.activity.organization_id}/{uuid.uuid4().hex}.{suffix}"


class Attachment(models.Model):
    """A photo or document of an activity; served only through a scoped view."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("文件"), upload_to=attachment_path)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class ReviewRound(TimeStampedModel):
    """民主评议党员: one round per branch and year."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("党组织"), on_delete=models.PROTECT, related_name="reviews"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    excellent_cap_percent = models.PositiveSmallIntegerField(
        _("优秀比例上限(%)"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    meeting = models.ForeignKey(
        Activity,
        verbose_name=_("评议会议"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ScopedQuerySet.as_manager()
    # How a row reaches the tree (accounts.scope.ScopedQuerySet: restrict, within).
    scope_paths = ("organization__path",)

    class Meta:
        verbose_name = _("民主评议")
        verbose_name_plural = _("民主评议")
        ordering = ["-year", "organization"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "year"], name="review_once_a_year")
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.year}"

    def get_absolute_url(self) -> str:
        return reverse("activities:review", args=[self.pk])


class ReviewEntry(models.Model):
    review = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="entries")
    member = models.ForeignKey(Member, verbose_name=_("党员"), on_delete=models.PROTECT)
    self_assessment = models.TextField(_("自我评价"), blank=True)
    grade = models.CharField(_("评定等次"), max_length=12, choices=Grade.choices, blank=True)
    handling = models.CharField(_("处置"), max_length=12, choices=Handling.choices, blank=True)
    handling_on = models.DateField(_("处置日期"), null=True, blank=True)
    handling_reason = models.CharField(_("处置依据"), max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()
    # How a row reaches the tree (accounts.scope.ScopedQuerySet: restrict, within).
    scope_paths = ("review__organization__path",)

    class Meta:
        verbose_name = _("评议结果")
        verbose_name_plural = _("评议结果")
        ordering = ["review", "member__name_pinyin"]
        constraints = [
            models.UniqueConstraint(fields=["review", "member"], name="review_entry_once"),
            models.CheckConstraint(
                condition=Q(handling="") | Q(grade="UNQUALIFIED"), name="handling_only_unqualified"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.get_grade_display()}"


class TrainingCourse(TimeStampedModel):
    """党员教育培训: a course (集中培训, 党校, online) made of sessions with class hours."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("举办党组织"), on_delete=models.PROTECT, related_name="courses"
    )
    title = models.CharField(_("培训名称"), max_length=200)
    form = models.CharField(_("培训形式"), max_length=20, choices=TrainingForm.choices)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))

    objects = ScopedQuerySet.as_manager()
    # How a row reaches the tree (accounts.scope.ScopedQuerySet: restrict, within).
    scope_paths = ("organization__path",)

    class Meta:
        verbose_name = _("培训班")
        verbose_name_plural = _("培训班")
        ordering = ["-starts_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="course_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("activities:course", args=[self.pk])


class TrainingSession(models.Model):
    course = models.ForeignKey(TrainingCourse, on_delete=models.CASCADE, related_name="sessions")
    on = models.DateField(_("日期"))
    topic = models.CharField(_("内容"), max_length=200)
    hours = models.DecimalField(
        _("学时"),
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("12"))],
    )
    participants = models.ManyToManyField(Member, related_name="training_sessions", blank=True)

    objects = ScopedQuerySet.as_manager()
    # How a row reaches the tree (accounts.scope.ScopedQuerySet: restrict, within).
    scope_paths = ("course__organization__path",)

    class Meta:
        verbose_name = _("培训课次")
        verbose_name_plural = _("培训课次")
        ordering = ["on", "id"]

    def __str__(self) -> str:
        return f"{self.on} {self.topic}"


class FollowUpItem(TimeStampedModel):
    """整改事项: a follow-up item of a leadership team's meeting (民主生活会, 班子运行情况分析):
    what is to be corrected, who answers for it, by when, and when it was done."""

    activity = models.ForeignKey(
        Activity, verbose_name=_("会议"), on_delete=models.CASCADE, related_name="follow_ups"
    )
    text = models.CharField(_("整改事项"), max_length=300)
    responsible = models.CharField(_("责任人"), max_length=60)
    deadline = models.DateField(_("整改时限"))
    done_on = models.DateField(_("完成日期"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_paths = ("activity__organization__path",)

    class Meta:
        verbose_name = _("整改事项")
        verbose_name_plural = _("整改事项")
        ordering = ["activity", "deadline", "id"]

    def __str__(self) -> str:
        return self.text

    def overdue_on(self, day: object) -> bool:
        return self.done_on is None and self.deadline < day  # type: ignore[operator]
