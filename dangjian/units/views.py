"""Coverage pages: an area's units, which have no party organization, coverage by kind."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from dangjian.accounts.http import AuthenticatedHttpRequest
from dangjian.accounts.scope import scope_for
from dangjian.core.forms import run_form
from dangjian.core.pagination import int_or_404
from dangjian.organizations.models import Organization

from . import selectors, services
from .forms import UnitForm


def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.GET.get("org"):
        area = get_object_or_404(
            Organization.objects.restrict(request.user), pk=int_or_404(request.GET["org"])
        )
    else:
        found = Organization.objects.tops(request.user).first()
        if found is None:
            raise Http404
        area = found
    can_manage = scope_for(request.user).can_manage_path(area.path)
    organizations = list(
        Organization.objects.under(area.path).filter(dissolved_on__isnull=True).order_by("path")
    )
    form = UnitForm(request.POST if request.method == "POST" else None, organizations=organizations)
    if request.method == "POST" and not can_manage:
        raise Http404
    chosen = {o.pk: o for o in organizations}
    if run_form(
        request,
        form,
        lambda data: services.unit_create(
            actor=request.user,
            area=area,
            name=data["name"],
            kind=data["kind"],
            credit_code=data["credit_code"],
            employees=data["employees"],
            address=data["address"],
            organization=chosen.get(data["organization"]) if data["organization"] else None,
        ),
        _("已登记单位。"),
    ):
        return redirect(f"{request.path}?org={area.pk}")
    return render(
        request,
        "units/index.html",
        {
            "area": area,
            "coverage": selectors.coverage(area),
            "minimum": selectors.branch_min_full_members(),
            "form": form if can_manage else None,
        },
    )
