"""The criteria a deployment starts with: which indicator, the line, the rule and its source.

Data, not code: the data migration writes these rows and an administrator edits them (local
practice differs). Thresholds marked 本地做法 were fixed by no national text. The national
situations (情形) quoted are those organization departments list for 软弱涣散基层党组织 (班子配备
不齐、书记长期缺职; 组织制度形同虚设、不开展组织活动 …); the system can measure only the ones its
records show, and the committee decides (docs/rectification.md).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

# (indicator, name, threshold, direction, rule, source)
DEFAULT_CRITERIA: list[tuple[str, str, Decimal, str, str, str]] = [
    (
        "leadership",
        "班子不健全",
        Decimal(1),
        "AT_LEAST",
        "书记空缺，或正式党员7人以上而未设支部委员会",
        "《中国共产党支部工作条例（试行）》（2018）支部委员会设置；"
        "软弱涣散情形“班子配备不齐、书记长期缺职”",
    ),
    (
        "life_compliance",
        "组织生活落实率",
        Decimal(60),
        "BELOW",
        "年度应开的三会一课、主题党日、组织生活会等落实不足60%",
        "《中国共产党支部工作条例（试行）》（2018）组织生活制度；"
        "软弱涣散情形“组织制度形同虚设、不开展组织活动”；60%为本地做法",
    ),
    (
        "term_overdue",
        "换届逾期",
        Decimal(1),
        "AT_LEAST",
        "任期届满未按期换届",
        "党章第三十一条；《中国共产党基层组织选举工作条例》（2020）：党支部、党总支任期3年，"
        "基层党委及村、社区党组织5年",
    ),
    (
        "open_alerts",
        "未处理预警",
        Decimal(5),
        "AT_LEAST",
        "本组织及下级未处理的预警5条及以上",
        "本系统预警规则（/work/shared/RULES.md 所列各项规定）；条数为本地做法",
    ),
    (
        "dues_rate",
        "党费收缴率",
        Decimal(80),
        "BELOW",
        "年内已到期党费收缴率低于80%",
        "《关于中国共产党党费收缴、使用和管理的规定》（中组发〔2008〕3号）；80%为本地做法",
    ),
    (
        "review_results",
        "民主评议结果",
        Decimal(20),
        "AT_LEAST",
        "年度民主评议中基本合格及不合格党员占20%及以上",
        "《中国共产党支部工作条例（试行）》（2018）民主评议党员每年一次；20%为本地做法",
    ),
    (
        "aging",
        "党员平均年龄",
        Decimal(60),
        "AT_LEAST",
        "党员平均年龄60岁及以上，队伍老化",
        "本系统年龄结构预警（DANGJIAN_RULES aging_average_age）；本地做法",
    ),
    (
        "assessment_total",
        "年度考核得分",
        Decimal(60),
        "BELOW",
        "最近一次党组织年度考核得分低于60分（最低等次）",
        "本系统党组织考核（DANGJIAN_RULES assessment_grades 最低等次）；本地做法",
    ),
]


def seed_criteria(criterion_model: Any) -> None:
    """Write the default criteria where none exist (the migration; tests after a flush)."""
    if criterion_model.objects.exists():
        return
    for order, (indicator, name, threshold, direction, rule, source) in enumerate(DEFAULT_CRITERIA):
        criterion_model.objects.create(
            indicator=indicator,
            name=name,
            threshold=threshold,
            direction=direction,
            rule=rule,
            source=source,
            order=order,
        )
