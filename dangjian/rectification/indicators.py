"""The indicators a 软弱涣散 review reads, each computed from what the system already records.

An indicator measures every organization of a list as of a day in a year and says, in
figures, what it found (`detail`); `describe` turns the figures into a sentence in the
reader's language. Whether a figure makes an organization a candidate is the criterion's
business (`models.Criterion`: a threshold and a direction, with the rule and its source).
Each indicator reads through the selectors or rules of the app that owns the data.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangjian.core.dates import age_on
from dangjian.members.models import Membership
from dangjian.organizations.models import Organization


@dataclass(frozen=True)
class Measure:
    value: Decimal | None  # None: nothing to measure (no data), never a criterion met
    detail: dict[str, Any] = field(default_factory=dict)


Compute = Callable[[Organization, list[Organization], int, dt.date], dict[int, Measure]]


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str | Promise
    compute: Compute  # (committee, organizations, year, on) → {organization id: Measure}
    describe: Callable[[dict[str, Any]], str]


INDICATORS: dict[str, Indicator] = {}


def register_indicator(indicator: Indicator) -> None:
    INDICATORS[indicator.key] = indicator


def _percent(part: Decimal | int, whole: Decimal | int) -> Decimal:
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _in_subtree(path: str, organization: Organization) -> bool:
    return path.startswith(organization.path)


def _paths(committee: Organization) -> dict[int, str]:
    return dict(Organization.objects.under(committee.path).values_list("pk", "path"))


# --- 组织生活 ---------------------------------------------------------------------------------


def _life(
    committee: Organization, organizations: list[Organization], year: int, on: dt.date
) -> dict[int, Measure]:
    """The share of the required meetings (三会一课, 主题党日 …) held in the year by `on`,
    summed over the branches of each organization (activities.selectors.compliance_by_branch)."""
    from dangjian.activities.periods import year as year_period
    from dangjian.activities.selectors import compliance_by_branch

    by_branch = compliance_by_branch(committee, year_period(year), on=on)
    paths = _paths(committee)
    result: dict[int, Measure] = {}
    for organization in organizations:
        required = held = 0
        for branch_id, counts in by_branch.items():
            if _in_subtree(paths.get(branch_id, ""), organization):
                required += sum(c.required for c in counts)
                held += sum(min(c.held, c.required) for c in counts)
        result[organization.pk] = Measure(
            _percent(held, required) if required else None, {"required": required, "held": held}
        )
    return result


def _life_text(detail: dict[str, Any]) -> str:
    if not detail.get("required"):
        return _("本年度尚无应开的组织生活")
    return _("应开 %(required)d 次，已开 %(held)d 次") % detail


# --- 预警 ---------------------------------------------------------------------------------------


def _alerts(
    committee: Organization, organizations: list[Organization], year: int, on: dt.date
) -> dict[int, Measure]:
    """Alerts open now in the organization and below it (alerts app), by rule."""
    from dangjian.alerts.engine import rule_title
    from dangjian.alerts.models import Alert, AlertStatus

    rows = list(
        Alert.objects.within(committee)
        .filter(status=AlertStatus.OPEN)
        .values_list("organization__path", "rule")
        .annotate(n=Count("id"))
        .order_by()
    )
    result: dict[int, Measure] = {}
    for organization in organizations:
        by_rule: dict[str, int] = defaultdict(int)
        for path, rule, n in rows:
            if _in_subtree(path, organization):
                by_rule[rule] += n
        total = sum(by_rule.values())
        rules = sorted(by_rule.items(), key=lambda kv: (-kv[1], kv[0]))
        result[organization.pk] = Measure(
            Decimal(total),
            {"n": total, "rules": [[str(rule_title(r)), n] for r, n in rules]},
        )
    return result


def _alerts_text(detail: dict[str, Any]) -> str:
    text = _("未处理预警 %(n)d 条") % {"n": detail.get("n", 0)}
    if detail.get("rules"):
        text += _("：") + _("、").join(f"{title} {n}" for title, n in detail["rules"])
    return text


# --- 换届 ---------------------------------------------------------------------------------------


def _term(
    committee: Organization, organizations: list[Organization], year: int, on: dt.date
) -> dict[int, Measure]:
    """1 when the organization's term had run out by `on` without a new election, else 0."""
    result: dict[int, Measure] = {}
    for organization in organizations:
        ends = organization.term_ends_on
        overdue = organization.term_is_overdue(on)
        result[organization.pk] = Measure(
            Decimal(1 if overdue else 0), {"ends": ends.isoformat() if ends else ""}
        )
    return result


