"""The member portal (phone first) and the secretary's side of correction requests."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangjian.accounts.http import AuthenticatedHttpRequest
from dangjian.core.extensions import render_panels
from dangjian.core.forms import run_form
from dangjian.members.models import Member
from dangjian.members.selectors import member_timeline
from dangjian.organizations import selectors as organization_selectors

from . import selectors, services
from .forms import CorrectionRequestForm, DecisionForm, NoticeForm


def _me(request: HttpRequest) -> Member | None:
    return selectors.my_member(request.user)


def home(request: HttpRequest) -> HttpResponse:
    member = _me(request)
    if member is None:
        return render(request, "portal/not_linked.html", status=200)
    return render(
        request,
        "portal/home.html",
        {
            "member": member,
            "notices": selectors.notices_for(member),
            "panels": render_panels(request, "portal", member),
        },
    )


def info(request: HttpRequest) -> HttpResponse:
    member = _me(request)
    if member is None:
        raise Http404
    return render(
        request,
        "portal/info.html",
        {
            "member": member,
            "corrections": selectors.my_corrections(member),
            "timeline": member_timeline(member=member)[:30],
        },
    )


def correction_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    member = _me(request)
    if member is None:
        raise Http404
    form = CorrectionRequestForm(
        request.POST or None, initial={"field": request.GET.get("field", "")}
    )
    if run_form(
        request,
        form,
        lambda data: services.correction_request(actor=request.user, **data),
        _("更正申请已提交，支部书记处理后您会在这里看到结果。"),
    ):
        return redirect("portal:info")
    return render(request, "portal/correction_form.html", {"form": form, "member": member})


def corrections(request: HttpRequest) -> HttpResponse:
    """Pending requests the secretary may decide."""
    if not request.user.is_authenticated or not hasattr(request.user, "roles"):
        raise PermissionDenied
    pending = selectors.decidable_corrections(request.user)
    return render(request, "portal/corrections.html", {"pending": pending})


def correction_decide(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    correction = get_object_or_404(selectors.decidable_corrections(request.user), pk=pk)
    form = DecisionForm(request.POST or None, field_name=correction.field)
    if run_form(
        request,
        form,
        lambda data: services.correction_decide(
            actor=request.user,
            request=correction,
            approve=request.POST.get("decision") == "approve",
            value=data.get("value"),
            note=data.get("note", ""),
        ),
        _("已处理更正申请。"),
    ):
        return redirect("portal:corrections")
    if request.method != "POST" and "value" in form.fields:
        form.initial["value"] = correction.proposed_value
    return render(
        request,
        "portal/correction_decide.html",
        {"correction": correction, "form": form, "label": services.field_label(correction.field)},
    )


@require_POST
def notice_publish(request: AuthenticatedHttpRequest, org: int) -> HttpResponse:
    organization = organization_selectors.organization_get(user=request.user, pk=org)
    form = NoticeForm(request.POST)
    if run_form(
        request,
        form,
        lambda data: services.notice_publish(actor=request.user, organization=organization, **data),
        _("通知已发布。"),
    ):
        return redirect(organization)
    for field_errors in form.errors.values():
        for message in field_errors:
            messages.error(request, str(message))
    return redirect(organization)
