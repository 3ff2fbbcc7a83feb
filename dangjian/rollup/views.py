"""The rollup page: the children's packages for a date and the report that sums them."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangjian.accounts.http import AuthenticatedHttpRequest
from dangjian.core import signing
from dangjian.core.dates import today
from dangjian.core.forms import run_form
from dangjian.exchange import documents, trust
from dangjian.organizations.models import Organization
from dangjian.reports.exports import chart_titles

from . import exports, selectors, services
from .forms import ChildForm, PackageImportForm, RoundForm


def _top(request: HttpRequest) -> Organization:
    if not trust.can_manage_trust(request.user):
        raise PermissionDenied
    top = Organization.objects.tops(request.user).first()
    if top is None:
        raise PermissionDenied
    return top


def _as_of(request: HttpRequest) -> dt.date:
    raw = (request.GET.get("as_of") or request.POST.get("as_of") or "").strip()
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        day = dt.date(today().year - 1, 12, 31)
    return min(day, today())


def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    top = _top(request)
    as_of = _as_of(request)
    child_form = ChildForm(prefix="child")
    import_form = PackageImportForm(prefix="package")
    round_form = RoundForm(prefix="round")
    if request.method == "POST" and "round-due_on" in request.POST:
        round_form = RoundForm(request.POST, prefix="round")
        if run_form(
            request,
            round_form,
            lambda data: services.round_set(actor=request.user, as_of=as_of, due_on=data["due_on"]),
            _("已设定报送期限。"),
        ):
            return redirect(f"{request.path}?as_of={as_of.isoformat()}")
    elif request.method == "POST" and "child-issuer" in request.POST:
        child_form = ChildForm(request.POST, prefix="child")
        if run_form(
            request,
            child_form,
            lambda data: services.child_register(
                actor=request.user, issuer=data["issuer"], name=data["name"]
            ),
            _("已登记下级系统。"),
        ):
            return redirect(f"{request.path}?as_of={as_of.isoformat()}")
    elif request.method == "POST":
        import_form = PackageImportForm(request.POST, request.FILES, prefix="package")
        if done := run_form(
            request,
            import_form,
            lambda data: services.statistics_package_import(
                actor=request.user, document=data["file"].read(20_000_000)
            ),
        ):
            package = done.result
            messages.success(
                request,
                _("已导入 %(issuer)s 截至 %(day)s 的统计包（密钥 %(kid)s 签名）。")
                % {
                    "issuer": package.child.issuer,
                    "day": package.as_of.isoformat(),
                    "kid": package.kid,
                },
            )
            return redirect(f"{request.path}?as_of={package.as_of.isoformat()}")
    report, states = selectors.rollup_report(top, as_of)
    tables = [
        {
            "key": t.key,
            "title": t.title,
            "columns": t.columns,
            "rows": [
                {"key": r.key, "label": r.label, "cells": [{"value": v} for v in r.values]}
                for r in t.rows
            ],
            "note": t.note,
        }
        for t in report.tables
    ]
    context = {
        "organization": top,
        "as_of": as_of,
        "states": states,
        "report": report,
        "summary": report.summary,
        "tables": tables,
        "charts": report.charts(),
        "chart_titles": chart_titles(),
        "child_form": child_form,
        "import_form": import_form,
        "round_form": round_form,
        "due_on": selectors.due_on(as_of),
    }
    return render(request, "rollup/index.html", context)


@require_POST
def export(request: AuthenticatedHttpRequest) -> HttpResponse:
    top = _top(request)
    as_of = _as_of(request)
    document = services.statistics_package_export(actor=request.user, organization=top, as_of=as_of)
    response = HttpResponse(documents.dumps(document), content_type="application/json")
    response["Content-Disposition"] = (
        f'attachment; filename="statistics-{signing.issuer()}-{as_of.isoformat()}.json"'
    )
    return response


CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def report_export(request: AuthenticatedHttpRequest, kind: str) -> HttpResponse:
    """The summed report as .xlsx or .pdf, as the own report exports (reports.exports)."""
    if kind not in exports.KINDS:
        raise Http404
    top = _top(request)
    as_of = _as_of(request)
    body = exports.rollup_report_export(
        actor=request.user, organization=top, as_of=as_of, kind=kind
    )
    response = HttpResponse(body, content_type=CONTENT_TYPES[kind])
    response["Content-Disposition"] = (
        f'attachment; filename="rollup-{top.code}-{as_of.isoformat()}.{kind}"'
    )
    return response
