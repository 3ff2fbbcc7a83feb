"""The pages of a background export: its progress, then its file (decision 0265)."""

from __future__ import annotations

import uuid
from urllib.parse import quote

from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render

from . import exports
from .models import ExportJob

CONTENT_TYPES = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".csv": "text/csv; charset=utf-8",
    ".pdf": "application/pdf",
}


def _job(request: HttpRequest, public_id: uuid.UUID) -> ExportJob:
    try:
        return exports.export_get(user=request.user, public_id=public_id)
    except ExportJob.DoesNotExist:
        raise Http404 from None


def export_page(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    job = _job(request, public_id)
    # A job whose worker was killed ends here as failed, not "running" for ever.
    exports.export_fail_if_stale(job=job)
    context = {"job": job}
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "core/export.html#status", context)
    return render(request, "core/export.html", context)


def export_list(request: HttpRequest) -> HttpResponse:
    return render(request, "core/exports.html", {"jobs": exports.export_list(user=request.user)})


def export_file(request: HttpRequest, public_id: uuid.UUID) -> StreamingHttpResponse:
    job = _job(request, public_id)
    body = exports.export_download(job=job, actor=request.user)
    if body is None:
        raise Http404
    suffix = "." + job.file_name.rpartition(".")[2].lower()
    response = StreamingHttpResponse(
        body, content_type=CONTENT_TYPES.get(suffix, "application/octet-stream")
    )
    response["Content-Length"] = str(job.size)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(job.file_name)}"
    response["Cache-Control"] = "private, no-store"
    return response
