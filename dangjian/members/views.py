"""Member pages: the list, the member page with its archive, and the forms that call services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from dangjian.accounts.http import AuthenticatedHttpRequest
from dangjian.accounts.scope import scope_for
from dangjian.core.dates import today
from dangjian.core.extensions import render_panels
from dangjian.core.forms import run_form, run_service
from dangjian.core.pagination import int_or_404, paginate, querystring_without_page
from dangjian.organizations.choices import OrgKind
from dangjian.organizations.models import Organization

from . import selectors, services
from .choices import FamilyRelation, HowAdded, HowRemoved, MemberStatus, PositionTitle, TripPurpose
from .forms import (
    FamilyMemberForm,
    MassOrganizationForm,
    MemberCreateForm,
    MemberEditForm,
    MemberFilterForm,
    MoveForm,
    PositionForm,
    RemoveForm,
    RestoreForm,
    StatusForm,
    TripAbroadForm,
    TripReturnForm,
)
from .models import FamilyMember, Member, Position, TripAbroad


def _member_organizations(user: Any) -> Any:
    """Organizations where the user may place members (not local committees)."""
    return Organization.objects.restrict(user, "manage").exclude(kind=OrgKind.LOCAL_COMMITTEE)


def _require_manage(request: HttpRequest, member: Member) -> None:
    """`member`'s row carries its organization's path (decision 0290)."""
    if not scope_for(request.user).can_manage_path(member.organization_path):
        raise PermissionDenied


# The same URL answers a whole page or (htmx) the results only: the browser must not serve
# the cached results as the page when the user goes back to it.
@vary_on_headers("HX-Request")
def member_list(request: HttpRequest) -> HttpResponse:
    organizations = Organization.objects.restrict(request.user).exclude(kind=OrgKind.PARTY_GROUP)
    htmx = request.htmx  # type: ignore[attr-defined]
    results_only = bool(htmx and not htmx.history_restore_request)
    # The results alone show no organization picker: nothing to choose its options for.
    listed, shown = (0, None) if results_only else _organizations_shown(request, organizations)
    form = MemberFilterForm(request.GET or None, organizations=organizations, shown=shown)
    organization = None
    filters = selectors.MemberFilters()
    if "org" in form.errors:  # not an organization in scope: as for any other page, 404
        raise Http404
    if form.is_valid():
        filters = form.filters()
        organization = filters.organization
    large = selectors.is_large_scope(request.user, organization)
    # Only the columns the list shows: a member row has some forty.
    queryset = selectors.member_list(user=request.user, filters=filters, large=large).only(
        *LIST_FIELDS
    )
    page = paginate(
        request,
        queryset,
        cap=selectors.list_cap(large=large, q=filters.q),
        # A name searched anywhere in a county's names reads all its members for the count and
        # again for the page: once is enough (decision 0288).
        one_pass=not large and selectors.is_name_search(filters.q),
    )
    context = {
        "form": form,
        "page": page,
        "organization": organization,
        "querystring": querystring_without_page(request),
        "can_create": _member_organizations(request.user).exists(),
        "large": large,
        "names_by_start": large and selectors.is_name_search(filters.q),
    }
    if results_only:
        return render(request, "members/list.html#results", context)
    context["show_organizations"] = listed > 1  # counted for the picker already
    context["organizations_limited"] = shown is not None
    return render(request, "members/list.html", context)


# More organizations than this in the filter's list (a city, a province) and it offers only the
# top three levels (the committee, the levels below it, and theirs) and the chosen one.
ORGANIZATIONS_LISTED = 1_000


# The member fields the list's rows show (templates/members/list.html, "results").
LIST_FIELDS = ("name", "sex", "birth_date", "category", "status", "phone")


def _organizations_shown(request: HttpRequest, organizations: Any) -> tuple[int, Any]:
    """How many organizations the user reads (counted up to one more than are listed), and
    the organizations offered in the filter: None for every one, or the top of a large tree."""
    listed = organizations.order_by().values("pk")[: ORGANIZATIONS_LISTED + 1].count()
    if listed <= ORGANIZATIONS_LISTED:
        return listed, None
    # By the parent links (indexed), a level at a time, not by depth: filtering a province's
    # tree by depth reads all of it.
    roots = list(Organization.objects.tops(request.user).values_list("pk", flat=True))
    below = list(Organization.objects.filter(parent__in=roots).values_list("pk", flat=True))
    shown = organizations.filter(Q(pk__in=roots + below) | Q(parent__in=below))
    chosen = request.GET.get("org", "")
    if chosen.isdigit():
        shown = shown | organizations.filter(pk=int(chosen))
    return listed, shown


def member_detail(request: HttpRequest, pk: int) -> HttpResponse:
    member = selectors.member_get(user=request.user, pk=pk)
    scope = scope_for(request.user)
    memberships = selectors.memberships_of(member)  # shared with the panels
    latest = selectors.latest_membership(member)
    path = latest.organization.path if latest else ""
    context = {
        "member": member,
        "memberships": memberships,
        "latest": latest,
        "on_roster": latest is not None and latest.ended_on is None,
        "positions": member.positions.select_related("organization").order_by("-started_on"),
        "timeline": selectors.member_timeline(member=member),
        "can_manage": bool(path) and scope.can_manage_path(path),
        "can_reveal": bool(path) and scope.can_reveal_path(path),
        "is_self": member.user_id is not None and member.user_id == request.user.pk,
        "panels": render_panels(request, "member", member),
        "family": selectors.family_of(member),
        "trips": selectors.trips_of(member),
    }
    return render(request, "members/detail.html", context)


@require_POST
def member_reveal(request: AuthenticatedHttpRequest, pk: int, field: str) -> HttpResponse:
    """Show one full ID or phone number (an htmx swap); the service audits it."""
    if field not in ("id_number", "phone"):
        raise Http404
    member = selectors.member_get(user=request.user, pk=pk)
    value = services.member_reveal(actor=request.user, member=member, field=field)
    return render(request, "members/detail.html#revealed", {"value": value})


def member_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    organizations = _member_organizations(request.user)
    if not organizations.exists():
        raise PermissionDenied
    initial: dict[str, Any] = {}
    if request.GET.get("org"):
        initial["organization"] = get_object_or_404(
            organizations, pk=int_or_404(request.GET["org"])
        )
    form = MemberCreateForm(request.POST or None, organizations=organizations, initial=initial)
    if done := run_form(
        request,
        form,
        lambda data: services.member_create(
            actor=request.user,
            organization=data["organization"],
            data={name: data[name] for name in services.RECORD_FIELDS},
            id_number=data["id_number"],
            how_added=HowAdded(data["how_added"]),
            started_on=data["started_on"],
        ),
    ):
        member = done.result
        messages.success(request, _("已为 %(name)s 建档。") % {"name": member.name})
        return redirect(member)
    return render(request, "members/form.html", {"form": form, "member": None})


def member_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    member = selectors.member_get(user=request.user, pk=pk)
    _require_manage(request, member)
    form = MemberEditForm(request.POST or None, instance=member)
    if run_form(
        request,
        form,
        lambda data: services.member_update(
            actor=request.user,
            member=member,
            changes=form.changes(),
            id_number=data["id_number"] or None,
            reason=data["reason"],
        ),
        _("已保存，变更已记入电子档案。"),
    ):
        return redirect(member)
    return render(request, "members/form.html", {"form": form, "member": member})


def _action(request: HttpRequest, member: Member, form: Any, title: str, run: Any) -> HttpResponse:
    if run_form(request, form, run, _("已办理，并记入电子档案。")):
        return redirect(member)
    return render(request, "members/action.html", {"form": form, "member": member, "title": title})


def member_status(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    member = selectors.member_get(user=request.user, pk=pk)
    _require_manage(request, member)
    form = StatusForm(request.POST or None, initial={"status": member.status})
    return _action(
        request,
        member,
        form,
        _("变更党籍状态"),
        lambda d: services.member_change_status(
            actor=request.user, member=member, status=MemberStatus(d["status"]), reason=d["reason"]
        ),
    )


def member_remove(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    member = selectors.member_get(user=request.user, pk=pk)
    _require_manage(request, member)
    return _action(
        request,
        member,
        RemoveForm(request.POST or None),
        _("减少党员"),
        lambda d: services.member_remove(
            actor=request.user,
            member=member,
            how_removed=HowRemoved(d["how_removed"]),
            on=d["on"],
            reason=d["reason"],
        ),
    )


def member_restore(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    member = selectors.member_get(user=request.user, pk=pk)
    _require_manage(request, member)
    form = RestoreForm(request.POST or None, organizations=_member_organizations(request.user))
    return _action(
        request,
        member,
        form,
        _("恢复党籍 / 重新编入"),
        lambda d: services.member_restore(
            actor=request.user,
            member=member,
            organization=d["organization"],
            on=d["on"],
            reason=d["reason"],
        ),
    )


def member_move(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    member = selectors.member_get(user=request.user, pk=pk)
    _require_manage(request, member)
    form = MoveForm(request.POST or None, organizations=_member_organizations(request.user))
    return _action(
        request,
        member,
        form,
        _("调整组织关系（本系统内）"),
        lambda d: services.membership_move(
            actor=request.user,
            member=member,
            organization=d["organization"],
            on=d["on"],
            reason=d["reason"],
        ),
    )


def position_assign(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    member = selectors.member_get(user=request.user, pk=pk)
    _require_manage(request, member)
    form = PositionForm(
        request.POST or None, organizations=Organization.objects.restrict(request.user, "manage")
    )
    return _action(
        request,
        member,
        form,
        _("任职"),
        lambda d: services.position_assign(
            actor=request.user,
            organization=d["organization"],
            member=member,
            title=PositionTitle(d["title"]),
            started_on=d["started_on"],
        ),
    )


@require_POST
def position_end(request: AuthenticatedHttpRequest, pk: int, position_pk: int) -> HttpResponse:
    member = selectors.member_get(user=request.user, pk=pk)
    position = get_object_or_404(Position, pk=position_pk, member=member)
    run_service(
        request,
        lambda: services.position_end(actor=request.user, position=position, ended_on=today()),
        _("已免去该职务。"),
    )
    return redirect(member)


def family_member_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    member = selectors.member_get(user=request.user, pk=pk)
    _require_manage(request, member)
    return _action(
        request,
        member,
        FamilyMemberForm(request.POST or None),
        _("登记家庭成员"),
        lambda d: services.family_member_add(
            actor=request.user,
            member=member,
            relation=FamilyRelation(d["relation"]),
            name=d["name"],
            birth_year=d["birth_year"],
            birth_date=d["birth_date"],
            political_status=d["political_status"],
            work_unit=d["work_unit"],
            post=d["post"],
        ),
    )


@require_POST
def family_member_reveal(
    request: AuthenticatedHttpRequest, pk: int, family_pk: int
) -> HttpResponse:
    """Show one relative's full name (an htmx swap); the service audits it."""
    member = selectors.member_get(user=request.user, pk=pk)
    row = get_object_or_404(FamilyMember, pk=family_pk, member=member)
    value = services.family_member_reveal(actor=request.user, family_member=row)
    return render(request, "members/detail.html#revealed", {"value": value})


