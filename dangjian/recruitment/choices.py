"""The 5 stages and 25 steps of recruitment (中国共产党发展党员工作细则, 2014) and rule kinds."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from dangjian.activities.choices import ActivityKind


class Stage(models.TextChoices):
    """Where a person stands in the pipeline."""

    APPLICANT = "APPLICANT", _("入党申请人")
    ACTIVIST = "ACTIVIST", _("入党积极分子")
    CANDIDATE = "CANDIDATE", _("发展对象")
    PROBATIONARY = "PROBATIONARY", _("预备党员")
    CONVERTED = "CONVERTED", _("已转正")
    ENDED = "ENDED", _("已终止")


class Step(models.IntegerChoices):
    """The 25 steps, numbered as in the 细则."""

    APPLICATION = 1, _("递交入党申请书")
    FIRST_TALK = 2, _("党组织派人谈话")
    RECOMMENDATION = 3, _("推荐入党积极分子（党员推荐、群团推优）")
    ACTIVIST_CHOSEN = 4, _("确定入党积极分子并报上级党委备案")
    MENTORS_ASSIGNED = 5, _("指定培养联系人")
    ACTIVIST_REVIEW = 6, _("培养教育考察（每半年考察一次）")
    CANDIDATE_CHOSEN = 7, _("确定发展对象")
    CANDIDATE_FILED = 8, _("报上级党委备案")
    SPONSORS = 9, _("确定入党介绍人")
    POLITICAL_REVIEW = 10, _("进行政治审查")
    TRAINING = 11, _("开展集中培训")
    BRANCH_REVIEW = 12, _("支部委员会审查")
    PRE_REVIEW = 13, _("上级党委预审")
    APPLICATION_FORM = 14, _("填写入党志愿书")
    ADMISSION_VOTE = 15, _("支部大会讨论表决")
    HIGHER_TALK = 16, _("上级党委派人谈话")
    ADMISSION_APPROVED = 17, _("上级党委审批")
    ADMISSION_FILED = 18, _("再上一级党委组织部门备案")
    PLACED = 19, _("编入党支部和党小组")
    OATH = 20, _("入党宣誓")
    PROBATION_REVIEW = 21, _("继续教育考察")
    CONVERSION_APPLICATION = 22, _("提出转正申请")
    CONVERSION_VOTE = 23, _("支部大会讨论表决转正")
    CONVERSION_APPROVED = 24, _("上级党委审批转正")
    ARCHIVED = 25, _("材料归档")


# Steps recorded more than once (a review every half year, observation during probation).
REPEATABLE_STEPS = frozenset({Step.ACTIVIST_REVIEW, Step.PROBATION_REVIEW})
VOTE_STEPS = frozenset({Step.ADMISSION_VOTE, Step.CONVERSION_VOTE})

# Steps decided at a meeting, and the kinds of meeting that decide them (细则 第三章至第六章):
# the branch committee chooses activists and candidates and reviews a candidate (a branch
# without a committee decides in its general meeting); the general meeting votes on admission
# and on full membership. A vote step takes the meeting's attendance from its roll (decision
# 0145); the other steps name the meeting when the secretary picks one.
COMMITTEE_OR_GENERAL = (ActivityKind.COMMITTEE_MEETING, ActivityKind.GENERAL_MEETING)
MEETING_KINDS: dict[int, tuple[str, ...]] = {
    Step.ACTIVIST_CHOSEN: COMMITTEE_OR_GENERAL,
    Step.CANDIDATE_CHOSEN: COMMITTEE_OR_GENERAL,
    Step.BRANCH_REVIEW: COMMITTEE_OR_GENERAL,
    Step.ADMISSION_VOTE: (ActivityKind.GENERAL_MEETING,),
    Step.CONVERSION_VOTE: (ActivityKind.GENERAL_MEETING,),
}

# The 5 stages of the 细则 as headings of the record, with their steps.
STAGE_GROUPS = [
    (_("一、入党申请人"), range(1, 3)),
    (_("二、入党积极分子的确定和培养教育"), range(3, 7)),
    (_("三、发展对象的确定和考察"), range(7, 12)),
    (_("四、预备党员的接收"), range(12, 19)),
    (_("五、预备党员的教育考察和转正"), range(19, 26)),
]


def stage_for_step(highest: int) -> Stage:
    """The stage a person is in once `highest` is the latest step recorded."""
    if highest >= Step.CONVERSION_APPROVED:
        return Stage.CONVERTED
    if highest >= Step.ADMISSION_APPROVED:
        return Stage.PROBATIONARY
    if highest >= Step.CANDIDATE_CHOSEN:
        return Stage.CANDIDATE
    if highest >= Step.ACTIVIST_CHOSEN:
        return Stage.ACTIVIST
    return Stage.APPLICANT


class RuleKind(models.TextChoices):
    MINIMUM = "MIN", _("不少于")
    MAXIMUM = "MAX", _("不超过")


class RuleUnit(models.TextChoices):
    DAYS = "DAYS", _("天")
    WORKING_DAYS = "WORKING_DAYS", _("个工作日")
    MONTHS = "MONTHS", _("个月")
    YEARS = "YEARS", _("年")
    HOURS = "HOURS", _("学时")


class EndReason(models.TextChoices):
    WITHDREW = "WITHDREW", _("本人撤回申请")
    NOT_CONTINUED = "NOT_CONTINUED", _("不再列为培养对象")
    NOT_APPROVED = "NOT_APPROVED", _("未获通过")
    LEFT = "LEFT", _("调离或迁出")
    PROBATION_CANCELLED = "PROBATION_CANCELLED", _("取消预备党员资格")
