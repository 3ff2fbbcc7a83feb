"""Recruitment (发展党员): the people in the pipeline, each step they pass, and the time rules."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from dangjian.accounts.scope import ScopedQuerySet
from dangjian.activities.models import Activity, Vote
from dangjian.core import crypto
from dangjian.core.models import TimeStampedModel
from dangjian.members.choices import Education, Occupation, Sex
from dangjian.members.models import Member
from dangjian.organizations.models import Organization

from .choices import REPEATABLE_STEPS, EndReason, RuleKind, RuleUnit, Stage, Step


class Applicant(TimeStampedModel):
    """A person on the way to membership (入党申请人 → 积极分子 → 发展对象 → 预备党员).

    Not a member until the higher committee approves the admission; then `member` points at
    the member record created for them. The ID number is encrypted with a lookup hash, as for
    members. `stage` and `last_step` are kept by the services for fast counts.
    """

    public_id = models.UUIDField(_("公开编号"), default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("所在党组织"),
        on_delete=models.PROTECT,
        related_name="applicants",
    )
    name = models.CharField(_("姓名"), max_length=60)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("出生日期"))
    id_number_encrypted = models.TextField(_("公民身份号码(密文)"), editable=False)
    id_number_hash = models.CharField(
        _("公民身份号码查找值"), max_length=64, unique=True, editable=False
    )
    education = models.CharField(_("学历"), max_length=2, choices=Education.choices)
    occupation = models.CharField(_("工作岗位(职业)"), max_length=20, choices=Occupation.choices)
    work_unit = models.CharField(_("工作单位"), max_length=200, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    stage = models.CharField(
        _("所处阶段"), max_length=20, choices=Stage.choices, default=Stage.APPLICANT
    )
    last_step = models.PositiveSmallIntegerField(_("最近完成的步骤"), choices=Step.choices)
    applied_on = models.DateField(_("申请日期"))
    probation_extension_months = models.PositiveSmallIntegerField(
        _("延长预备期（月）"), null=True, blank=True
    )
    probation_extended_on = models.DateField(_("延长预备期决定日期"), null=True, blank=True)
    ended_on = models.DateField(_("终止日期"), null=True, blank=True)
    end_reason = models.CharField(
        _("终止原因"), max_length=30, choices=EndReason.choices, blank=True, default=""
    )
    end_note = models.CharField(_("终止说明"), max_length=300, blank=True)
    member = models.OneToOneField(
        Member,
        verbose_name=_("党员档案"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="recruitment",
    )

    objects = ScopedQuerySet.as_manager()
    # How a row reaches the tree (accounts.scope.ScopedQuerySet: restrict, within).
    scope_paths = ("organization__path",)

    class Meta:
        verbose_name = _("发展对象记录")
        verbose_name_plural = _("发展对象记录")
        ordering = ["-applied_on", "id"]
        indexes = [models.Index(fields=["organization", "stage"], name="applicant_org_stage_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(probation_extension_months__isnull=True)
                | Q(probation_extension_months__gte=6, probation_extension_months__lte=12),
                name="applicant_extension_6_to_12",
                violation_error_message=_("延长预备期不能少于6个月，不能超过1年。"),
            ),
            models.CheckConstraint(
                condition=(Q(ended_on__isnull=True) & Q(end_reason=""))
                | (Q(ended_on__isnull=False) & ~Q(end_reason="")),
                name="applicant_end_has_reason",
                violation_error_message=_("终止发展须注明原因。"),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("recruitment:detail", args=[self.pk])

    @property
    def id_number(self) -> str:
        """The plain ID number. Callers that show it to a person must audit the reveal."""
        return crypto.decrypt_text(self.id_number_encrypted)

    @property
    def id_number_masked(self) -> str:
        return crypto.mask_id_number(self.id_number)

    @property
    def phone_masked(self) -> str:
        return crypto.mask_phone(self.phone) if self.phone else ""

    @property
    def is_open(self) -> bool:
        return self.ended_on is None and self.stage != Stage.CONVERTED

    # Guards: whether the record's stage allows a step. The finer rules (extended once, not
    # after the conversion vote) give their own messages in the services.

    def can_extend_probation(self) -> bool:
        return self.stage == Stage.PROBATIONARY and self.ended_on is None

    def can_cancel_probation(self) -> bool:
        return self.stage == Stage.PROBATIONARY and self.ended_on is None

    def can_end(self) -> bool:
        """Stopped before admission; once a member, only the probation can be cancelled."""
        return self.ended_on is None and self.member_id is None


class StepRecord(models.Model):
    """One step of a person's record (全程纪实): its date, people, documents, votes, opinions."""

    applicant = models.ForeignKey(Applicant, on_delete=models.CASCADE, related_name="steps")
    step = models.PositiveSmallIntegerField(_("步骤"), choices=Step.choices)
    on = models.DateField(_("日期"))
    people = models.CharField(
        _("参与人员"), max_length=300, blank=True, help_text=_("如谈话人、推荐人、审查人。")
    )
    members = models.ManyToManyField(
        Member,
        verbose_name=_("培养联系人 / 入党介绍人"),
        blank=True,
        related_name="recruitment_roles",
    )
    documents = models.CharField(_("材料"), max_length=300, blank=True)
    opinion = models.TextField(_("意见或情况"), blank=True)
    # The meeting that decided the step (a general meeting for steps 15 and 23): its date is
    # the step's date and, for a vote, its roll gives 应到 and 实到 (decision 0145). Records
    # made before meetings were linked keep the counts typed then, without a meeting.
    meeting = models.ForeignKey(
        Activity,
        verbose_name=_("会议"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # The vote as recorded on that meeting (its decision item); the counts below are a copy.
    meeting_vote = models.OneToOneField(
        Vote,
        verbose_name=_("会议表决事项"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="recruitment_step",
    )
    entitled = models.PositiveIntegerField(_("应到会有表决权的正式党员"), null=True, blank=True)
    present = models.PositiveIntegerField(_("实到会有表决权的正式党员"), null=True, blank=True)
    votes_for = models.PositiveIntegerField(_("赞成"), null=True, blank=True)
    votes_against = models.PositiveIntegerField(_("反对"), null=True, blank=True)
    votes_abstaining = models.PositiveIntegerField(_("弃权"), null=True, blank=True)
    training_hours = models.PositiveIntegerField(_("培训学时"), null=True, blank=True)
    exception_reason = models.CharField(_("例外说明"), max_length=300, blank=True)
    exception_rules = models.CharField(
        _("未满足的时间规定"), max_length=600, blank=True, editable=False
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    # How a row reaches the tree (accounts.scope.ScopedQuerySet: restrict, within).
    scope_paths = ("applicant__organization__path",)

    class Meta:
        verbose_name = _("发展步骤")
        verbose_name_plural = _("发展步骤")
        ordering = ["applicant", "step", "on", "id"]
        indexes = [models.Index(fields=["step", "on"], name="steprecord_step_on_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["applicant", "step"],
                condition=~Q(step__in=sorted(REPEATABLE_STEPS)),
                name="steprecord_once_per_step",
                violation_error_message=_("该步骤已记录，不能重复记录。"),
            ),
            models.CheckConstraint(
                condition=Q(present__isnull=True)
                | Q(entitled__isnull=True)
                | Q(present__lte=F("entitled")),
                name="steprecord_present_within_entitled",
                violation_error_message=_("实到人数不能多于应到人数。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.applicant} {self.step} {self.on}"

    @property
    def is_exception(self) -> bool:
        return bool(self.exception_reason)


class TimeRule(models.Model):
    """A time limit between two steps (or a minimum of training hours), with its source.

    National rules ship as rows without an organization; a local row applies to an
    organization and everything below it, and replaces a national row with the same steps
    and kind there (the nearest organization wins).
    """

    code = models.SlugField(_("代码"), max_length=60)
    from_step = models.PositiveSmallIntegerField(_("起始步骤"), choices=Step.choices)
    to_step = models.PositiveSmallIntegerField(_("目标步骤"), choices=Step.choices)
    kind = models.CharField(_("类型"), max_length=3, choices=RuleKind.choices)
    amount = models.PositiveIntegerField(_("数值"))
    unit = models.CharField(_("单位"), max_length=20, choices=RuleUnit.choices)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("适用党组织（空为全国）"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="recruitment_rules",
    )
    description = models.CharField(_("规定"), max_length=200)
    source = models.CharField(_("依据"), max_length=200)
    is_local_practice = models.BooleanField(_("地方通行做法"), default=False)

    class Meta:
        verbose_name = _("发展党员时间规定")
        verbose_name_plural = _("发展党员时间规定")
        ordering = ["to_step", "from_step", "kind", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(organization__isnull=True),
                name="timerule_one_national_per_code",
            ),
            models.UniqueConstraint(
                fields=["code", "organization"],
                name="timerule_one_local_per_code_org",
                violation_error_message=_("该党组织已有这条规定的本地版本。"),
            ),
            models.CheckConstraint(
                condition=Q(from_step__lte=F("to_step")),
                name="timerule_steps_in_order",
                violation_error_message=_("起始步骤不能在目标步骤之后。"),
            ),
        ]

    def __str__(self) -> str:
        return self.description

    def interval_text(self) -> str:
        return f"{self.get_kind_display()}{self.amount}{self.get_unit_display()}"

    def bound(self, start: dt.date) -> dt.date:
        """The first (MIN) or last (MAX) allowed date counted from `start`."""
        from .rules import add_interval

        return add_interval(start, self.amount, RuleUnit(self.unit))
