"""The organization page: figures, the summary sentence, rule checks, leaders, members, children."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from dangjian.accounts.scope import scope_for
from dangjian.core.dates import today
from dangjian.core.extensions import render_panels
from dangjian.members import rules
from dangjian.members.models import Position
from dangjian.members.selectors import MemberFilters, member_list
from dangjian.organizations import selectors as organization_selectors

from . import selectors


def organization(request: HttpRequest, pk: int) -> HttpResponse:
    org = organization_selectors.organization_get(user=request.user, pk=pk)
    scope = scope_for(request.user)
    counts = rules.roster_counts(org)
    members = member_list(user=request.user, filters=MemberFilters(organization=org))
    context = {
        "organization": org,
        "ancestors": organization_selectors.organization_ancestors(
            user=request.user, organization=org
        ),
        "overview": selectors.overview(org),
        "counts": counts,
        "findings": rules.organization_findings(org, today(), counts),
        "positions": Position.objects.filter(organization=org, ended_on__isnull=True)
        .select_related("member")
        .order_by("title", "started_on"),
        "children": organization_selectors.organization_children(user=request.user, parent=org),
        "members": members[:10],
        "can_manage": scope.can_manage_path(org.path),
        "panels": render_panels(request, "organization", org),
    }
    return render(request, "reports/organization.html", context)
