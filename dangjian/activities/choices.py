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
    # The leadership team's own (领导班子): held by a committee, not a branch (decision 0220).
    DEMOCRATIC_LIFE = "DEMOCRATIC_LIFE", _("民主生活会")
    TEAM_ANALYSIS = "TEAM_ANALYSIS", _("班子运行情况分析")
    OTHER = "OTHER", _("其他")


# Kinds of the leadership team of a committee (地方党委, 党委, 党工委): required of committees
# only, attended by the team (the open positions), with follow-up items (整改事项).
LEADERSHIP_KINDS = frozenset({ActivityKind.DEMOCRATIC_LIFE, ActivityKind.TEAM_ANALYSIS})


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
    ActivityKind.DEMOCRATIC_LIFE: _("民主生活会"),
    ActivityKind.TEAM_ANALYSIS: _("班子运行分析"),
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
    HALF_YEAR = "HALF_YEAR", _("每半年")
    YEAR = "YEAR", _("每年")


PERIOD_MONTHS = {
    FrequencyPeriod.MONTH: 1,
    FrequencyPeriod.QUARTER: 3,
    FrequencyPeriod.HALF_YEAR: 6,
    FrequencyPeriod.YEAR: 12,
}


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
    # Committees only (LEADERSHIP_KINDS): 民主生活会 once a year (《县以上党和国家机关党员领导干部
    # 民主生活会若干规定》 art. 4; 乡镇 and other grassroots committees by the same practice), and
    # an analysis of how the team runs every half year (local practice, the seed's county rule).
    (ActivityKind.DEMOCRATIC_LIFE, FrequencyPeriod.YEAR, 1),
    (ActivityKind.TEAM_ANALYSIS, FrequencyPeriod.HALF_YEAR, 1),
]


class ExemptionReason(models.TextChoices):
    """Why a member is excused from attending organizational life (decided by the branch)."""

    OLD = "OLD", _("年老体弱")
    ILL = "ILL", _("患病")
    OTHER = "OTHER", _("其他行动不便")
