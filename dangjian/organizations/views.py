"""Pages of the organization tree: the browser, create, edit, move.

The organization page itself (figures, rule checks, members) is in reports, which may read
every domain.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.vary import vary_on_headers

from dangjian.accounts.http import AuthenticatedHttpRequest
from dangjian.accounts.scope import scope_for
from dangjian.core.forms import run_form
from dangjian.core.pagination import int_or_404

from . import selectors, services
from .forms import OrganizationForm, OrganizationMoveForm
from .models import Organization


@vary_on_headers("HX-Request")  # a whole page or (htmx) the children only, at one URL
def tree(request: HttpRequest) -> HttpResponse:
    """The tree browser: the user's top organizations; children load on demand (htmx)."""
    parent_id = request.GET.get("parent")
    parent = None
    if parent_id:
        parent = selectors.organization_get(user=request.user, pk=int_or_404(parent_id))
    nodes = selectors.organization_children(user=request.user, parent=parent)
    q = request.GET.get("q", "").strip()
    context = {
        "nodes": nodes,
        "parent": parent,
        "q": q,
        "results": selectors.organization_search(user=request.user, q=q) if q else None,
    }
    if request.htmx and parent is not None:  # type: ignore[attr-defined]
        return render(request, "organizations/tree.html#children", context)
    return render(request, "organizations/tree.html", context)


def create(request: AuthenticatedHttpRequest) -> HttpResponse:
    parent = selectors.organization_get(user=request.user, pk=int_or_404(request.GET.get("parent")))
    if not scope_for(request.user).can_manage_path(parent.path):
        raise PermissionDenied
    form = OrganizationForm(request.POST or None)
    if done := run_form(
        request,
        form,
        lambda data: services.organization_create(actor=request.user, parent=parent, fields=data),
    ):
        organization = done.result
        messages.success(request, _("已新建党组织“%(name)s”。") % {"name": organization.name})
        return redirect(organization)
    return render(
        request, "organizations/form.html", {"form": form, "parent": parent, "organization": None}
    )


def edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    organization = selectors.organization_get(user=request.user, pk=pk)
    if not scope_for(request.user).can_manage_path(organization.path):
        raise PermissionDenied
    form = OrganizationForm(request.POST or None, instance=Organization.objects.get(pk=pk))
    if run_form(
        request,
        form,
        lambda data: services.organization_update(
            actor=request.user,
            organization=organization,
            changes={name: data[name] for name in form.changed_data},
        ),
        _("已保存。"),
    ):
        return redirect(organization)
    return render(
        request,
        "organizations/form.html",
        {"form": form, "parent": organization.parent, "organization": organization},
    )


def move(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    organization = selectors.organization_get(user=request.user, pk=pk)
    scope = scope_for(request.user)
    if not scope.can_manage_path(organization.path):
        raise PermissionDenied
    parents = Organization.objects.restrict(scope, "manage").exclude(
        pk__in=Organization.objects.under(organization.path)
    )
    form = OrganizationMoveForm(request.POST or None, parents=parents)
    if run_form(
        request,
        form,
        lambda data: services.organization_move(
            actor=request.user, organization=organization, new_parent=data["new_parent"]
        ),
        _("已调整隶属关系。"),
    ):
        return redirect(organization)
    return render(request, "organizations/move.html", {"form": form, "organization": organization})
