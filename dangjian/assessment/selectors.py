"""Reads of assessment rounds: the score table the page and the .xlsx both show."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from dangjian.organizations.models import Organization

from .models import AssessmentRound, Indicator, Result, RoundStatus, Score


def own_results(user: Any) -> QuerySet[Result]:
    """The finished results of organizations in the reader's scope, in rounds held by a
    committee above them (rounds the reader may open are listed whole instead)."""
    return (
        Result.objects.restrict(user)
        .filter(round__status=RoundStatus.FINISHED)
        .exclude(round__in=AssessmentRound.objects.restrict(user))
        .select_related("round__committee", "organization")
        .order_by("-round__year", "organization__path")
    )


@dataclass
class Row:
    organization: Organization
    result: Result
    scores: list[Score | None]


def round_results(assessment: AssessmentRound) -> QuerySet[Result]:
    """The round's results, one per assessed organization, in tree order."""
    return (
        Result.objects.filter(round=assessment)
        .select_related("organization")
        .order_by("organization__path", "pk")
    )


def round_table(
    assessment: AssessmentRound, results: Iterable[Result] | None = None
) -> tuple[list[Indicator], list[Row]]:
    """The active indicators, and a row per assessed organization with its score on each:
    of every result of the round (the .xlsx), or of `results` (a page of them)."""
    indicators = list(Indicator.objects.filter(active=True))
    by_pk = {i.pk: i for i in indicators}
    chosen = list(round_results(assessment) if results is None else results)
    wanted = Score.objects.filter(round=assessment, indicator__active=True)
    if results is not None:
        wanted = wanted.filter(organization_id__in=[r.organization_id for r in chosen])
    scores: dict[tuple[int, int], Score] = {}
    # Each cell shows its indicator's source and who entered it: read them here, not per cell.
    for score in wanted.select_related("entered_by"):
        score.indicator = by_pk[score.indicator_id]
        scores[(score.organization_id, score.indicator_id)] = score
    rows = [
        Row(
            result.organization,
            result,
            [scores.get((result.organization_id, i.pk)) for i in indicators],
        )
        for result in chosen
    ]
    return indicators, rows
