"""班子队伍 pages: the roster of secretaries and party-affairs staff of a subtree with the 书记
distribution, its export, 述职 results and staff posts."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from dangjian.accounts.http import AuthenticatedHttpRequest
from dangjian.accounts.scope import scope_for
from dangjian.core.dates import today
from dangjian.core.forms import run_form
from dangjian.core.pagination import int_or_404
from dangjian.members import selectors as member_selectors
from dangjian.members.models import Position
from dangjian.organizations.models import Organization

from . import selectors, services
from .forms import DutyReportForm, StaffPostForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _organization(request: HttpRequest) -> Organization:
    if request.GET.get("org"):
        return get_object_or_404(
            Organization.objects.restrict(request.user), pk=int_or_404(request.GET["org"])
        )
    top = Organization.objects.tops(request.user).first()
    if top is None:
        raise Http404
    return top


def roster(request: HttpRequest) -> HttpResponse:
    """A committee's (or a branch's) secretaries and party-affairs staff, with the distribution."""
    organization = _organization(request)
    on = today()
    distribution = selectors.secretary_distribution(organization, on)
    return render(
        request,
        "leadership/roster.html",
        {
            "organization": organization,
            "on": on,
            "rows": selectors.roster(organization, on),
            "distribution": distribution,
            "groups": selectors.label_rows(distribution),
            "reports": selectors.duty_reports(request.user, organization)[:50],
            "can_manage": scope_for(request.user).can_manage_path(organization.path),
        },
    )


def roster_export(request: AuthenticatedHttpRequest) -> HttpResponse:
    organization = _organization(request)
    body = services.roster_export(actor=request.user, organization=organization, on=today())
    response = HttpResponse(body, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="roster-{organization.code}.xlsx"'
    return response


def duty_report_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Record a 述职评议 result for someone holding a position in the subtree."""
    organization = _organization(request)
    if not scope_for(request.user).can_manage_path(organization.path):
        raise PermissionDenied
    day = today()
    positions = (
        Position.objects.within(organization)
        .filter(started_on__lte=day)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=day))
        .select_related("organization", "member")
        .order_by("organization__path", "title", "member__name_pinyin")
    )
    form = DutyReportForm(request.POST or None, positions=positions, initial={"year": day.year - 1})
    if run_form(
        request,
        form,
        lambda d: services.duty_report_record(
            actor=request.user,
            organization=d["position"].organization,
            member=d["position"].member,
            year=d["year"],
            grade=d["grade"],
            note=d["note"],
        ),
        _("已登记述职评议结果。"),
    ):
        return redirect(f"{reverse('leadership:roster')}?org={organization.pk}")
    return render(
        request,
        "leadership/form.html",
        {"form": form, "organization": organization, "title": _("登记述职评议结果")},
    )


def staff_post_assign(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Give a member a party-affairs duty (组织委员 …, 党务工作者)."""
    member = member_selectors.member_get(user=request.user, pk=pk)
    organizations = Organization.objects.restrict(request.user, "manage")
    if not organizations.exists():
        raise PermissionDenied
    form = StaffPostForm(request.POST or None, organizations=organizations)
    if run_form(
        request,
        form,
        lambda d: services.staff_post_assign(
            actor=request.user,
            organization=d["organization"],
            member=member,
            duty=d["duty"],
            started_on=d["started_on"],
        ),
        _("已安排党务职责。"),
    ):
        return redirect(member)
    return render(
        request,
        "leadership/form.html",
        {"form": form, "member": member, "title": _("安排党务职责")},
    )
