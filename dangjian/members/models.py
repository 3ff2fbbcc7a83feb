"""Members, their dated organization memberships, positions, and the electronic archive."""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce, Greatest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from dangjian.accounts.scope import ScopedQuerySet
from dangjian.core import crypto
from dangjian.core.fields import SealedJSONField, unseal
from dangjian.core.models import TimeStampedModel
from dangjian.organizations.models import Organization

from .choices import (
    ArchiveKind,
    Degree,
    Education,
    Ethnicity,
    FamilyRelation,
    HowAdded,
    HowRemoved,
    MemberCategory,
    MemberStatus,
    Occupation,
    PoliticalStatus,
    PositionTitle,
    Sex,
    TripPurpose,
)


class Member(TimeStampedModel):
    """A party member (党员): the national member record, one row per person.

    The member's organization is not a field here: it is the open `Membership` row. The row
    carries that organization's path (`organization_path`), kept by the database.
    The citizen ID number is stored encrypted with a keyed lookup hash for uniqueness.
    """

    public_id = models.UUIDField(_("公开编号"), default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("姓名"), max_length=60)
    name_pinyin = models.CharField(_("姓名全拼"), max_length=200, editable=False, db_index=True)
    name_initials = models.CharField(_("姓名首字母"), max_length=60, editable=False, db_index=True)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices)
    ethnicity = models.CharField(
        _("民族"), max_length=2, choices=Ethnicity.choices, default=Ethnicity.HAN
    )
    id_number_encrypted = models.TextField(_("公民身份号码(密文)"), editable=False)
    # Unique through Meta.constraints: `unique=True` would add a LIKE index on PostgreSQL.
    id_number_hash = models.CharField(_("公民身份号码查找值"), max_length=64, editable=False)
    birth_date = models.DateField(_("出生日期"))
    native_place = models.CharField(_("籍贯"), max_length=60, blank=True)
    education = models.CharField(_("学历"), max_length=2, choices=Education.choices)
    degree = models.CharField(
        _("学位"), max_length=1, choices=Degree.choices, blank=True, default=""
    )
    occupation = models.CharField(_("工作岗位(职业)"), max_length=20, choices=Occupation.choices)
    work_unit = models.CharField(_("工作单位"), max_length=200, blank=True)
    post = models.CharField(_("职务"), max_length=100, blank=True)
    # Indexed through Meta.indexes: `db_index=True` would add a LIKE index on PostgreSQL.
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    address = models.CharField(_("家庭住址"), max_length=200, blank=True)
    category = models.CharField(_("人员类别"), max_length=20, choices=MemberCategory.choices)
    joined_on = models.DateField(_("入党日期"))
    full_member_on = models.DateField(_("转正日期"), null=True, blank=True)
    status = models.CharField(
        _("党籍状态"), max_length=20, choices=MemberStatus.choices, default=MemberStatus.NORMAL
    )
    in_hardship = models.BooleanField(_("困难党员"), default=False)
    is_retired = models.BooleanField(_("离退休"), default=False)
    is_migrant_worker = models.BooleanField(_("农民工"), default=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登录账号"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="member",
    )
    # The path of the organization of the member's latest membership row (a removed member
    # stays with the organization that last held them), '' while there is none. Triggers of
    # migration 0011 keep it on both databases; no code writes it (what a save writes is
    # replaced by what the memberships say). A subtree of members is one index range
    # (decision 0290).
    organization_path = models.CharField(
        _("所在党组织路径"), max_length=255, editable=False, db_default=""
    )

    objects = ScopedQuerySet.as_manager()
    # A member reaches the tree through their latest membership row, by the path it carries,
    # and a member sees their own record.
    scope_paths = ("organization_path",)
    scope_self = "user_id"

    class Meta:
        verbose_name = _("党员")
        verbose_name_plural = _("党员")
        ordering = ["name_pinyin", "id"]
        indexes = [
            models.Index(fields=["status", "category"], name="member_status_category_idx"),
            models.Index(fields=["birth_date"], name="member_birth_date_idx"),
            # Equality only. The phone search is `contains`, which no B-tree serves, and the
            # lookup hash is compared whole; a `varchar_pattern_ops` twin of either index (what
            # a CharField's db_index or unique adds on PostgreSQL) served no query and cost
            # every imported row ~3 % of its database time (decision 0279).
            models.Index(fields=["phone"], name="member_phone_idx"),
            # `organization_path LIKE '/1/7/%'`: every scoped read of members; with the status
            # beside it, a subtree's roster (`status IN …`) or its mobile members are one range
            # of this index, never ANDed with the status index's 177,000 mobile members of a
            # province (decision 0291).
            models.Index(
                fields=["organization_path", "status"],
                name="member_org_path_status_idx",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops"],
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["id_number_hash"], name="member_id_number_hash_unique"),
            models.CheckConstraint(
                condition=Q(full_member_on__isnull=True) | Q(full_member_on__gt=F("joined_on")),
                name="member_full_after_joined",
                violation_error_message=_("转正日期必须晚于入党日期。"),
            ),
            models.CheckConstraint(
                condition=Q(joined_on__gt=F("birth_date")),
                name="member_joined_after_birth",
                violation_error_message=_("入党日期必须晚于出生日期。"),
            ),
            models.CheckConstraint(
                condition=~Q(category=MemberCategory.FULL) | Q(full_member_on__isnull=False),
                name="member_full_has_date",
                violation_error_message=_("正式党员必须填写转正日期。"),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("members:detail", args=[self.pk])

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

    def age_on(self, on: dt.date) -> int:
        from dangjian.core.dates import age_on

        return age_on(self.birth_date, on)

    def party_standing_years(self, on: dt.date) -> int | None:
        """党龄: full years from the date of full membership (党章 art. 7)."""
        if self.full_member_on is None or self.full_member_on > on:
            return None
        from dangjian.core.dates import age_on

        return age_on(self.full_member_on, on)


def membership_last_change() -> Greatest:
    """A membership row's last date: when it ended, or when it started while open. A member
    none of whose rows changed after a day was in the same organization on that day as today
    (the annual report's reading of a past day, decision 0294); indexed
    (`membership_last_change_idx`) so that the few rows changed since a recent day are found
    without reading them all."""
    return Greatest("started_on", Coalesce("ended_on", "started_on"))


class Membership(models.Model):
    """A dated period of a member's organizational relationship (组织关系) with one organization.

    At most one row per member is open (`ended_on` empty): the member's current organization.
    `is_latest` marks the most recent row, open or closed, so a removed member stays visible
    to the organization that last held them.
    """

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="memberships")
    # No index of its own: membership_org_latest_idx (organization, is_latest) begins with it
    # and serves every lookup by organization (decision 0279).
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("党组织"),
        on_delete=models.PROTECT,
        related_name="memberships",
        db_index=False,
    )
    started_on = models.DateField(_("起始日期"))
    ended_on = models.DateField(_("截止日期"), null=True, blank=True)
    how_added = models.CharField(_("增加方式"), max_length=20, choices=HowAdded.choices)
    how_removed = models.CharField(
        _("减少方式"), max_length=20, choices=HowRemoved.choices, blank=True, default=""
    )
    is_latest = models.BooleanField(_("最近一条"), default=True, editable=False)

    objects = ScopedQuerySet.as_manager()
    # How a row reaches the tree (accounts.scope.ScopedQuerySet: restrict, within).
    scope_paths = ("organization__path",)

    class Meta:
        verbose_name = _("组织关系")
        verbose_name_plural = _("组织关系")
        ordering = ["member", "started_on", "id"]
        indexes = [
            models.Index(fields=["organization", "is_latest"], name="membership_org_latest_idx"),
            models.Index(membership_last_change(), name="membership_last_change_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(ended_on__isnull=True),
                name="membership_one_open_per_member",
                violation_error_message=_("该党员已在一个党组织中，不能同时属于两个党组织。"),
            ),
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(is_latest=True),
                name="membership_one_latest_per_member",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="membership_ends_after_start",
                violation_error_message=_("组织关系的截止日期不能早于起始日期。"),
            ),
            models.CheckConstraint(
                condition=(Q(ended_on__isnull=True) & Q(how_removed=""))
                | (Q(ended_on__isnull=False) & ~Q(how_removed="")),
                name="membership_removed_iff_ended",
                violation_error_message=_("结束组织关系时必须注明减少方式。"),
            ),
        ]

    def __str__(self) -> str:
        end = self.ended_on.isoformat() if self.ended_on else "…"
        return f"{self.member} @ {self.organization} {self.started_on}–{end}"


