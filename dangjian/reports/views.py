"""The organization page: figures, the summary sentence, rule checks, leaders, members, children."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangjian.accounts.http import AuthenticatedHttpRequest
from dangjian.accounts.scope import scope_for
from dangjian.core import figures
from dangjian.core.dates import today
from dangjian.core.extensions import render_panels
from dangjian.core.forms import run_service
from dangjian.members import rules
from dangjian.members.models import Position
from dangjian.members.selectors import MemberFilters, member_list
from dangjian.organizations import selectors as organization_selectors
from dangjian.organizations.models import Organization

from . import exports, selectors, services
from . import report as report_module
from .forms import CompareForm, SnapshotForm
from .report import Report


def organization(request: HttpRequest, pk: int) -> HttpResponse:
    org = organization_selectors.organization_get(user=request.user, pk=pk)
    scope = scope_for(request.user)
    # The subtree's counts: a big subtree's kept figure (decision 0283), else counted now. The
    # roster counts are the overview's (one count, not two).
    overview, kept = selectors.overview_kept(org, refresh=figures.wants_refresh(request))
    # None while the worker counts a big subtree's figure never counted (decision 0287): the
    # page says so instead of showing figures (a committee's findings do not read the counts).
    counts = (
        None
        if overview is None
        else rules.RosterCounts(overview.members, overview.full, overview.probationary)
    )
    # A big subtree's page lists none of its thousands of members (sorting a county's 28,682
    # by pinyin for ten of them cost 150 ms a visit): its member list is one link away.
    members = (
        member_list(user=request.user, filters=MemberFilters(organization=org))[:10]
        if kept is None
        else []
    )
    context = {
        "organization": org,
        "ancestors": organization_selectors.organization_ancestors(
            user=request.user, organization=org
        ),
        "overview": overview,
        "kept": kept,
        "refresh_url": "?refresh=1",
        "counts": counts,
        "findings": rules.organization_findings(org, today(), counts),
        "positions": Position.objects.filter(organization=org, ended_on__isnull=True)
        .select_related("member")
        .order_by("title", "started_on"),
        "children": organization_selectors.organization_children(user=request.user, parent=org),
        "members": members,
        "can_manage": scope.can_manage_path(org.path),
        "panels": render_panels(request, "organization", org),
    }
    return render(request, "reports/organization.html", context)


# --- the annual report ---------------------------------------------------------------------------


def _as_of(request: HttpRequest) -> tuple[dt.date, str]:
    """The report date from ?as_of=, today by default; a bad date falls back with a message."""
    raw = request.GET.get("as_of", "").strip()
    if not raw:
        return today(), ""
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        return today(), _(
            "统计截止日“%(raw)s”不是有效日期，请按 2025-12-31 的格式填写。已按今天统计。"
        ) % {"raw": raw}
    if day > today():
        return today(), _("统计截止日不能晚于今天。已按今天统计。")
    return day, ""


def _linked_tables(report: Report, organization: Organization, links: bool) -> list[dict[str, Any]]:
    """Tables with a member-list link on each number that the list's filters can select."""
    tables = []
    for table in report.tables:
        rows = []
        for row in table.rows:
            cells = [
                {
                    "value": value,
                    "link": selectors.member_list_link(organization, row.filters, column.filters)
                    if links and value
                    else None,
                }
                for value, column in zip(row.values, table.columns, strict=False)
            ]
            rows.append({"label": row.label, "key": row.key, "cells": cells})
        tables.append(
            {
                "key": table.key,
                "title": table.title,
                "columns": table.columns,
                "rows": rows,
                "note": table.note,
            }
        )
    return tables


def _report_context(
    request: HttpRequest, organization: Organization, report: Report, *, links: bool
) -> dict[str, Any]:
    return {
        "organization": organization,
        "report": report,
        "summary": report.summary,
        "tables": _linked_tables(report, organization, links),
        "charts": report.charts(),
        "chart_titles": exports.chart_titles(),
        "ancestors": organization_selectors.organization_ancestors(
            user=request.user, organization=organization
        ),
    }


def _report_state(request: HttpRequest, org: Organization, as_of: dt.date, **kwargs: Any) -> Any:
    return services.report_request(
        user=request.user,  # type: ignore[arg-type]
        organization=org,
        as_of=as_of,
        language=get_language(),
        **kwargs,
    )


