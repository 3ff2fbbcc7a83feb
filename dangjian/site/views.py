"""The home page: what the signed-in user is responsible for, at a glance."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from dangjian.accounts.scope import scope_for
from dangjian.core.dates import today
from dangjian.core.extensions import kept_todo_items, render_panels
from dangjian.core.figures import wants_refresh
from dangjian.members import rules
from dangjian.organizations.choices import BRANCH_KINDS
from dangjian.organizations.models import Organization
from dangjian.reports import selectors as report_selectors


def home(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    tops = list(Organization.objects.tops(scope))
    if not tops and scope.self_user_id is not None:
        return redirect("portal:home")  # a member's home is their portal
    on = today()
    cards = []
    for organization in tops:
        # A committee's subtree figures come from the figure cache (core.figures); a branch's
        # are a few rows and are counted on every visit.
        committee = organization.kind not in BRANCH_KINDS
        if committee:
            overview, counted_at = report_selectors.overview_cached(
                organization, refresh=wants_refresh(request)
            )
        else:
            overview, counted_at = report_selectors.overview(organization), None
        # None while the worker counts a big subtree's overview never counted (decision 0287):
        # the card says so (a committee's findings do not read the counts).
        counts = (
            None
            if overview is None
            else rules.RosterCounts(overview.members, overview.full, overview.probationary)
        )
        manages = scope.can_manage_path(organization.path)
        cards.append(
            {
                "organization": organization,
                "overview": overview,
                "counted_at": counted_at,
                "findings": rules.organization_findings(organization, on, counts),
                "todos": kept_todo_items(
                    request, organization, on, manages=manages, refresh=wants_refresh(request)
                ),
                "can_manage": manages,
                "panels": render_panels(request, "home", organization),
            }
        )
    return render(request, "site/home.html", {"cards": cards, "scope": scope})