class Position(models.Model):
    """A leadership position (书记, 副书记, 委员) held by a member in an organization, dated."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("党组织"), on_delete=models.CASCADE, related_name="positions"
    )
    member = models.ForeignKey(
        Member, verbose_name=_("党员"), on_delete=models.PROTECT, related_name="positions"
    )
    title = models.CharField(_("职务"), max_length=20, choices=PositionTitle.choices)
    started_on = models.DateField(_("任职日期"))
    ended_on = models.DateField(_("免职日期"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    # How a row reaches the tree (accounts.scope.ScopedQuerySet: restrict, within).
    scope_paths = ("organization__path",)

    class Meta:
        verbose_name = _("领导职务")
        verbose_name_plural = _("领导职务")
        ordering = ["organization", "title", "started_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization"],
                condition=Q(title=PositionTitle.SECRETARY, ended_on__isnull=True),
                name="position_one_secretary",
                violation_error_message=_("该党组织已有在任书记，请先免去原书记。"),
            ),
            models.UniqueConstraint(
                fields=["organization", "member"],
                condition=Q(ended_on__isnull=True),
                name="position_one_open_per_member_org",
                violation_error_message=_("该党员已在本组织任职。"),
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="position_ends_after_start",
                violation_error_message=_("免职日期不能早于任职日期。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.get_title_display()} {self.member}"


class FamilyMember(TimeStampedModel):
    """One row of the member's 家庭成员 information set (national member record).

    The relative's name is personal data: stored encrypted like the member's ID number, shown
    masked (`name_masked`) to a reader who may not reveal the member's own numbers, and kept
    out of archive summaries and audit events.
    """

    member = models.ForeignKey(
        Member, verbose_name=_("党员"), on_delete=models.CASCADE, related_name="family"
    )
    relation = models.CharField(_("称谓"), max_length=20, choices=FamilyRelation.choices)
    name_encrypted = models.TextField(_("姓名(密文)"), editable=False)
    birth_year = models.PositiveSmallIntegerField(_("出生年份"), null=True, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    political_status = models.CharField(
        _("政治面貌"), max_length=2, choices=PoliticalStatus.choices, blank=True, default=""
    )
    work_unit = models.CharField(_("工作单位"), max_length=200, blank=True)
    post = models.CharField(_("职务"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("家庭成员")
        verbose_name_plural = _("家庭成员")
        ordering = ["member", "id"]

    def __str__(self) -> str:  # never the name: str() ends up in audit summaries
        return f"{self.member} {self.get_relation_display()}"

    @property
    def name(self) -> str:
        """The plain name. Show it only where the member's own numbers are shown in full."""
        return crypto.decrypt_text(self.name_encrypted) if self.name_encrypted else ""

    @property
    def name_masked(self) -> str:
        return crypto.mask_name(self.name)


