"""软弱涣散 in /api/v1/rectification/: reviews with their candidates and evidence, cases, the
committee's decision, progress notes and closing. Scoped like the pages (out of scope: 404)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from dangjian.accounts.http import AuthenticatedHttpRequest
from dangjian.core.api import ErrorOut, In, PageOf, Pages

from . import selectors, services
from .models import Candidate, Case, Criterion, Review

router = Router(tags=["软弱涣散整顿"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}


class EvidenceOut(Schema):
    indicator: str
    label: str
    value: str | None
    text: str
    met: bool
    threshold: str
    direction: str
    rule: str
    source: str


class CandidateOut(Schema):
    id: int
    organization_code: str
    organization_name: str
    rank: int
    criteria_met: int
    decision: str
    reason: str
    case_id: int | None
    evidence: list[EvidenceOut]


class ReviewOut(Schema):
    id: int
    committee_code: str
    committee_name: str
    year: int
    status: str
    computed_on: dt.date


class ReviewDetailOut(ReviewOut):
    candidates: list[CandidateOut]


class NoteOut(Schema):
    on: dt.date
    text: str


class CaseOut(Schema):
    id: int
    organization_code: str
    organization_name: str
    year: int
    cadre: str
    measures: str
    deadline: dt.date
    status: str
    override_reason: str
    notes: list[NoteOut]


class DecisionIn(In):
    listed: bool
    reason: str = Field(..., max_length=500)
    cadre: str = Field("", max_length=100)
    measures: str = Field("", max_length=2000)
    deadline: dt.date | None = None


class NoteIn(In):
    on: dt.date
    text: str = Field(..., max_length=1000)


class CloseIn(In):
    override_reason: str = Field("", max_length=500, description="指标未全部恢复时必填")


class CriterionOut(Schema):
    id: int
    indicator: str
    name: str
    threshold: str
    direction: str
    active: bool
    note: str
    rule: str
    source: str
    local_practice: bool


class CriterionIn(In):
    threshold: Decimal = Field(..., description="标准（百分比类指标 0–100）")
    direction: str = Field(..., max_length=10, description="BELOW 或 AT_LEAST")
    active: bool
    note: str = Field("", max_length=300)


def _criterion(criterion: Criterion) -> dict[str, Any]:
    return {
        "id": criterion.pk,
        "indicator": criterion.indicator,
        "name": criterion.name,
        "threshold": str(criterion.threshold),
        "direction": criterion.direction,
        "active": criterion.active,
        "note": criterion.note,
        "rule": criterion.rule,
        "source": criterion.source,
        "local_practice": criterion.local_practice,
    }


@router.get("/criteria/", response={200: list[CriterionOut], **ERRORS})
def criterion_list(request: HttpRequest) -> list[dict[str, Any]]:
    """The criteria of the review with their rule and source (everyone signed in reads them)."""
    return [_criterion(c) for c in selectors.criteria()]


@router.put("/criteria/{int:criterion_id}", response={200: CriterionOut, **ERRORS})
def criterion_update(
    request: AuthenticatedHttpRequest, criterion_id: int, payload: CriterionIn
) -> dict[str, Any]:
    """The county administrator changes a criterion (403 for anyone else); audited."""
    criterion = Criterion.objects.get(pk=criterion_id)
    return _criterion(
        services.criterion_update(
            actor=request.user,
            criterion=criterion,
            threshold=payload.threshold,
            direction=payload.direction,
            active=payload.active,
            note=payload.note,
        )
    )


def _review(review: Review) -> dict[str, Any]:
    return {
        "id": review.pk,
        "committee_code": review.committee.code,
        "committee_name": review.committee.name,
        "year": review.year,
        "status": review.status,
        "computed_on": review.computed_on,
    }


def _candidate(candidate: Candidate) -> dict[str, Any]:
    case = getattr(candidate, "case", None)
    return {
        "id": candidate.pk,
        "organization_code": candidate.organization.code,
        "organization_name": candidate.organization.name,
        "rank": candidate.rank,
        "criteria_met": candidate.criteria_met,
        "decision": candidate.decision,
        "reason": candidate.reason,
        "case_id": case.pk if case else None,
        "evidence": [vars(line) for line in selectors.evidence_lines(candidate.evidence)],
    }


def _case(case: Case) -> dict[str, Any]:
    return {
        "id": case.pk,
        "organization_code": case.organization.code,
        "organization_name": case.organization.name,
        "year": case.candidate.review.year,
        "cadre": case.cadre,
        "measures": case.measures,
        "deadline": case.deadline,
        "status": case.status,
        "override_reason": case.override_reason,
        "notes": [{"on": n.on, "text": n.text} for n in case.notes.all()],
    }


@router.get("/reviews/", response={200: list[ReviewOut], **ERRORS})
@paginate(Pages, page_size=50)
def review_list(request: HttpRequest) -> PageOf:
    """The yearly reviews of committees in scope, newest first."""
    reviews = (
        selectors.scoped_reviews(request.user)
        .select_related("committee")
        .order_by("-year", "committee__path")
    )
    return PageOf(reviews, lambda rows: [_review(r) for r in rows])


@router.get("/reviews/{int:review_id}", response={200: ReviewDetailOut, **ERRORS})
def review_detail(request: HttpRequest, review_id: int) -> dict[str, Any]:
    """A review with its candidates in rank order, each with the evidence of every criterion."""
    review = selectors.review_get(user=request.user, pk=review_id)
    return _review(review) | {"candidates": [_candidate(c) for c in selectors.candidates(review)]}


@router.post(
    "/reviews/{int:review_id}/candidates/{int:candidate_id}/decision",
    response={200: CandidateOut, **ERRORS},
)
def candidate_decide(
    request: AuthenticatedHttpRequest, review_id: int, candidate_id: int, payload: DecisionIn
) -> dict[str, Any]:
    """The committee's decision: listed (with cadre, measures, deadline) or not, and why."""
    review = selectors.review_get(user=request.user, pk=review_id)
    candidate = selectors.candidates(review).get(pk=candidate_id)
    services.candidate_decide(
        actor=request.user,
        candidate=candidate,
        listed=payload.listed,
        reason=payload.reason,
        cadre=payload.cadre,
        measures=payload.measures,
        deadline=payload.deadline,
    )
    return _candidate(selectors.candidates(review).get(pk=candidate_id))


