"""Assessment pages: rounds, the score table, hand-entered scores, finishing, the .xlsx."""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangjian.accounts.scope import scope_for
from dangjian.audit.choices import AuditAction
from dangjian.audit.services import audit_record
from dangjian.core.dates import today
from dangjian.core.pagination import int_or_404
from dangjian.core.workbooks import new_workbook
from dangjian.organizations.choices import COMMITTEE_KINDS
from dangjian.organizations.models import Organization

from . import services
from .models import AssessmentRound, Indicator, Result, Score
from .sources import MANUAL


def _rounds(request: HttpRequest) -> QuerySet[AssessmentRound]:
    """The rounds of committees in the reader's scope, newest first."""
    return (
        AssessmentRound.objects.restrict(request.user)
        .select_related("committee")
        .order_by("-year", "committee__path")
    )


def round_list(request: HttpRequest) -> HttpResponse:
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
        try:
            assessment = services.round_create(
                actor=request.user,
                committee=committee,
                year=int_or_404(request.POST.get("year", "0")),
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            return redirect("assessment:detail", assessment.pk)
    return render(
        request,
        "assessment/list.html",
        {"rounds": _rounds(request), "committees": committees, "year": today().year},
    )


@dataclass
class Row:
    organization: Organization
    result: Result
    scores: list[Score | None]


def _table(assessment: AssessmentRound) -> tuple[list[Indicator], list[Row]]:
    indicators = list(Indicator.objects.filter(active=True))
    scores: dict[tuple[int, int], Score] = {
        (s.organization_id, s.indicator_id): s for s in Score.objects.filter(round=assessment)
    }
    rows = []
    for result in (
        Result.objects.filter(round=assessment)
        .select_related("organization")
        .order_by("organization__path")
    ):
        rows.append(
            Row(
                result.organization,
                result,
                [scores.get((result.organization_id, i.pk)) for i in indicators],
            )
        )
    return indicators, rows


def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = get_object_or_404(_rounds(request), pk=pk)
    indicators, rows = _table(assessment)
    return render(
        request,
        "assessment/detail.html",
        {
            "assessment": assessment,
            "indicators": indicators,
            "rows": rows,
            "can_manage": scope_for(request.user).can_manage_path(assessment.committee.path),
            "manual": MANUAL,
        },
    )


@require_POST
def score_enter(request: HttpRequest, pk: int) -> HttpResponse:
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
        return redirect("assessment:detail", assessment.pk)
    try:
        services.score_enter(
            actor=request.user,
            assessment=assessment,
            organization=score.organization,
            indicator=score.indicator,
            value=value,
            basis=request.POST.get("basis", ""),
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect("assessment:detail", assessment.pk)


@require_POST
def round_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    assessment = get_object_or_404(_rounds(request), pk=pk)
    try:
        if action == "compute":
            services.round_compute(actor=request.user, assessment=assessment)
            messages.success(request, _("已按最新数据重新计算。"))
        elif action == "finish":
            services.round_finish(actor=request.user, assessment=assessment)
            messages.success(request, _("考核已完成。"))
        else:
            raise Http404
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect("assessment:detail", assessment.pk)


def round_export(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = get_object_or_404(_rounds(request), pk=pk)
    if not scope_for(request.user).can_read_path(assessment.committee.path):
        raise PermissionDenied
    indicators, rows = _table(assessment)
    buffer = io.BytesIO()
    book = new_workbook(buffer, in_memory=True)
    sheet = book.add_worksheet(str(assessment.year))
    bold = book.add_format({"bold": True})
    headers = [_("党组织"), *[f"{i.name}（{i.weight}）" for i in indicators], _("总分"), _("等次")]
    sheet.write_row(0, 0, headers, bold)
    for number, row in enumerate(rows, start=1):
        result = row.result
        values: list[object] = [row.organization.name]
        values += [
            float(s.value) if s is not None and s.value is not None else "" for s in row.scores
        ]
        values += [float(result.total) if result.total is not None else "", result.grade]
        sheet.write_row(number, 0, values)
    sheet.set_column(0, 0, 28)
    book.close()
    audit_record(
        actor=request.user,
        action=AuditAction.EXPORT,
        target=assessment,
        summary=_("导出 %(year)d 年度党组织考核") % {"year": assessment.year},
    )
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="assessment-{assessment.year}.xlsx"'
    return response
