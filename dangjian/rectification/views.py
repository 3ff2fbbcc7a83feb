"""软弱涣散 pages: reviews, candidates with evidence and the committee's decisions, cases."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangjian.accounts.http import AuthenticatedHttpRequest
from dangjian.accounts.scope import scope_for
from dangjian.core.dates import today
from dangjian.core.forms import run_form, run_service
from dangjian.core.workbooks import XLSX_TYPE
from dangjian.organizations.choices import COMMITTEE_KINDS, OrgKind
from dangjian.organizations.models import Organization

from . import selectors, services
from .forms import CloseForm, CriterionForm, DecideForm, NoteForm, ReviewForm
from .models import Candidate, Case, CaseStatus, Criterion, Decision, Review, ReviewStatus

REVIEWING_KINDS = {*COMMITTEE_KINDS, OrgKind.LOCAL_COMMITTEE}


def _review(request: HttpRequest, pk: int) -> Review:
    try:
        return selectors.review_get(user=request.user, pk=pk)
    except ObjectDoesNotExist as exc:
        raise Http404 from exc


def _case(request: HttpRequest, pk: int) -> Case:
    try:
        return selectors.case_get(user=request.user, pk=pk)
    except ObjectDoesNotExist as exc:
        raise Http404 from exc


def review_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    committees = list(
        Organization.objects.restrict(scope, "manage")
        .filter(kind__in=REVIEWING_KINDS, dissolved_on__isnull=True)
        .order_by("path")
    )
    form = ReviewForm(
        request.POST if request.method == "POST" else None,
        committees=committees,
        initial={"year": today().year},
    )
    if done := run_form(
        request,
        form,
        lambda data: services.review_create(
            actor=request.user,
            committee=next(c for c in committees if c.pk == data["committee"]),
            year=data["year"],
        ),
    ):
        return redirect("rectification:review", done.result.pk)
    reviews = (
        selectors.scoped_reviews(request.user)
        .select_related("committee")
        .order_by("-year", "committee__path")
    )
    cases = (
        selectors.scoped_cases(request.user)
        .select_related("organization", "candidate__review")
        .order_by("status", "deadline", "organization__path")
    )
    return render(
        request,
        "rectification/list.html",
        {"form": form, "committees": committees, "reviews": reviews, "cases": cases},
    )


def review_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    review = _review(request, pk)
    can_manage = scope_for(request.user).can_manage_path(review.committee.path)
    rows = [
        (candidate, selectors.evidence_lines(candidate.evidence))
        for candidate in selectors.candidates(review)
    ]
    return render(
        request,
        "rectification/review.html",
        {
            "review": review,
            "rows": rows,
            "can_manage": can_manage and review.status == ReviewStatus.OPEN,
            "decide_form": DecideForm(),
            "pending": Decision.PENDING,
        },
    )


def candidate_decide(request: AuthenticatedHttpRequest, pk: int, candidate: int) -> HttpResponse:
    review = _review(request, pk)
    try:
        chosen = selectors.candidates(review).get(pk=candidate)
    except Candidate.DoesNotExist as exc:
        raise Http404 from exc
    form = DecideForm(request.POST if request.method == "POST" else None)
    if run_form(
        request,
        form,
        lambda data: services.candidate_decide(
            actor=request.user,
            candidate=chosen,
            listed=data["decision"] == "LISTED",
            reason=data["reason"],
            cadre=data["cadre"],
            measures=data["measures"],
            deadline=data["deadline"],
        ),
        _("已记录研判结果。"),
    ):
        return redirect("rectification:review", review.pk)
    return render(
        request,
        "rectification/decide.html",
        {
            "review": review,
            "candidate": chosen,
            "lines": selectors.evidence_lines(chosen.evidence),
            "form": form,
        },
    )


@require_POST
def review_action(request: AuthenticatedHttpRequest, pk: int, action: str) -> HttpResponse:
    review = _review(request, pk)
    if action == "recompute":
        run_service(
            request,
            lambda: services.review_recompute(actor=request.user, review=review),
            _("已按最新数据重新计算。"),
        )
    elif action == "finish":
        run_service(
            request,
            lambda: services.review_finish(actor=request.user, review=review),
            _("整顿对象已确定。"),
        )
    else:
        raise Http404
    return redirect("rectification:review", review.pk)


def case_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    scope = scope_for(request.user)
    is_open = case.status == CaseStatus.OPEN
    note_form = NoteForm(
        request.POST if request.method == "POST" and "text" in request.POST else None,
        initial={"on": today()},
    )
    if run_form(
        request,
        note_form,
        lambda data: services.case_note_add(
            actor=request.user, case=case, on=data["on"], text=data["text"]
        ),
        _("已记录整顿进展。"),
    ):
        return redirect(case)
    lines = services.case_check(case) if is_open else case.closing_evidence
    return render(
        request,
        "rectification/case.html",
        {
            "case": case,
            "listed_on": selectors.evidence_lines(case.candidate.met()),
            "now": list(zip(selectors.evidence_lines(lines), lines, strict=True)),
            "recovered": all(line.get("recovered") for line in lines),
            "notes": case.notes.select_related("written_by"),
            "note_form": note_form,
            "close_form": CloseForm(),
            "can_note": is_open and scope.can_manage_path(case.organization.path),
            "can_close": is_open and scope.can_manage_path(case.candidate.review.committee.path),
        },
    )


def case_close(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    case = _case(request, pk)
    form = CloseForm(request.POST if request.method == "POST" else None)
    if run_form(
        request,
        form,
        lambda data: services.case_close(
            actor=request.user, case=case, override_reason=data["override_reason"]
        ),
        _("整顿已销号。"),
    ):
        return redirect(case)
    for error in form.non_field_errors():
        messages.error(request, str(error))
    return redirect(case)


def criteria(request: AuthenticatedHttpRequest) -> HttpResponse:
    from .indicators import INDICATORS

    rows = [(c, INDICATORS.get(c.indicator)) for c in selectors.criteria()]
    can_edit = services.can_edit_criteria(request.user)
    return render(
        request,
        "rectification/criteria.html",
        {
            "rows": rows,
            "can_edit": can_edit,
            "history": selectors.criteria_history() if can_edit else [],
        },
    )


def criterion_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The county administrator changes a criterion's line, direction, use and note."""
    from .indicators import INDICATORS

    if not services.can_edit_criteria(request.user):
        raise Http404
    try:
        criterion = Criterion.objects.get(pk=pk)
    except Criterion.DoesNotExist as exc:
        raise Http404 from exc
    form = CriterionForm(
        request.POST if request.method == "POST" else None,
        initial={
            "threshold": criterion.threshold,
            "direction": criterion.direction,
            "active": criterion.active,
            "note": criterion.note,
        },
    )
    if run_form(
        request,
        form,
        lambda data: services.criterion_update(actor=request.user, criterion=criterion, **data),
        _("排查标准已修改，此后的排查和重新计算按新标准。"),
    ):
        return redirect("rectification:criteria")
    return render(
        request,
        "rectification/criterion_edit.html",
        {"criterion": criterion, "indicator": INDICATORS.get(criterion.indicator), "form": form},
    )


def _xlsx(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def review_export(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    review = _review(request, pk)
    body = services.review_export(actor=request.user, review=review)
    return _xlsx(body, f"rectification-{review.committee.code}-{review.year}.xlsx")


def cases_export(request: AuthenticatedHttpRequest) -> HttpResponse:
    cases = list(
        selectors.scoped_cases(request.user)
        .select_related("organization", "candidate__review")
        .order_by("status", "deadline", "organization__path")
    )
    return _xlsx(services.cases_export(actor=request.user, cases=cases), "rectification-cases.xlsx")
