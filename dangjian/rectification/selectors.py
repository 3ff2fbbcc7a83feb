"""Scoped reads of reviews, candidates and cases, and the figures of the annual report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from dangjian.accounts.scope import ScopedQuerySet
from dangjian.organizations.models import Organization

from .indicators import INDICATORS
from .models import Candidate, Case, CaseStatus, Criterion, Decision, Direction, Review


def scoped_reviews(user: Any) -> ScopedQuerySet[Review]:
    return Review.objects.restrict(user)


def review_get(*, user: Any, pk: int) -> Review:
    return scoped_reviews(user).select_related("committee").get(pk=pk)


def scoped_cases(user: Any) -> ScopedQuerySet[Case]:
    return Case.objects.restrict(user)


def case_get(*, user: Any, pk: int) -> Case:
    return (
        scoped_cases(user)
        .select_related("organization", "candidate__review__committee", "closed_by")
        .get(pk=pk)
    )


def candidates(review: Review) -> QuerySet[Candidate]:
    return review.candidates.select_related("organization", "case").order_by("rank")


def criteria() -> list[Criterion]:
    return list(Criterion.objects.all())


@dataclass
class CriterionChange:
    """One change of a criterion, read from the audit trail: who, when, what from and to."""

    at: Any
    actor: str
    name: str
    changes: list[tuple[str, str, str]]


def criteria_history(limit: int = 50) -> list[CriterionChange]:
    """The criteria's changes, newest first (the audit events criterion_update writes)."""
    from dangjian.audit.selectors import audit_events_on

    names = {str(c.pk): c for c in Criterion.objects.all()}
    events = audit_events_on(
        targets=[("rectification.criterion", pk) for pk in names], actions=["UPDATE"]
    ).select_related("actor")[:limit]
    labels = {
        "threshold": _("标准"),
        "direction": _("判定"),
        "active": _("启用"),
        "note": _("说明"),
    }

    def shown(key: str, value: Any) -> str:
        if key == "direction" and value in Direction.values:
            return str(Direction(value).label)
        if key == "active":
            return str(_("是") if value else _("否"))
        return str(value) if value not in (None, "") else "—"

    result = []
    for event in events:
        changed = (event.detail or {}).get("changed", {})
        criterion = names.get(event.target_id)
        result.append(
            CriterionChange(
                at=event.at,
                actor=str(event.actor) if event.actor else "—",
                name=criterion.name if criterion else event.target_id,
                changes=[
                    (str(labels.get(key, key)), shown(key, pair[0]), shown(key, pair[1]))
                    for key, pair in changed.items()
                ],
            )
        )
    return result


@dataclass
class EvidenceLine:
    indicator: str
    label: str
    value: str | None
    text: str
    met: bool
    threshold: str
    direction: str
    rule: str
    source: str


def evidence_lines(evidence: list[dict[str, Any]]) -> list[EvidenceLine]:
    """Stored evidence as the reader sees it: the indicator's name and sentence in the reader's
    language, and the rule and source of its criterion."""
    by_indicator = {c.indicator: c for c in Criterion.objects.all()}
    lines = []
    for item in evidence:
        indicator = INDICATORS.get(item["indicator"])
        criterion = by_indicator.get(item["indicator"])
        lines.append(
            EvidenceLine(
                indicator=item["indicator"],
                label=str(indicator.label) if indicator else item["indicator"],
                value=item.get("value"),
                text=indicator.describe(item.get("detail") or {}) if indicator else "",
                met=bool(item.get("met")),
                threshold=item.get("threshold", ""),
                direction=item.get("direction", ""),
                rule=criterion.rule if criterion else "",
                source=criterion.source if criterion else "",
            )
        )
    return lines


@dataclass
class YearFigures:
    candidates: int
    listed: int
    not_listed: int
    pending: int
    closed: int
    closed_recovered: int
    closed_overridden: int
    open: int


def year_figures(organization: Organization, year: int) -> YearFigures:
    """The annual report's figures for the subtree: the year's review and its cases."""
    counts = (
        Candidate.objects.within(organization)
        .filter(review__year=year)
        .aggregate(
            total=Count("id"),
            listed=Count("id", filter=Q(decision=Decision.LISTED)),
            not_listed=Count("id", filter=Q(decision=Decision.NOT_LISTED)),
            pending=Count("id", filter=Q(decision=Decision.PENDING)),
        )
    )
    cases = (
        Case.objects.within(organization)
        .filter(candidate__review__year=year)
        .aggregate(
            closed=Count("id", filter=Q(status=CaseStatus.CLOSED)),
            overridden=Count("id", filter=Q(status=CaseStatus.CLOSED) & ~Q(override_reason="")),
            open=Count("id", filter=Q(status=CaseStatus.OPEN)),
        )
    )
    return YearFigures(
        candidates=counts["total"],
        listed=counts["listed"],
        not_listed=counts["not_listed"],
        pending=counts["pending"],
        closed=cases["closed"],
        closed_recovered=cases["closed"] - cases["overridden"],
        closed_overridden=cases["overridden"],
        open=cases["open"],
    )