class TripAbroad(TimeStampedModel):
    """One row of the member's 出国出境 information set: out, back, where, why, approved by."""

    member = models.ForeignKey(
        Member, verbose_name=_("党员"), on_delete=models.CASCADE, related_name="trips"
    )
    left_on = models.DateField(_("出境日期"))
    returned_on = models.DateField(_("回国（入境）日期"), null=True, blank=True)
    destination = models.CharField(_("前往国家（地区）"), max_length=100)
    purpose = models.CharField(_("事由"), max_length=10, choices=TripPurpose.choices)
    approval = models.CharField(_("审批单位及文号"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("出国出境")
        verbose_name_plural = _("出国出境")
        ordering = ["member", "-left_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(returned_on__isnull=True) | Q(returned_on__gte=F("left_on")),
                name="trip_returns_after_leaving",
                violation_error_message=_("回国（入境）日期不能早于出境日期。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.destination} {self.left_on.isoformat()}"


class MassOrganizationYear(TimeStampedModel):
    """群团组织情况 of one village or unit organization in one year (党建带团建): only what the
    system cannot derive. Young party members and women members are counted from the roster."""

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("党组织"),
        on_delete=models.CASCADE,
        related_name="mass_organization_years",
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    has_league = models.BooleanField(_("建有团组织"), default=False)
    league_members = models.PositiveIntegerField(_("团员人数"), default=0)
    has_women_organization = models.BooleanField(_("建有妇女组织"), default=False)

    objects = ScopedQuerySet.as_manager()
    scope_paths = ("organization__path",)

    class Meta:
        verbose_name = _("群团组织情况")
        verbose_name_plural = _("群团组织情况")
        ordering = ["organization", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "year"],
                name="mass_organization_one_per_year",
                violation_error_message=_("该党组织本年度的群团组织情况已经填报。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.year}"


# Archive keys whose values are as sensitive as the live field: stored encrypted
# (core.fields.SealedJSONField), shown as the live value is shown to a reader who may not
# reveal it (ID and phone masked; the address as on the member page; a relative's name masked).
SEALED_ARCHIVE_KEYS = ("id_number", "phone", "address", "family_name")
MASKED_ARCHIVE_KEYS = {
    "id_number": crypto.mask_id_number,
    "phone": crypto.mask_phone,
    "family_name": crypto.mask_name,
}


class ArchiveEntry(models.Model):
    """One entry of the electronic archive (党员电子档案): who changed what, when, and why.

    ID numbers, phone numbers and addresses in `before` and `after` are stored encrypted and
    shown masked (`changes`); `plain_before` / `plain_after` open them for a transfer package.
    """

    # No index of its own: archive_member_at_idx (member, -at) begins with it (decision 0279).
    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="archive", db_index=False
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    effective_on = models.DateField(_("生效日期"), null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    kind = models.CharField(_("类别"), max_length=30, choices=ArchiveKind.choices)
    summary = models.CharField(_("摘要"), max_length=300)
    before = SealedJSONField(_("变更前"), default=dict, blank=True, sealed_keys=SEALED_ARCHIVE_KEYS)
    after = SealedJSONField(_("变更后"), default=dict, blank=True, sealed_keys=SEALED_ARCHIVE_KEYS)
    reason = models.CharField(_("原因"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("档案记录")
        verbose_name_plural = _("档案记录")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["member", "-at"], name="archive_member_at_idx")]

    def __str__(self) -> str:
        return f"{self.member} {self.get_kind_display()} {self.summary}"

    def changes(self) -> list[tuple[str, str | None, str | None]]:
        """(field label, before, after) with labels and coded values shown in the reader's
        language; the stored before/after keep field names and codes."""
        keys = list(dict.fromkeys([*self.before, *self.after]))
        return [
            (
                _archive_label(key),
                _archive_value(key, self.before[key]) if key in self.before else None,
                _archive_value(key, self.after.get(key)),
            )
            for key in keys
        ]

    def plain_before(self) -> dict[str, object]:
        return {key: unseal(value) for key, value in self.before.items()}

    def plain_after(self) -> dict[str, object]:
        return {key: unseal(value) for key, value in self.after.items()}


# Keys in archive before/after that are not fields of Member.
_ARCHIVE_KEYS: dict[str, tuple[StrOrPromise, type[models.TextChoices] | None]] = {
    "id_number": (_("公民身份号码"), None),
    "organization": (_("党组织"), None),
    "how_added": (_("增加方式"), HowAdded),
    "how_removed": (_("减少方式"), HowRemoved),
    "title": (_("职务"), PositionTitle),
    "family_name": (_("家庭成员姓名"), None),
    "birth_year": (_("出生年份"), None),
    "relation": (_("称谓"), FamilyRelation),
    "political_status": (_("政治面貌"), PoliticalStatus),
    "destination": (_("前往国家（地区）"), None),
    "purpose": (_("事由"), TripPurpose),
    "left_on": (_("出境日期"), None),
    "returned_on": (_("回国（入境）日期"), None),
    "approval": (_("审批单位及文号"), None),
}


def _archive_label(key: str) -> str:
    if key in _ARCHIVE_KEYS:
        return str(_ARCHIVE_KEYS[key][0])
    try:
        return str(getattr(Member._meta.get_field(key), "verbose_name", key))
    except FieldDoesNotExist:
        return key


def _archive_value(key: str, value: object) -> str | None:
    value = unseal(value)
    if value is None or value == "":
        return None
    if key in MASKED_ARCHIVE_KEYS:  # older entries kept the old, weaker mask: mask it again
        return MASKED_ARCHIVE_KEYS[key](str(value))
    if isinstance(value, bool):
        return str(_("是") if value else _("否"))
    choices = _ARCHIVE_KEYS[key][1] if key in _ARCHIVE_KEYS else None
    if choices is None:
        try:
            field = Member._meta.get_field(key)
        except FieldDoesNotExist:
            return str(value)
        flat = dict(getattr(field, "flatchoices", None) or [])
        return str(flat.get(value, value))
    try:
        return str(choices(str(value)).label)
    except ValueError:
        return str(value)