def _term_text(detail: dict[str, Any]) -> str:
    if not detail.get("ends"):
        return _("未登记任期")
    return _("本届任期至 %(ends)s") % detail


# --- 班子 ---------------------------------------------------------------------------------------


def _leadership(
    committee: Organization, organizations: list[Organization], year: int, on: dt.date
) -> dict[int, Measure]:
    """Branches of the organization without a secretary, or with 7 full members and no
    committee: the alerts app's own rules (secretary_vacant, branch_size), run as of `on`."""
    from dangjian.alerts.rules import branch_size, secretary_vacant

    findings: list[tuple[int, str]] = [
        (case.organization_id, "no_secretary") for case in secretary_vacant(committee, on)
    ]
    findings += [
        (case.organization_id, "no_committee")
        for case in branch_size(committee, on)
        if case.subject.endswith(":no_committee")
    ]
    paths = _paths(committee)
    result: dict[int, Measure] = {}
    for organization in organizations:
        mine = [kind for org_id, kind in findings if _in_subtree(paths[org_id], organization)]
        result[organization.pk] = Measure(
            Decimal(len(mine)),
            {
                "no_secretary": mine.count("no_secretary"),
                "no_committee": mine.count("no_committee"),
            },
        )
    return result


def _leadership_text(detail: dict[str, Any]) -> str:
    parts = []
    if detail.get("no_secretary"):
        parts.append(_("书记空缺 %(no_secretary)d 个") % detail)
    if detail.get("no_committee"):
        parts.append(_("应设未设支委会 %(no_committee)d 个") % detail)
    return _("、").join(parts) if parts else _("班子健全")


# --- 年龄结构 -----------------------------------------------------------------------------------


