"""Pages of host places: this deployment's places, its signed directory, other directories."""

from __future__ import annotations

from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangjian.accounts.http import AuthenticatedHttpRequest
from dangjian.accounts.scope import scope_for
from dangjian.core import signing
from dangjian.core.forms import run_form
from dangjian.exchange import documents, trust
from dangjian.organizations.models import Organization

from . import selectors, services
from .forms import DirectoryImportForm, PlaceForm


def _require_manager(request: AuthenticatedHttpRequest) -> None:
    if not scope_for(request.user).manages_anything:
        raise PermissionDenied


def place_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require_manager(request)
    is_top = trust.can_manage_trust(request.user)
    form = DirectoryImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not is_top:
            raise PermissionDenied
        if done := run_form(
            request,
            form,
            lambda data: services.directory_import(
                actor=request.user, document=data["file"].read(5_000_000)
            ),
        ):
            imported = done.result
            messages.success(
                request,
                _("已导入 %(issuer)s 的活动场所名录（密钥 %(kid)s 签名，%(n)d 处）。")
                % {"issuer": imported.issuer, "kid": imported.kid, "n": imported.places},
            )
            return redirect("places:list")
    context = {
        "places": selectors.managed_places(request.user),
        "is_top": is_top,
        "form": form,
        "directories": selectors.directories()[:20] if is_top else [],
        "foreign": selectors.foreign_places() if is_top else [],
    }
    return render(request, "places/list.html", context)


def place_edit(request: AuthenticatedHttpRequest, pk: int | None = None) -> HttpResponse:
    _require_manager(request)
    place = get_object_or_404(selectors.managed_places(request.user), pk=pk) if pk else None
    organizations = Organization.objects.restrict(request.user, "manage").order_by("path")
    form = PlaceForm(request.POST or None, instance=place, organizations=organizations)
    if run_form(
        request,
        form,
        lambda data: services.place_save(
            actor=request.user, organization=data["organization"], data=data, place=place
        ),
        _("已保存。"),
    ):
        return redirect("places:list")
    return render(request, "places/form.html", {"form": form, "place": place})


@require_POST
def directory_export(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not trust.can_manage_trust(request.user):
        raise PermissionDenied
    document = services.directory_export(actor=request.user)
    response = HttpResponse(documents.dumps(document), content_type="application/json")
    response["Content-Disposition"] = (
        f'attachment; filename="directory-{signing.issuer()}-{document["kid"]}.json"'
    )
    return response


@login_not_required
def me_service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker that keeps a mobile member's /me/ page (card and places) for offline
    use; served at /me/sw.js (config/urls.py) so that its scope covers /me/."""
    body = (Path(__file__).parent / "static" / "places" / "me-sw.js").read_text()
    response = HttpResponse(body, content_type="application/javascript")
    response["Cache-Control"] = "no-cache"
    return response
