"""Operations pages: health, metrics and the audit log."""

from __future__ import annotations

import hmac
import ipaddress
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from dangjian.core.pagination import paginate, querystring_without_page

from . import health, routers, selectors
from .forms import AuditFilterForm
from .metrics import REGISTRY


@login_not_required
@never_cache
@require_GET
def live(request: HttpRequest) -> HttpResponse:
    """The process answers (it does not touch the database)."""
    return HttpResponse("ok", content_type="text/plain")


@login_not_required
@never_cache
@require_GET
def ready(request: HttpRequest) -> HttpResponse:
    """The database answers and every migration is applied: ready to take traffic."""
    database = health.database_up()
    migrations = database and health.migrations_applied()
    body = {
        "status": "ok" if database and migrations else "unavailable",
        "database": "ok" if database else "down",
        "migrations": "ok" if migrations else "pending",
    }
    return JsonResponse(body, status=200 if database and migrations else 503)


def _metrics_allowed(request: HttpRequest) -> bool:
    token = getattr(settings, "DANGJIAN_METRICS_TOKEN", "")
    header = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(header.encode(), f"Bearer {token}".encode()):
        return True
    if "X-Forwarded-For" in request.headers:
        return False  # came through the reverse proxy: from outside, whatever REMOTE_ADDR says
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


def _replica_figures() -> dict[str, Any]:
    if not routers.replica_configured():
        return {}
    return {"replica": True, "replica_behind": routers.replica_behind_bytes()}


@login_not_required
@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus text format; from the machine itself or with the metrics token, else 404."""
    if not _metrics_allowed(request):
        raise Http404
    database = health.database_up()
    text = REGISTRY.render(
        database_up=database,
        migrations_applied=database and health.migrations_applied(),
        **_replica_figures(),
    )
    return HttpResponse(text, content_type="text/plain; version=0.0.4; charset=utf-8")


def audit_log(request: HttpRequest) -> HttpResponse:
    """Who saw, changed or exported what: administrators only, filterable, read-only."""
    if not selectors.can_view_audit(request.user):
        raise Http404
    form = AuditFilterForm(request.GET or None)
    filters = selectors.AuditFilters()
    if form.is_valid():
        filters = selectors.AuditFilters(**form.cleaned_data)
    page = paginate(request, selectors.audit_list(user=request.user, filters=filters))
    context = {"form": form, "page": page, "querystring": querystring_without_page(request)}
    htmx = request.htmx  # type: ignore[attr-defined]
    template = "ops/audit.html#results" if htmx else "ops/audit.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])  # the same URL answers a page or a partial
    return response
