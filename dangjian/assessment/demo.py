"""The demo county's finished assessment round (DemoContext.assessed_year: last year until
June, then this year as far as the day), so every assessed branch sees its grade."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from dangjian.core.extensions import DemoContext

from . import services
from .models import AssessmentRound, RoundStatus, Score
from .sources import MANUAL


def build_demo_assessment(context: DemoContext) -> None:
    rng = context.rng("assessment")
    year = context.assessed_year
    assessment = AssessmentRound.objects.create(
        committee=context.county, year=year, created_by=context.builder
    )
    services.round_compute(actor=context.builder, assessment=assessment)
    now = timezone.now()
    manual = list(Score.objects.filter(round=assessment, indicator__source=MANUAL))
    for score in manual:
        score.value = Decimal(rng.choice([62, 70, 75, 78, 82, 85, 88, 90, 93, 96]))
        score.basis = "书记抓党建述职评议"
        score.entered_by = context.builder
        score.entered_at = now
    Score.objects.bulk_update(
        manual, ["value", "basis", "entered_by", "entered_at"], batch_size=1000
    )
    services._totals(assessment)
    assessment.status = RoundStatus.FINISHED
    assessment.save(update_fields=["status"])
