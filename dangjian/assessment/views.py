"""Assessment pages: rounds, the score table, hand-entered scores, finishing, the .xlsx."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangjian.accounts.http import AuthenticatedHttpRequest
from dangjian.accounts.scope import scope_for
from dangjian.core.dates import today
from dangjian.core.forms import run_service
from dangjian.core.pagination import int_or_404, paginate, querystring_without_page
from dangjian.organizations.choices import COMMITTEE_KINDS
from dangjian.organizations.models import Organization

from . import selectors, services
from .models import AssessmentRound, Score
from .sources import MANUAL

RESULTS_SHOWN = 200
ROWS_PER_PAGE = 100  # organizations on a page of a round


def _rounds(request: HttpRequest) -> QuerySet[AssessmentRound]:
    """The rounds of committees in the reader's scope, newest first."""
    return (
        AssessmentRound.objects.restrict(request.user)
        .select_related("committee")
        .order_by("-year", "committee__path")
    )


def round_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    committees = [
        o for o in Organization.objects.restrict(scope, "manage").filter(kind__in=COMMITTEE_KINDS)
    ]
    if request.method == "POST":
        committee = next(
            (c for c in committees if c.pk == int_or_404(request.POST.get("committee", "0"))), None
        )
        if committee is None:
            raise Http404
        if done := run_service(
            request,
            lambda: services.round_create(
                actor=request.user,
                committee=committee,
                year=int_or_404(request.POST.get("year", "0")),
            ),
            joined=False,
        ):
            return redirect("assessment:detail", done.result.pk)
    return render(
        request,
        "assessment/list.html",
        {
            "rounds": _rounds(request),
            "results": selectors.own_results(request.user)[:RESULTS_SHOWN],
            "committees": committees,
            "year": today().year,
        },
    )


def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = get_object_or_404(_rounds(request), pk=pk)
    # A county assesses 900 organizations: a page of them (545 KB of HTML whole; the .xlsx
    # has them all).
    page = paginate(request, selectors.round_results(assessment), ROWS_PER_PAGE)
    indicators, rows = selectors.round_table(assessment, page.object_list)
    return render(
        request,
        "assessment/detail.html",
        {
            "assessment": assessment,
            "indicators": indicators,
            "rows": rows,
            "page": page,
            "querystring": querystring_without_page(request),
            "can_manage": scope_for(request.user).can_manage_path(assessment.committee.path),
            "manual": MANUAL,
        },
    )


@require_POST
def score_enter(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assessment = get_object_or_404(_rounds(request), pk=pk)
    score = get_object_or_404(
        Score.objects.select_related("organization", "indicator"),
        round=assessment,
        pk=int_or_404(request.POST.get("score", "0")),
    )
    try:
        value = Decimal(request.POST.get("value", "").strip())
    except InvalidOperation:
        messages.error(request, _("得分须是 0 至 100 之间的数字。"))
        return _back_to_page(request, assessment)
    run_service(
        request,
        lambda: services.score_enter(
            actor=request.user,
            assessment=assessment,
            organization=score.organization,
            indicator=score.indicator,
            value=value,
            basis=request.POST.get("basis", ""),
        ),
        joined=False,
    )
    return _back_to_page(request, assessment)


def _back_to_page(request: HttpRequest, assessment: AssessmentRound) -> HttpResponse:
    """The round's page the score was entered on."""
    page = request.POST.get("page", "")
    url = reverse("assessment:detail", args=[assessment.pk])
    return redirect(f"{url}?page={page}" if page.isdigit() else url)


@require_POST
def round_action(request: AuthenticatedHttpRequest, pk: int, action: str) -> HttpResponse:
    assessment = get_object_or_404(_rounds(request), pk=pk)
    if action == "compute":
        run_service(
            request,
            lambda: services.round_compute(actor=request.user, assessment=assessment),
            _("已按最新数据重新计算。"),
            joined=False,
        )
    elif action == "finish":
        run_service(
            request,
            lambda: services.round_finish(actor=request.user, assessment=assessment),
            _("考核已完成。"),
            joined=False,
        )
    else:
        raise Http404
    return redirect("assessment:detail", assessment.pk)


def round_export(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    assessment = get_object_or_404(_rounds(request), pk=pk)
    body = services.round_export(actor=request.user, assessment=assessment)
    response = HttpResponse(
        body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="assessment-{assessment.year}.xlsx"'
    return response
