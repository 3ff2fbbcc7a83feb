"""The member portal (phone first) and the secretary's side of correction requests."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from dangjian.accounts.http import AuthenticatedHttpRequest
from dangjian.care import selectors as care_selectors
from dangjian.care import services as care_services
from dangjian.core.extensions import render_panels
from dangjian.core.forms import run_form, run_service
from dangjian.core.pagination import paginate, querystring_without_page
from dangjian.members.models import Member
from dangjian.members.selectors import member_timeline
from dangjian.organizations import selectors as organization_selectors
from dangjian.transfers import mobile as transfer_mobile

from . import activation, selectors, services
from . import letters as letter_render
from .forms import (
    ActivationForm,
    CorrectionRequestForm,
    DecisionForm,
    HelpRequestForm,
    MobileReportForm,
    NoticeForm,
)
from .models import InvitationBatch, InvitationStatus


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


# --- member accounts ------------------------------------------------------------------------


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


def invite(request: AuthenticatedHttpRequest, org: int) -> HttpResponse:
    """The accounts of an organization's members, and the one-step invitation of its subtree."""
    organization = selectors.invitation_organization(user=request.user, pk=org)
    if request.method == "POST":
        done = run_service(
            request,
            lambda: activation.invitation_start(
                actor=request.user, organization=organization, base_url=_base_url(request)
            ),
        )
        if done is None:
            return redirect("accounts-invite:organization", org=organization.pk)
        return redirect(done.result)
    return render(
        request,
        "portal/invite.html",
        {
            "organization": organization,
            "counts": selectors.account_counts(organization),
            "rows": selectors.account_rows(organization),
            "batches": InvitationBatch.objects.filter(organization=organization).order_by(
                "-created_at"
            )[:10],
        },
    )


def invitation(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """An invitation: its progress while it runs, then its letters (PDF and texts to send)."""
    batch = selectors.invitation_batch(user=request.user, public_id=public_id)
    context: dict[str, Any] = {"batch": batch}
    if batch.status == InvitationStatus.DONE:
        context["letters"] = [
            letter_render.letter(record, code, batch) for record, code in activation.letters(batch)
        ]
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "portal/invitation.html#progress", context)
    return render(request, "portal/invitation.html", context)


def invitation_pdf(request: AuthenticatedHttpRequest, public_id: UUID) -> HttpResponse:
    """The activation letters as A4 sheets, four to a page, to print and cut."""
    batch = selectors.invitation_batch(user=request.user, public_id=public_id)
    if batch.status != InvitationStatus.DONE:
        raise Http404
    pdf = letter_render.letters_pdf(
        batch, [letter_render.letter(r, c, batch) for r, c in activation.letters(batch)]
    )
    activation.letters_exported(actor=request.user, batch=batch)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="activation-{batch.public_id}.pdf"'
    return response


@require_POST
def account_reset(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    member = selectors.account_member(user=request.user, pk=pk)
    done = run_service(
        request,
        lambda: activation.account_reset(
            actor=request.user, member=member, base_url=_base_url(request)
        ),
        _("已为 %(name)s 生成新的激活函，原密码已失效。") % {"name": member.name},
    )
    if done is None:
        return redirect("members:detail", pk=member.pk)
    return redirect(done.result)


@login_not_required
@never_cache
def activate(request: HttpRequest) -> HttpResponse:
    """The member's activation page (phone first): code, ID digits, password; then /me/."""
    form = ActivationForm(request.POST or None, initial={"code": request.GET.get("code", "")})
    done = run_form(
        request,
        form,
        lambda data: activation.account_activate(
            code=data["code"], id_last4=data["id_last4"], password=data["password"]
        ),
    )
    if done is None:
        return render(request, "portal/activate.html", {"form": form})
    user = done.result
    if request.user.is_authenticated:
        logout(request)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    messages.success(
        request,
        _("账号已开通。以后请用登录名 %(u)s 和刚设置的密码登录。") % {"u": user.get_username()},
    )
    return redirect("portal:home")


# --- keeping in touch, who looked, help and volunteering (the member's own) -----------------


def _my_member_or_404(request: HttpRequest) -> Member:
    member = _me(request)
    if member is None:
        raise Http404
    return member


def mobile_report(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A mobile member tells the branch where they are and how they are (offered, not asked)."""
    _my_member_or_404(request)
    outflow = transfer_mobile.own_open_outflow(request.user)
    if outflow is None:
        raise Http404
    form = MobileReportForm(
        request.POST or None,
        initial={
            "region_code": outflow.region_code,
            "city": outflow.city,
            "work_unit": outflow.work_unit,
        },
    )
    if run_form(
        request,
        form,
        lambda data: services.mobile_report(actor=request.user, **data),
        _("已告诉支部，谢谢。支部书记会看到您的近况。"),
    ):
        return redirect("portal:home")
    return render(request, "portal/mobile_report.html", {"form": form, "outflow": outflow})


def who_looked(request: HttpRequest) -> HttpResponse:
    """Who saw or exported my full ID and phone numbers: by role and organization, and when."""
    member = _my_member_or_404(request)
    page = paginate(request, selectors.who_looked(member), per_page=20)
    return render(
        request,
        "portal/who_looked.html",
        {
            "page": page,
            "looks": selectors.looks(member, list(page)),
            "querystring": querystring_without_page(request),
        },
    )


def help_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Ask the branch for help (困难求助): what, and how urgent."""
    member = _my_member_or_404(request)
    form = HelpRequestForm(request.POST or None)
    if run_form(
        request,
        form,
        lambda data: care_services.help_request_create(actor=request.user, **data),
        _("求助已送到支部，支部书记会尽快联系您。"),
    ):
        return redirect("portal:home")
    return render(
        request,
        "portal/help_form.html",
        {"form": form, "requests": care_selectors.own_help_requests(member)},
    )


@require_POST
def volunteer_signup(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    member = _my_member_or_404(request)
    activity = care_selectors.volunteer_open_get(member=member, pk=pk)
    if request.POST.get("action") == "cancel":
        run_service(
            request,
            lambda: care_services.volunteer_signup_cancel(actor=request.user, activity=activity),
            _("已取消报名。"),
        )
    else:
        run_service(
            request,
            lambda: care_services.volunteer_signup(actor=request.user, activity=activity),
            _("报名成功：%(what)s（%(day)s）。")
            % {"what": activity.title, "day": activity.on.isoformat()},
        )
    return redirect(f"{reverse('portal:home')}#volunteer")
