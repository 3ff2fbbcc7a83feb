"""Computed indicator sources: each scores one organization 0–100 from the records, with a basis.

Other apps add theirs (organizational-life compliance, dues collection rate, participation,
recruitment, review results) with `register_source` from their AppConfig.ready.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangjian.core.dates import today
from dangjian.organizations.models import Organization

MANUAL = "manual"


@dataclass(frozen=True)
class Source:
    key: str
    label: str | Promise
    # (organizations, year) → {organization id: (score 0–100, basis)}
    compute: Callable[[list[Organization], int], dict[int, tuple[Decimal, str]]]


SOURCES: dict[str, Source] = {}


def register_source(source: Source) -> None:
    SOURCES[source.key] = source


def _open_alerts(organizations: list[Organization], year: int) -> dict[int, tuple[Decimal, str]]:
    """100 with no open alert in the organization or below it, 10 points less for each."""
    from django.db.models import Count

    from dangjian.alerts.models import Alert, AlertStatus

    by_path = list(
        Alert.objects.filter(status=AlertStatus.OPEN)
        .values_list("organization__path")
        .annotate(n=Count("id"))
    )
    result: dict[int, tuple[Decimal, str]] = {}
    for organization in organizations:
        n = sum(count for path, count in by_path if path.startswith(organization.path))
        result[organization.pk] = (
            Decimal(max(0, 100 - 10 * n)),
            _("未处理预警 %(n)d 条（每条扣10分）") % {"n": n},
        )
    return result


def _as_of(year: int) -> dt.date:
    """The year's last day, or today for a round of the year still running: the months not yet
    come are not required."""
    return min(dt.date(year, 12, 31), today())


def _term_on_time(organizations: list[Organization], year: int) -> dict[int, tuple[Decimal, str]]:
    """100 when the term has not run out by the end of the year (of a year not over: by
    today), else 0."""
    end = _as_of(year)
    result: dict[int, tuple[Decimal, str]] = {}
    for organization in organizations:
        overdue = organization.term_is_overdue(end)
        result[organization.pk] = (
            Decimal(0 if overdue else 100),
            _("任期届满未换届") if overdue else _("按期换届"),
        )
    return result


register_source(Source("open_alerts", gettext_lazy("预警处理"), _open_alerts))
register_source(Source("term_on_time", gettext_lazy("按期换届"), _term_on_time))


def _life_compliance(
    organizations: list[Organization], year: int
) -> dict[int, tuple[Decimal, str]]:
    """The share of the required meetings (三会一课 …) held in the year, summed over the
    branches of each organization: 100 when every requirement was met."""
    from dangjian.activities.periods import year as year_period
    from dangjian.activities.selectors import compliance_by_branch

    if not organizations:
        return {}
    top = min(organizations, key=lambda o: len(o.path))
    root = top.parent if top.parent_id and top.parent else top
    by_branch = compliance_by_branch(root, year_period(year), on=_as_of(year))
    paths = dict(Organization.objects.filter(pk__in=by_branch).values_list("pk", "path"))
    result: dict[int, tuple[Decimal, str]] = {}
    for organization in organizations:
        required = held = 0
        for branch_id, counts in by_branch.items():
            if paths.get(branch_id, "").startswith(organization.path):
                required += sum(c.required for c in counts)
                held += sum(min(c.held, c.required) for c in counts)
        if required:
            score = (Decimal(held) * 100 / Decimal(required)).quantize(Decimal("0.1"))
            result[organization.pk] = (
                score,
                _("应开 %(r)d 次，已开 %(h)d 次") % {"r": required, "h": held},
            )
    return result


register_source(Source("life_compliance", gettext_lazy("组织生活落实"), _life_compliance))