@require_POST
def family_member_remove(
    request: AuthenticatedHttpRequest, pk: int, family_pk: int
) -> HttpResponse:
    member = selectors.member_get(user=request.user, pk=pk)
    row = get_object_or_404(FamilyMember, pk=family_pk, member=member)
    run_service(
        request,
        lambda: services.family_member_remove(actor=request.user, family_member=row),
        _("已删除，并记入电子档案。"),
    )
    return redirect(member)


def trip_abroad_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    member = selectors.member_get(user=request.user, pk=pk)
    _require_manage(request, member)
    return _action(
        request,
        member,
        TripAbroadForm(request.POST or None),
        _("登记出国出境"),
        lambda d: services.trip_abroad_add(
            actor=request.user,
            member=member,
            left_on=d["left_on"],
            returned_on=d["returned_on"],
            destination=d["destination"],
            purpose=TripPurpose(d["purpose"]),
            approval=d["approval"],
        ),
    )


def trip_abroad_return(request: AuthenticatedHttpRequest, pk: int, trip_pk: int) -> HttpResponse:
    member = selectors.member_get(user=request.user, pk=pk)
    _require_manage(request, member)
    trip = get_object_or_404(TripAbroad, pk=trip_pk, member=member)
    return _action(
        request,
        member,
        TripReturnForm(request.POST or None),
        _("登记回国（入境）"),
        lambda d: services.trip_abroad_return(
            actor=request.user, trip=trip, returned_on=d["returned_on"]
        ),
    )