def report(request: HttpRequest, pk: int) -> HttpResponse:
    """The annual report for an organization's subtree as of a date, with charts and links:
    the kept count (统计于 …), or its progress while `dangjian worker` counts it (decision 0275).
    The progress poll (`?progress=1`, htmx) reloads the page when the count ends."""
    org = selectors.report_organization(user=request.user, pk=pk)
    as_of, error = _as_of(request)
    polling = request.GET.get("progress") == "1"
    state = _report_state(
        request, org, as_of, refresh=figures.wants_refresh(request), start=not polling
    )
    if polling:
        response = render(
            request,
            "reports/report.html#progress",
            {"organization": org, "as_of": as_of, "state": state},
        )
        if not state.run.is_pending:
            response["HX-Refresh"] = "true"  # the count ended: show its figures (or failure)
        return response
    scope = scope_for(request.user)
    context: dict[str, Any] = {"organization": org, "state": state}
    if state.report is not None:
        # The member list shows today's roster: its numbers match the report's only for today.
        context.update(_report_context(request, org, state.report, links=as_of == today()))
    else:
        context["ancestors"] = organization_selectors.organization_ancestors(
            user=request.user, organization=org
        )
    context.update(
        {
            "as_of": as_of,
            "as_of_error": error,
            "is_today": as_of == today(),
            "snapshots": selectors.snapshot_list(user=request.user, organization=org),
            "can_manage": scope.can_manage_path(org.path),
            "freeze_form": SnapshotForm(),
            "compare_form": CompareForm(
                initial={"first": today().year - 2, "second": today().year - 1}
            ),
        }
    )
    return render(request, "reports/report.html", context)


def report_index(request: HttpRequest) -> HttpResponse:
    """The report of the user's highest organization."""
    top = Organization.objects.tops(request.user).first()
    if top is None:
        raise Http404
    return redirect("reports:report", pk=top.pk)


def _export(
    request: AuthenticatedHttpRequest, org: Organization, computed: Report, kind: str, **extra: Any
) -> HttpResponse:
    services.report_export_record(
        actor=request.user, organization=org, as_of=computed.as_of, kind=kind
    )
    name = f"{org.code}-{computed.as_of.isoformat()}"
    if kind == "xlsx":
        response = HttpResponse(
            exports.report_xlsx(computed, **extra),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        response = HttpResponse(
            exports.report_pdf(computed, filled_by=str(request.user), **extra),
            content_type="application/pdf",
        )
    response["Content-Disposition"] = f'attachment; filename="report-{name}.{kind}"'
    return response


def report_export(request: AuthenticatedHttpRequest, pk: int, kind: str) -> HttpResponse:
    """The page's figures as .xlsx or .pdf: the same kept count the page shows (never a
    second count that could differ). With no kept count yet (the export asked before the
    page), the report is counted now and kept, so the page then shows these figures."""
    if kind not in ("xlsx", "pdf"):
        raise Http404
    org = selectors.report_organization(user=request.user, pk=pk)
    as_of, _error = _as_of(request)
    state = _report_state(request, org, as_of, wait=True)
    assert state.report is not None
    return _export(request, org, state.report, kind)


def snapshot_detail(request: AuthenticatedHttpRequest, pk: int, year: int) -> HttpResponse:
    org = selectors.report_organization(user=request.user, pk=pk)
    snapshot = selectors.snapshot_get(user=request.user, organization=org, year=year)
    frozen = Report.from_dict(snapshot.data)
    kind = request.GET.get("format", "")
    if kind in ("xlsx", "pdf"):
        return _export(request, org, frozen, kind, snapshot=snapshot)
    context = _report_context(request, org, frozen, links=False)
    context["snapshot"] = snapshot
    return render(request, "reports/snapshot.html", context)


@require_POST
def snapshot_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    org = selectors.report_organization(user=request.user, pk=pk)
    form = SnapshotForm(request.POST)
    if form.is_valid():
        if done := run_service(
            request,
            lambda: services.snapshot_freeze(
                actor=request.user, organization=org, year=form.cleaned_data["year"]
            ),
            joined=False,
        ):
            snapshot = done.result
            messages.success(request, _("已封存 %(year)d 年度年报。") % {"year": snapshot.year})
            return redirect(snapshot)
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
    return redirect("reports:report", pk=org.pk)


def compare(request: HttpRequest, pk: int) -> HttpResponse:
    """两年党员数比较: two years side by side, frozen figures where a year was frozen."""
    org = selectors.report_organization(user=request.user, pk=pk)
    form = CompareForm(request.GET or None)
    context: dict[str, Any] = {"organization": org, "form": form}
    if form.is_valid():
        first_year, second_year = form.cleaned_data["first"], form.cleaned_data["second"]
        first, first_frozen = selectors.year_report(
            user=request.user, organization=org, year=first_year
        )
        second, second_frozen = selectors.year_report(
            user=request.user, organization=org, year=second_year
        )
        context.update(
            {
                "first": first,
                "second": second,
                "first_frozen": first_frozen,
                "second_frozen": second_frozen,
                "rows": report_module.compare(first, second),
            }
        )
    return render(request, "reports/compare.html", context)
