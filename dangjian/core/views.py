"""The home page: what the signed-in user is responsible for, at a glance."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from dangjian.accounts.scope import scope_for
from dangjian.core.dates import today
from dangjian.core.extensions import render_panels
from dangjian.members import rules
from dangjian.reports import selectors as report_selectors


def home(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    tops = list(scope.top_organizations())
    if not tops and scope.self_user_id is not None:
        return redirect("portal:home")  # a member's home is their portal
    on = today()
    cards = []
    for organization in tops:
        counts = rules.roster_counts(organization)
        cards.append(
            {
                "organization": organization,
                "overview": report_selectors.overview(organization),
                "findings": rules.organization_findings(organization, on, counts),
                "can_manage": scope.can_manage_path(organization.path),
                "panels": render_panels(request, "home", organization),
            }
        )
    return render(request, "core/home.html", {"cards": cards, "scope": scope})