@router.get("/cases/", response={200: list[CaseOut], **ERRORS})
@paginate(Pages, page_size=50)
def case_list(request: HttpRequest) -> PageOf:
    """整顿 cases in scope: open first, by deadline."""
    cases = (
        selectors.scoped_cases(request.user)
        .select_related("organization", "candidate__review")
        .prefetch_related("notes")
        .order_by("status", "deadline", "organization__path")
    )
    return PageOf(cases, lambda rows: [_case(c) for c in rows])


@router.get("/cases/{int:case_id}", response={200: CaseOut, **ERRORS})
def case_detail(request: HttpRequest, case_id: int) -> dict[str, Any]:
    return _case(selectors.case_get(user=request.user, pk=case_id))


@router.post("/cases/{int:case_id}/notes", response={201: CaseOut, **ERRORS})
def case_note_add(request: AuthenticatedHttpRequest, case_id: int, payload: NoteIn) -> Status[Any]:
    """A progress note, by the listed organization or the committee."""
    case = selectors.case_get(user=request.user, pk=case_id)
    services.case_note_add(actor=request.user, case=case, on=payload.on, text=payload.text)
    return Status(201, _case(selectors.case_get(user=request.user, pk=case_id)))


@router.post("/cases/{int:case_id}/close", response={200: CaseOut, **ERRORS})
def case_close(request: AuthenticatedHttpRequest, case_id: int, payload: CloseIn) -> dict[str, Any]:
    """销号: refused with `not_recovered` while an indicator has not recovered, unless
    `override_reason` says why the committee closes it anyway."""
    case = selectors.case_get(user=request.user, pk=case_id)
    services.case_close(actor=request.user, case=case, override_reason=payload.override_reason)
    return _case(selectors.case_get(user=request.user, pk=case_id))
