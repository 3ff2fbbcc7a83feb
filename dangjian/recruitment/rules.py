"""Time rules and the other checks of the 细则: date arithmetic, which rows apply, the vote.

The rows live in `TimeRule` (seeded by migration 0002 with the national rules); this module
turns them into findings that name the rule and its source.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _

from dangjian.organizations.models import Organization

from .choices import RuleKind, RuleUnit, Step
from .models import TimeRule

MIN_AGE = 18
AGE_SOURCE = "《中国共产党章程》第一条；《中国共产党发展党员工作细则》第二章"
VOTE_SOURCE = "《中国共产党发展党员工作细则》第五章"
SPONSOR_SOURCE = "《中国共产党章程》第五条；《中国共产党发展党员工作细则》第四章"
MENTOR_SOURCE = "《中国共产党发展党员工作细则》第三章"
EXTENSION_SOURCE = "《中国共产党章程》第七条"
# The rule whose interval is the probation: an extension lengthens it.
PROBATION_RULE = "probation-one-year"


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later; a day the month lacks becomes its last day."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def add_working_days(day: dt.date, count: int) -> dt.date:
    """The `count`-th working day (Monday to Friday) after `day`.

    Public holidays are not known to the system; a notice that spans one is recorded with an
    exception and its reason.
    """
    current = day
    while count > 0:
        current += dt.timedelta(days=1)
        if current.weekday() < 5:
            count -= 1
    return current


def add_interval(day: dt.date, amount: int, unit: RuleUnit) -> dt.date:
    if unit == RuleUnit.DAYS:
        return day + dt.timedelta(days=amount)
    if unit == RuleUnit.WORKING_DAYS:
        return add_working_days(day, amount)
    if unit == RuleUnit.MONTHS:
        return add_months(day, amount)
    if unit == RuleUnit.YEARS:
        return add_months(day, 12 * amount)
    raise ValueError(f"{unit} is not a time unit")


def rules_for(organization: Organization) -> dict[str, TimeRule]:
    """The rules in force for an organization: national rows, replaced by the nearest local ones."""
    rows = TimeRule.objects.filter(
        Q(organization__isnull=True) | Q(organization__path__in=organization.ancestor_paths())
    ).select_related("organization")
    return resolve(list(rows), organization.path)


def resolve(rows: list[TimeRule], path: str) -> dict[str, TimeRule]:
    """From all rows (loaded once), the ones in force at the organization with `path`."""
    chosen: dict[str, TimeRule] = {}
    depth: dict[str, int] = {}
    for rule in rows:
        if rule.organization is not None and not path.startswith(rule.organization.path):
            continue
        level = len(rule.organization.path) if rule.organization else 0
        if rule.code not in chosen or level > depth[rule.code]:
            chosen[rule.code], depth[rule.code] = rule, level
    return chosen


@dataclass(frozen=True)
class Violation:
    rule: TimeRule
    message: str

    @property
    def text(self) -> str:
        return _("不符合“%(rule)s”（%(interval)s，依据：%(source)s）：%(detail)s") % {
            "rule": self.rule.description,
            "interval": self.rule.interval_text(),
            "source": self.rule.source,
            "detail": self.message,
        }


def rule_bound(rule: TimeRule, start: dt.date, extension_months: int | None = None) -> dt.date:
    bound = rule.bound(start)
    if rule.code == PROBATION_RULE and extension_months:
        bound = add_months(bound, extension_months)
    return bound


def check_rule(
    rule: TimeRule,
    *,
    start: dt.date | None,
    on: dt.date,
    training_hours: int | None = None,
    extension_months: int | None = None,
) -> Violation | None:
    """Whether recording `rule.to_step` on `on` keeps the rule; `start` is the from-step's date."""
    if rule.unit == RuleUnit.HOURS:
        hours = training_hours or 0
        if rule.kind == RuleKind.MINIMUM and hours < rule.amount:
            return Violation(
                rule, _("培训 %(h)d 学时，少于 %(n)d 学时。") % {"h": hours, "n": rule.amount}
            )
        if rule.kind == RuleKind.MAXIMUM and hours > rule.amount:
            return Violation(rule, _("培训 %(h)d 学时。") % {"h": hours})
        return None
    if start is None:
        return None
    bound = rule_bound(rule, start, extension_months)
    values = {
        "from": Step(rule.from_step).label,
        "start": start.isoformat(),
        "bound": bound.isoformat(),
        "on": on.isoformat(),
    }
    if rule.kind == RuleKind.MINIMUM and on < bound:
        return Violation(
            rule,
            _("“%(from)s”在 %(start)s，本步骤最早应在 %(bound)s，所填日期为 %(on)s。") % values,
        )
    if rule.kind == RuleKind.MAXIMUM and on > bound:
        return Violation(
            rule,
            _("“%(from)s”在 %(start)s，本步骤最迟应在 %(bound)s，所填日期为 %(on)s。") % values,
        )
    return None


@dataclass(frozen=True)
class Vote:
    """The branch general meeting's vote; `entitled` and `present` count full members with a vote."""

    entitled: int
    present: int
    votes_for: int
    votes_against: int
    votes_abstaining: int

    @property
    def has_quorum(self) -> bool:
        """More than half of the members entitled to vote are present."""
        return self.present * 2 > self.entitled

    @property
    def votes_needed(self) -> int:
        """More than half of all full members entitled to vote, not of those present."""
        return self.entitled // 2 + 1

    @property
    def passed(self) -> bool:
        return self.has_quorum and self.votes_for >= self.votes_needed


@dataclass(frozen=True)
class Ballot:
    """How those present voted; who was entitled and present comes from the meeting's roll."""

    votes_for: int
    votes_against: int = 0
    votes_abstaining: int = 0


def vote_errors(vote: Vote) -> list[str]:
    """What is wrong with a vote, in Chinese; empty when it is valid and passed."""
    if vote.entitled <= 0:
        return [_("请填写应到会有表决权的正式党员人数。")]
    if vote.present > vote.entitled:
        return [
            _("实到人数（%(p)d）不能多于应到人数（%(e)d）。")
            % {"p": vote.present, "e": vote.entitled}
        ]
    cast = vote.votes_for + vote.votes_against + vote.votes_abstaining
    if cast > vote.present:
        return [
            _("赞成、反对、弃权合计 %(c)d 票，多于实到人数 %(p)d。")
            % {"c": cast, "p": vote.present}
        ]
    if not vote.has_quorum:
        return [
            _(
                "到会有表决权的正式党员 %(p)d 名，未超过应到 %(e)d 名的半数，会议不能表决"
                "（依据：%(source)s）。"
            )
            % {"p": vote.present, "e": vote.entitled, "source": VOTE_SOURCE}
        ]
    if not vote.passed:
        return [
            _(
                "赞成 %(f)d 票，未超过应到会有表决权的正式党员 %(e)d 名的半数（至少须 %(n)d 票；"
                "以应到人数而非实到人数计），未获通过（依据：%(source)s）。"
            )
            % {
                "f": vote.votes_for,
                "e": vote.entitled,
                "n": vote.votes_needed,
                "source": VOTE_SOURCE,
            }
        ]
    return []