def _aging(
    committee: Organization, organizations: list[Organization], year: int, on: dt.date
) -> dict[int, Measure]:
    """The average age on `on` of the members on the roster (open membership rows)."""
    # Summed per organization first: a county has ~30,000 members and ~900 organizations.
    count: dict[str, int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    under_40: dict[str, int] = defaultdict(int)
    for path, birth in (
        Membership.objects.within(committee)
        .filter(started_on__lte=on, ended_on__isnull=True)
        .values_list("organization__path", "member__birth_date")
    ):
        age = age_on(birth, on)
        count[path] += 1
        total[path] += age
        under_40[path] += age < 40
    result: dict[int, Measure] = {}
    for organization in organizations:
        mine = [path for path in count if _in_subtree(path, organization)]
        n = sum(count[path] for path in mine)
        if not n:
            result[organization.pk] = Measure(None, {"n": 0})
            continue
        average = (Decimal(sum(total[path] for path in mine)) / n).quantize(
            Decimal("0.1"), ROUND_HALF_UP
        )
        result[organization.pk] = Measure(
            average,
            {"n": n, "average": str(average), "under_40": sum(under_40[path] for path in mine)},
        )
    return result


def _aging_text(detail: dict[str, Any]) -> str:
    if not detail.get("n"):
        return _("没有党员")
    return _("党员 %(n)d 名，平均 %(average)s 岁，40岁以下 %(under_40)d 名") % detail


# --- 党费 ---------------------------------------------------------------------------------------


def _dues(
    committee: Organization, organizations: list[Organization], year: int, on: dt.date
) -> dict[int, Measure]:
    """Dues paid against dues owed for the months of the year that have ended by `on`, from
    the members' accounts (dues.selectors.dues_accounts, the same figures as the dues pages)."""
    from dangjian.dues.selectors import dues_accounts, months_ended_by

    first = dt.date(year, 1, 1)
    last = min(dt.date(year, 12, 1), months_ended_by(on))
    paths = _paths(committee)
    member_ids = (
        Membership.objects.within(committee)
        .filter(started_on__lte=on)
        .exclude(ended_on__lt=first)
        .values_list("member_id", flat=True)
        .distinct()
    )
    due: dict[int, Decimal] = defaultdict(Decimal)
    paid: dict[int, Decimal] = defaultdict(Decimal)
    if last >= first:
        for account in dues_accounts(member_ids, on=on).values():
            for line in account.lines:
                if first <= line.month <= last and line.organization_id in paths:
                    due[line.organization_id] += line.due
                    paid[line.organization_id] += min(line.paid, line.due)
    result: dict[int, Measure] = {}
    for organization in organizations:
        owed = sum((v for k, v in due.items() if _in_subtree(paths[k], organization)), Decimal(0))
        got = sum((v for k, v in paid.items() if _in_subtree(paths[k], organization)), Decimal(0))
        result[organization.pk] = Measure(
            _percent(got, owed) if owed else None, {"due": str(owed), "paid": str(got)}
        )
    return result


def _dues_text(detail: dict[str, Any]) -> str:
    if Decimal(detail.get("due") or 0) == 0:
        return _("本年度尚无应交党费")
    return _("应交 %(due)s 元，已交 %(paid)s 元") % detail


# --- 民主评议 -----------------------------------------------------------------------------------


def _review(
    committee: Organization, organizations: list[Organization], year: int, on: dt.date
) -> dict[int, Measure]:
    """The share of members graded 基本合格 or 不合格 in the year's 民主评议 (activities app)."""
    from dangjian.activities.choices import Grade
    from dangjian.activities.models import ReviewEntry

    rows = list(
        ReviewEntry.objects.within(committee)
        .filter(review__year=year)
        .exclude(grade="")
        .values_list("review__organization__path", "grade")
        .annotate(n=Count("id"))
        .order_by()
    )
    low = {Grade.BASIC, Grade.UNQUALIFIED}
    result: dict[int, Measure] = {}
    for organization in organizations:
        total = poor = unqualified = 0
        for path, grade, n in rows:
            if _in_subtree(path, organization):
                total += n
                poor += n if grade in low else 0
                unqualified += n if grade == Grade.UNQUALIFIED else 0
        result[organization.pk] = Measure(
            _percent(poor, total) if total else None,
            {"total": total, "poor": poor, "unqualified": unqualified},
        )
    return result


def _review_text(detail: dict[str, Any]) -> str:
    if not detail.get("total"):
        return _("本年度未开展民主评议党员")
    return (
        _("参评 %(total)d 名，基本合格及不合格 %(poor)d 名（不合格 %(unqualified)d 名）") % detail
    )


# --- 考核 ---------------------------------------------------------------------------------------


def _assessment(
    committee: Organization, organizations: list[Organization], year: int, on: dt.date
) -> dict[int, Measure]:
    """The total of the latest finished-or-open assessment round of the year or before."""
    from dangjian.assessment.models import Result

    latest: dict[int, tuple[int, Decimal, str]] = {}
    for organization_id, round_year, total, grade in (
        Result.objects.filter(
            organization__in=organizations, round__year__lte=year, total__isnull=False
        )
        .order_by("round__year", "pk")
        .values_list("organization_id", "round__year", "total", "grade")
    ):
        if total is not None:
            latest[organization_id] = (round_year, total, grade)
    result: dict[int, Measure] = {}
    for organization in organizations:
        found = latest.get(organization.pk)
        if found is None:
            result[organization.pk] = Measure(None, {})
            continue
        round_year, total, grade = found
        result[organization.pk] = Measure(
            total, {"year": round_year, "total": str(total), "grade": grade}
        )
    return result


def _assessment_text(detail: dict[str, Any]) -> str:
    if not detail:
        return _("尚无考核结果")
    return _("%(year)d 年度考核 %(total)s 分（%(grade)s）") % detail


for _indicator in (
    Indicator("life_compliance", gettext_lazy("组织生活落实率"), _life, _life_text),
    Indicator("open_alerts", gettext_lazy("未处理预警"), _alerts, _alerts_text),
    Indicator("term_overdue", gettext_lazy("换届逾期"), _term, _term_text),
    Indicator("leadership", gettext_lazy("班子不健全"), _leadership, _leadership_text),
    Indicator("aging", gettext_lazy("党员平均年龄"), _aging, _aging_text),
    Indicator("dues_rate", gettext_lazy("党费收缴率"), _dues, _dues_text),
    Indicator(
        "review_results", gettext_lazy("民主评议基本合格及不合格比例"), _review, _review_text
    ),
    Indicator("assessment_total", gettext_lazy("年度考核得分"), _assessment, _assessment_text),
):
    register_indicator(_indicator)
