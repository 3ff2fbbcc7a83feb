"""The demo county's 软弱涣散 review of the year before the reference day: the candidates the
records give, two listed with a case each (one with progress notes), one not listed."""

from __future__ import annotations

import datetime as dt

from dangjian.core.extensions import DemoContext

from . import services
from .models import Case, Decision, ProgressNote


def build_demo_rectification(context: DemoContext) -> None:
    year = context.reference_day.year - 1
    review = services.review_create(
        actor=context.builder, committee=context.county, year=year, on=dt.date(year, 12, 31)
    )
    candidates = list(review.candidates.select_related("organization").order_by("rank")[:3])
    deadline = context.reference_day + dt.timedelta(days=180)
    for number, candidate in enumerate(candidates):
        listed = number < 2
        candidate.decision = Decision.LISTED if listed else Decision.NOT_LISTED
        candidate.reason = (
            "班子不健全、组织生活不经常，经县委组织部研判列为整顿对象"
            if listed
            else "书记新任，已有整改计划，列入重点关注，暂不列为整顿对象"
        )
        candidate.decided_by = context.builder
        candidate.save(update_fields=["decision", "reason", "decided_by"])
        if listed:
            case = Case.objects.create(
                candidate=candidate,
                organization=candidate.organization,
                cadre="县委组织部 组织科 陈干部",
                measures="选优配强支部书记；按月召开支部委员会和主题党日；清理党费欠交",
                deadline=deadline,
            )
            if number == 0:
                ProgressNote.objects.create(
                    case=case,
                    on=context.reference_day - dt.timedelta(days=20),
                    text="召开支部党员大会补选书记，制定整顿方案",
                    written_by=context.builder,
                )
