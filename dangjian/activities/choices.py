"""Coded values of organizational life (RULES.md, "Organizational life")."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ActivityKind(models.TextChoices):
    GENERAL_MEETING = "GENERAL_MEETING", _("支部党员大会")
    COMMITTEE_MEETING = "COMMITTEE_MEETING", _("支部委员会会议")
    GROUP_MEETING = "GROUP_MEETING", _("党小组会")
    PARTY_LECTURE = "PARTY_LECTURE", _("党课")
    THEME_DAY = "THEME_DAY", _("主题党日")
    LIFE_MEETING = "LIFE_MEETING", _("组织生活会")
    REVIEW_MEETING = "REVIEW_MEETING", _("民主评议党员会议")
    TALK = "TALK", _("谈心谈话")
    # Education taken to members who cannot come (old, ill): counts as organizational life
    # for the members it lists, and for no one else (docs/organizational-life.md).
    HOME_EDUCATION = "HOME_EDUCATION", _("送学上门")
    OTHER = "OTHER", _("其他")


# Short names for the compliance sentence ("支委会 3/3").
SHORT_LABELS = {
    ActivityKind.GENERAL_MEETING: _("支部党员大会"),
    ActivityKind.COMMITTEE_MEETING: _("支委会"),
    ActivityKind.GROUP_MEETING: _("党小组会"),
    ActivityKind.PARTY_LECTURE: _("党课"),
    ActivityKind.THEME_DAY: _("主题党日"),
    ActivityKind.LIFE_MEETING: _("组织生活会"),
    ActivityKind.REVIEW_MEETING: _("民主评议"),
    ActivityKind.TALK: _("谈心谈话"),
    ActivityKind.HOME_EDUCATION: _("送学上门"),
}


class ActivityStatus(models.TextChoices):
    PLANNED = "PLANNED", _("计划")
    HELD = "HELD", _("已召开")
    CANCELLED = "CANCELLED", _("已取消")


class AttendanceStatus(models.TextChoices):
    PRESENT = "PRESENT", _("出席")
    LEAVE = "LEAVE", _("请假")
    ABSENT = "ABSENT", _("缺席")


class AttendanceVia(models.TextChoices):
    MANUAL = "manual", _("书记录入")
    CERTIFICATE = "certificate", _("出示活动证明")


class FrequencyPeriod(models.TextChoices):
    MONTH = "MONTH", _("每月")
    QUARTER = "QUARTER", _("每季度")
    YEAR = "YEAR", _("每年")


PERIOD_MONTHS = {FrequencyPeriod.MONTH: 1, FrequencyPeriod.QUARTER: 3, FrequencyPeriod.YEAR: 12}


class Grade(models.TextChoices):
    EXCELLENT = "EXCELLENT", _("优秀")
    QUALIFIED = "QUALIFIED", _("合格")
    BASIC = "BASIC", _("基本合格")
    UNQUALIFIED = "UNQUALIFIED", _("不合格")


class Handling(models.TextChoices):
    CORRECT = "CORRECT", _("限期改正")
    PERSUADE = "PERSUADE", _("劝其退党")
    STRIKE_OFF = "STRIKE_OFF", _("除名")


class TrainingForm(models.TextChoices):
    CENTRAL = "CENTRAL", _("集中培训")
    PARTY_SCHOOL = "PARTY_SCHOOL", _("党校")
    ONLINE = "ONLINE", _("网络培训")


# The defaults of RULES.md, seeded into FrequencyRule by migration 0002.
DEFAULT_FREQUENCIES: list[tuple[str, str, int]] = [
    (ActivityKind.GENERAL_MEETING, FrequencyPeriod.QUARTER, 1),
    (ActivityKind.COMMITTEE_MEETING, FrequencyPeriod.MONTH, 1),
    (ActivityKind.GROUP_MEETING, FrequencyPeriod.MONTH, 1),
    (ActivityKind.PARTY_LECTURE, FrequencyPeriod.QUARTER, 1),
    (ActivityKind.THEME_DAY, FrequencyPeriod.MONTH, 1),
    (ActivityKind.LIFE_MEETING, FrequencyPeriod.YEAR, 1),
    (ActivityKind.REVIEW_MEETING, FrequencyPeriod.YEAR, 1),
    (ActivityKind.TALK, FrequencyPeriod.YEAR, 1),
]


class ExemptionReason(models.TextChoices):
    """Why a member is excused from attending organizational life (decided by the branch)."""

    OLD = "OLD", _("年老体弱")
    ILL = "ILL", _("患病")
    OTHER = "OTHER", _("其他行动不便")