@require_POST
def trip_abroad_remove(request: AuthenticatedHttpRequest, pk: int, trip_pk: int) -> HttpResponse:
    member = selectors.member_get(user=request.user, pk=pk)
    trip = get_object_or_404(TripAbroad, pk=trip_pk, member=member)
    run_service(
        request,
        lambda: services.trip_abroad_remove(actor=request.user, trip=trip),
        _("已删除，并记入电子档案。"),
    )
    return redirect(member)


def mass_organization_edit(request: AuthenticatedHttpRequest, org_pk: int) -> HttpResponse:
    """群团组织情况 of one organization for a year (entered by whoever manages it)."""
    organization = get_object_or_404(Organization.objects.restrict(request.user), pk=org_pk)
    if not scope_for(request.user).can_manage_path(organization.path):
        raise PermissionDenied
    year = int_or_404(request.GET.get("year", str(today().year)))
    if not 1900 <= year <= 9999:
        raise Http404
    current = selectors.mass_organization_year(organization=organization, year=year)
    initial: dict[str, Any] = {"year": year}
    if current is not None:
        initial |= {
            "has_league": current.has_league,
            "league_members": current.league_members,
            "has_women_organization": current.has_women_organization,
        }
    form = MassOrganizationForm(request.POST or None, initial=initial)
    if run_form(
        request,
        form,
        lambda d: services.mass_organization_year_save(
            actor=request.user,
            organization=organization,
            year=d["year"],
            has_league=d["has_league"],
            league_members=d["league_members"],
            has_women_organization=d["has_women_organization"],
        ),
        _("已保存。"),
    ):
        return redirect(organization)
    context = {
        "form": form,
        "organization": organization,
        "figures": selectors.mass_organization_figures(organization=organization, year=year),
    }
    return render(request, "members/mass_organization.html", context)
