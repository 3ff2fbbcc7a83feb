"""Roster pages: upload and preview an import, follow its progress, download templates,
error reports and exports."""

from __future__ import annotations

import io
import uuid
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangjian.accounts.http import AuthenticatedHttpRequest
from dangjian.accounts.scope import scope_for
from dangjian.core import exports
from dangjian.core.forms import call_service, run_form
from dangjian.members import selectors as member_selectors
from dangjian.organizations.choices import OrgKind
from dangjian.organizations.models import Organization

from . import exporting, selectors, services
from .choices import ImportKind
from .forms import ImportForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require_manager(request: HttpRequest) -> Any:
    scope = scope_for(request.user)
    if not scope.manages_anything:
        raise Http404
    return scope


def import_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    scope = _require_manager(request)
    organizations = Organization.objects.restrict(scope, "manage").exclude(
        kind=OrgKind.LOCAL_COMMITTEE
    )
    form = ImportForm(request.POST or None, request.FILES or None, organizations=organizations)
    if done := run_form(
        request,
        form,
        lambda data: services.job_create(
            actor=request.user,
            kind=ImportKind(data["kind"]),
            upload=data["file"],
            organization=data["organization"] if data["kind"] == ImportKind.MEMBERS else None,
            valid_rows_only=data["valid_rows_only"],
        ),
    ):
        services.job_validate_start(done.result)
        return redirect(done.result)
    context = {"form": form, "jobs": selectors.job_list(user=request.user)[:10]}
    return render(request, "roster/import.html", context)


def job_page(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    job = selectors.job_get(user=request.user, public_id=public_id)
    # A job whose worker was killed ends here as failed, not "running" for ever.
    services.job_fail_if_stale(job=job)
    context = {"job": job}
    htmx = request.htmx  # type: ignore[attr-defined]
    if htmx:
        return render(request, "roster/job.html#status", context)
    return render(request, "roster/job.html", context)


@require_POST
def job_commit(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    job = selectors.job_get(user=request.user, public_id=public_id)
    if isinstance(call_service(lambda: services.job_commit_start(job)), ValidationError):
        messages.error(
            request, _("该批次不能导入：请先修改有误的行，或选择“只导入无误的行”重新上传。")
        )
    return redirect(job)


def job_errors(request: HttpRequest, public_id: uuid.UUID) -> FileResponse:
    job = selectors.job_get(user=request.user, public_id=public_id)
    if not job.error_rows or not job.report_path.exists():
        raise Http404
    name = f"{Path(job.file_name).stem}-错误报告.xlsx"
    return FileResponse(
        job.report_path.open("rb"), as_attachment=True, filename=name, content_type=XLSX
    )


def template_download(request: HttpRequest, kind: str) -> HttpResponseBase:
    if kind not in ImportKind.values:
        raise Http404
    buffer = io.BytesIO()
    exporting.write_template(buffer, kind)
    buffer.seek(0)
    name = "党员信息采集表.xlsx" if kind == ImportKind.MEMBERS else "党组织信息表.xlsx"
    return FileResponse(buffer, as_attachment=True, filename=name, content_type=XLSX)


def member_export(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    """The member list with the list page's filters, as .xlsx or .csv (masked per role, audited).

    A large list is written by the worker: the page follows its progress and then offers the
    file (decision 0265); a small one is answered at once."""
    scope = scope_for(request.user)
    if scope.is_empty or not scope.reads_anything:
        raise Http404
    file_format = request.GET.get("format", "xlsx")
    if file_format not in ("xlsx", "csv"):
        raise Http404
    params = {k: str(v) for k, v in request.GET.items() if k != "format"}
    filters = exporting.member_export_filters(request.user, params)
    if filters is None:
        raise Http404
    queryset = member_selectors.member_list(user=request.user, filters=filters)
    count = queryset.count()
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    name = f"党员名册-{stamp}.{file_format}"
    if count > exports.BACKGROUND_ROWS:
        job = services.member_export_start(
            actor=request.user, params=params, file_format=file_format, count=count, file_name=name
        )
        return redirect(job)
    services.export_record(
        actor=request.user,
        count=count,
        file_format=file_format,
        filters=params,
        masked=not scope.reveals_all_it_reads,
    )
    if file_format == "csv":
        cells = exporting.export_cells(exporting.export_queryset(queryset), scope=scope)
        response = StreamingHttpResponse(
            exporting.csv_stream(cells), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(name)}"
        return response
    # Small by construction (BACKGROUND_ROWS at most): built in memory, never in clear on disk.
    buffer = io.BytesIO()
    exporting.write_members(buffer, queryset, scope=scope, file_format="xlsx")
    buffer.seek(0)
    return FileResponse(buffer, as_attachment=True, filename=name, content_type=XLSX)


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)


__all__ = ["PermissionDenied"]
