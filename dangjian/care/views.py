"""Pages to record care, service, commendations and discipline, and the care fund ledger."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from dangjian.accounts.scope import scope_for
from dangjian.core.dates import today
from dangjian.core.forms import add_service_errors
from dangjian.members.selectors import member_get
from dangjian.organizations import selectors as organization_selectors

from . import services
from .forms import KINDS, FundIncomeForm
from .models import CareFundEntry


def record_new(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    member = member_get(user=request.user, pk=pk)
    if kind not in KINDS:
        raise Http404
    if not scope_for(request.user).can_manage_path(getattr(member, "organization_path", "") or ""):
        raise PermissionDenied
    form_class, title = KINDS[kind]
    form = form_class(request.POST or None, initial={"on": today(), "since": today()})
    if request.method == "POST" and form.is_valid():
        record = form.save(commit=False)
        record.member = member
        try:
            services.record_for_member(actor=request.user, record=record)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("已登记，并记入党员电子档案。"))
            return redirect(member)
    return render(request, "care/form.html", {"form": form, "member": member, "title": title})


def fund(request: HttpRequest, org: int) -> HttpResponse:
    organization = organization_selectors.organization_get(user=request.user, pk=org)
    can_manage = scope_for(request.user).can_manage_path(organization.path)
    form = FundIncomeForm(request.POST or None, initial={"on": today()})
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.fund_income(
                    actor=request.user, organization=organization, **form.cleaned_data
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("已记入关爱基金。"))
                return redirect("care:fund", organization.pk)
    return render(
        request,
        "care/fund.html",
        {
            "organization": organization,
            "entries": CareFundEntry.objects.filter(organization=organization).order_by(
                "-on", "-pk"
            )[:200],
            "balance": services.fund_balance(organization),
            "form": form,
            "can_manage": can_manage,
        },
    )
