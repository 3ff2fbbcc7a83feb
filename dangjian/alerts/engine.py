"""The rule engine: each rule finds its cases; recompute turns cases into alerts with a history.

A rule is a function (root organization, date) → cases. A case says what is wrong, which
organization is responsible, how to fix it and where. Rules of other apps register themselves
with `register_rule` (from their AppConfig.ready) and are run like these.

Thresholds that are policy are read from settings.DANGJIAN_RULES, with the defaults below, so a
deployment changes them without code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.functional import Promise

from dangjian.organizations.models import Organization

DEFAULTS: dict[str, Any] = {
    "lost_contact_months": 6,
    "suspended_years": 2,
    "term_due_days": 90,
    "aging_no_member_under": 40,
    "aging_average_age": 60,
    "snooze_max_days": 180,
    "art9_months": 6,
    "transfer_in_transit_days": 30,
    "letter_expiring_days": 14,
}


def threshold(name: str) -> Any:
    return getattr(settings, "DANGJIAN_RULES", {}).get(name, DEFAULTS[name])


@dataclass(frozen=True)
class Case:
    organization_id: int
    subject: str
    message: str
    fix: str
    url: str = ""
    member_id: int | None = None


@dataclass(frozen=True)
class Rule:
    code: str
    title: str | Promise
    source: str | Promise
    find: Callable[[Organization, dt.date], Iterable[Case]]


RULES: dict[str, Rule] = {}


def register_rule(rule: Rule) -> None:
    RULES[rule.code] = rule


def rule_title(code: str) -> str:
    rule = RULES.get(code)
    return str(rule.title) if rule else code
