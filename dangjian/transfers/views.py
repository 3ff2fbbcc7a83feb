"""Transfer and mobile-member pages: thin adapters over selectors and services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dangjian.accounts.http import AuthenticatedHttpRequest
from dangjian.accounts.scope import scope_for
from dangjian.core.crypto import mask_phone
from dangjian.core.forms import call_service, run_form, run_service
from dangjian.core.pagination import int_or_404, paginate, querystring_without_page
from dangjian.members import selectors as member_selectors
from dangjian.organizations.choices import OrgKind
from dangjian.organizations.models import Organization

from . import exchange, forms, mobile, package, panels, selectors, services
from .choices import OutflowReason, TransferKind
from .regions import region_name

LIST_TITLES = {
    "outgoing": gettext_lazy("转出"),
    "incoming": gettext_lazy("待接收"),
    "in_transit": gettext_lazy("转接中"),
    "overdue": gettext_lazy("已逾期"),
    "closed": gettext_lazy("已办结"),
}


def _receiving_organizations(user: Any) -> Any:
    return (
        Organization.objects.restrict(user, "manage")
        .exclude(kind__in=[OrgKind.LOCAL_COMMITTEE, OrgKind.PARTY_GROUP])
        .order_by("path")
    )


def transfer_list(request: HttpRequest) -> HttpResponse:
    which = request.GET.get("list", "outgoing")
    if which not in selectors.LISTS:
        raise Http404
    page = paginate(request, selectors.transfer_list(user=request.user, which=which))
    context = {
        "page": page,
        "which": which,
        "lists": [(key, LIST_TITLES[key]) for key in selectors.LISTS],
        "can_import": _receiving_organizations(request.user).exists(),
    }
    if request.htmx and not request.htmx.history_restore_request:  # type: ignore[attr-defined]
        return render(request, "transfers/list.html#results", context)
    return render(request, "transfers/list.html", context)


def transfer_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    member = member_selectors.member_get(
        user=request.user, pk=int_or_404(request.GET.get("member"))
    )
    if not scope_for(request.user).can_manage_path(member.organization_path):
        raise PermissionDenied
    form = forms.TransferCreateForm(request.POST or None)
    if done := run_form(
        request,
        form,
        lambda data: services.transfer_create(
            actor=request.user,
            member=member,
            kind=TransferKind(data["kind"]),
            to_organization=data["to_organization"],
            counterpart_issuer=data["counterpart_issuer"],
            counterpart_organization=data["counterpart_organization"],
            reason=data["reason"],
        ),
        _("已建立转接草稿。"),
    ):
        return redirect(done.result)
    return render(
        request,
        "transfers/form.html",
        {
            "form": form,
            "title": _("办理组织关系转出：%(name)s") % {"name": member.name},
            "back": member.get_absolute_url(),
        },
    )


def transfer_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    transfer = selectors.transfer_get(user=request.user, pk=pk)
    actions = services.allowed_actions(request.user, transfer)
    sender = services.can_act_as_sender(request.user, transfer)
    context = {
        "transfer": transfer,
        "events": transfer.events.select_related("actor"),
        "actions": actions,
        "can_letter": transfer.letter_number is not None
        and (sender or services.can_act_as_receiver(request.user, transfer)),
        "can_export": sender
        and transfer.kind == TransferKind.OUTBOUND
        and transfer.can_export_package(),
        "can_receipt": transfer.kind == TransferKind.INBOUND
        and bool(transfer.receipt)
        and services.can_act_as_receiver(request.user, transfer),
        "issue_form": forms.IssueForm(
            initial={
                "dues_paid_until": transfer.dues_paid_until
                or selectors.dues_paid_until(transfer.member)
                or ""
            }
        ),
        "reason_form": forms.ReasonForm(),
        "dues_known": selectors.dues_paid_until(transfer.member) is not None,
    }
    return render(request, "transfers/detail.html", context)


def _step(
    request: AuthenticatedHttpRequest,
    transfer: Any,
    form: Any,
    run: Callable[[dict[str, Any]], Any],
) -> HttpResponse:
    success = _("已办理，并记入转接记录和电子档案。")
    if form is None:
        run_service(request, lambda: run({}), success, joined=False)
        return redirect(transfer)
    if run_form(request, form, run, success):
        return redirect(transfer)
    return render(
        request,
        "transfers/detail.html",
        {
            "transfer": transfer,
            "events": transfer.events.select_related("actor"),
            "actions": services.allowed_actions(request.user, transfer),
            "issue_form": form if isinstance(form, forms.IssueForm) else forms.IssueForm(),
            "reason_form": form if isinstance(form, forms.ReasonForm) else forms.ReasonForm(),
        },
        status=400,
    )


@require_POST
def transfer_action(request: AuthenticatedHttpRequest, pk: int, action: str) -> HttpResponse:
    transfer = selectors.transfer_get(user=request.user, pk=pk)
    user = request.user
    if action == "submit":
        return _step(
            request,
            transfer,
            None,
            lambda _d: services.transfer_submit(actor=user, transfer=transfer),
        )
    if action == "approve":
        return _step(
            request,
            transfer,
            None,
            lambda _d: services.transfer_approve(actor=user, transfer=transfer),
        )
    if action == "issue":
        return _step(
            request,
            transfer,
            forms.IssueForm(request.POST),
            lambda d: services.transfer_issue(
                actor=user, transfer=transfer, dues_paid_until=d["dues_paid_until"]
            ),
        )
    if action == "receive":
        return _step(
            request,
            transfer,
            None,
            lambda _d: services.transfer_receive(actor=user, transfer=transfer),
        )
    if action == "expire":
        return _step(
            request,
            transfer,
            None,
            lambda _d: services.transfer_expire(actor=user, transfer=transfer),
        )
    if action in ("return", "cancel"):
        service = services.transfer_return if action == "return" else services.transfer_cancel
        return _step(
            request,
            transfer,
            forms.ReasonForm(request.POST),
            lambda d: service(actor=user, transfer=transfer, reason=d["reason"]),
        )
    raise Http404


def _base_url(request: HttpRequest) -> str:
    # The address phones reach this deployment at, not the one the printing secretary used.
    return str(settings.DANGJIAN_PUBLIC_URL)


def transfer_letter(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    transfer = selectors.transfer_get(user=request.user, pk=pk)
    if transfer.letter_number is None:
        raise Http404
    pdf = services.transfer_letter_print(
        actor=request.user, transfer=transfer, base_url=_base_url(request)
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="letter-{transfer.letter_number}.pdf"'
    return response


@login_not_required
def letter_verify(request: HttpRequest) -> HttpResponse:
    """What the QR code on a letter opens, for anyone (the receiving secretary elsewhere is not
    signed in here): the signature's outcome and what is needed to match the paper."""
    done = call_service(
        lambda: services.transfer_letter_check(actor=request.user, token=request.GET.get("t", ""))
    )
    if isinstance(done, ValidationError):
        return render(request, "transfers/verify.html", {"refused": done.messages[0]}, status=429)
    check = done.result
    # A signed-in user who may read the transfer gets the link to it; nobody else learns more.
    transfer = None
    if check.transfer is not None and request.user.is_authenticated:
        transfer = selectors.scoped_transfers(request.user).filter(pk=check.transfer.pk).first()
    return render(request, "transfers/verify.html", {"check": check, "transfer": transfer})


def _download(document: dict[str, Any], filename: str) -> HttpResponse:
    response = HttpResponse(package.dumps(document), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_POST
def transfer_package(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    transfer = selectors.transfer_get(user=request.user, pk=pk)
    done = run_service(
        request,
        lambda: exchange.transfer_package_export(actor=request.user, transfer=transfer),
        joined=False,
    )
    if not done:
        return redirect(transfer)
    return _download(done.result, f"transfer-{transfer.public_id}.json")


def transfer_receipt(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    transfer = selectors.transfer_get(user=request.user, pk=pk)
    if transfer.kind != TransferKind.INBOUND or not transfer.receipt:
        raise Http404
    if not services.can_act_as_receiver(request.user, transfer):
        raise PermissionDenied
    return _download(transfer.receipt, f"receipt-{transfer.public_id}.json")


def _first_error_on(form: Any, error: ValidationError) -> None:
    """An imported document's first problem, above the form (not on the file field)."""
    form.add_error(None, error.messages[0] if error.messages else str(error))


def package_import(request: AuthenticatedHttpRequest) -> HttpResponse:
    organizations = _receiving_organizations(request.user)
    if not organizations.exists():
        raise PermissionDenied
    form = forms.PackageImportForm(
        request.POST or None, request.FILES or None, organizations=organizations
    )
    if request.method == "POST" and form.is_valid():
        outcome = call_service(
            lambda: exchange.transfer_package_import(
                actor=request.user,
                document=form.cleaned_data["file"].read(),
                organization=form.cleaned_data["organization"],
            )
        )
        if isinstance(outcome, ValidationError):
            _first_error_on(form, outcome)
        else:
            messages.success(
                request,
                _(
                    "已导入并建档（转接包由 %(issuer)s 的密钥 %(kid)s 签名）。"
                    "请下载回执，发回转出方系统，以办结转接。"
                )
                % {
                    "issuer": outcome.result.counterpart_issuer,
                    "kid": outcome.result.package_kid,
                },
            )
            return redirect(outcome.result)
    return render(
        request,
        "transfers/form.html",
        {
            "form": form,
            "title": _("导入转接包（从其他系统转入）"),
            "multipart": True,
            "back": "/transfers/",
        },
    )


def receipt_import(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not scope_for(request.user).manages_anything:
        raise PermissionDenied
    form = forms.ReceiptImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        outcome = call_service(
            lambda: exchange.transfer_receipt_import(
                actor=request.user, document=form.cleaned_data["file"].read()
            )
        )
        if isinstance(outcome, ValidationError):
            _first_error_on(form, outcome)
        else:
            messages.success(
                request,
                _("回执有效（%(issuer)s 的密钥 %(kid)s 签名），转接已办结，党员已按“转出”减少。")
                % {
                    "issuer": outcome.result.counterpart_issuer,
                    "kid": outcome.result.receipt_kid,
                },
            )
            return redirect(outcome.result)
    return render(
        request,
        "transfers/form.html",
        {
            "form": form,
            "title": _("导入回执（转往其他系统）"),
            "multipart": True,
            "back": "/transfers/",
        },
    )


# --- mobile members ----------------------------------------------------------------------------


def mobile_list(request: HttpRequest) -> HttpResponse:
    region = request.GET.get("region", "")
    if region and not (region.isdigit() and len(region) == 6):
        raise Http404
    quiet = request.GET.get("quiet") == "1"
    no_card = request.GET.get("no_card") == "1"
    page = paginate(
        request,
        selectors.outflow_list(
            user=request.user, region=region, not_heard_from=quiet, without_certificate=no_card
        ),
    )
    ids = [o.member_id for o in page]
    certified = selectors.valid_certificate_member_ids(ids)
    rows = [(o, region_name(o.region_code), o.member_id in certified) for o in page]
    context = {
        "page": page,
        "rows": rows,
        "region": region,
        "region_label": region_name(region) if region else "",
        "quiet": quiet,
        "no_card": no_card,
        "counts": selectors.outflow_counts_by_province(user=request.user),
        "certificates_known": selectors.CERTIFICATE_LOOKUP_WIRED,
        "since": selectors.not_heard_from_since(services.today()),
    }
    return render(request, "transfers/mobile.html", context)


def outflow_reports(request: HttpRequest) -> HttpResponse:
    """Mobile members' own reports (近况报告), unread first; the branch marks each read."""
    unseen = request.GET.get("all") != "1"
    page = paginate(request, selectors.outflow_reports(user=request.user, unseen_only=unseen))
    scope = scope_for(request.user)
    rows = [
        {
            "report": report,
            "place": region_name(report.region_code),
            "contact": mask_phone(report.contact) if report.contact else "",
            "can_manage": scope.can_manage_path(report.outflow.home_organization.path),
        }
        for report in page
    ]
    return render(
        request,
        "transfers/outflow_reports.html",
        {
            "page": page,
            "rows": rows,
            "unseen": unseen,
            "querystring": querystring_without_page(request),
        },
    )


@require_POST
def outflow_report_seen(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    report = selectors.outflow_report_get(user=request.user, pk=pk)
    run_service(
        request,
        lambda: mobile.outflow_report_seen(actor=request.user, report=report),
        _("已阅。"),
    )
    return redirect("transfers:outflow_reports")


def outflow_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    member = member_selectors.member_get(
        user=request.user, pk=int_or_404(request.GET.get("member"))
    )
    if not scope_for(request.user).can_manage_path(member.organization_path):
        raise PermissionDenied
    initial = {}
    if request.method != "POST":
        # The contact starts from the member's phone: prefilled, editable (an audited reveal).
        initial["contact"] = mobile.outflow_contact_prefill(actor=request.user, member=member)
    form = forms.OutflowForm(request.POST or None, initial=initial)
    form.fields["contact"].help_text = _("默认为党员登记的联系电话（%(phone)s），可修改。") % {
        "phone": member.phone_masked or _("未登记")
    }
    if run_form(
        request,
        form,
        lambda data: mobile.outflow_create(
            actor=request.user,
            member=member,
            region_code=data["region_code"],
            left_on=data["left_on"],
            reason=OutflowReason(data["reason"]),
            city=data["city"],
            work_unit=data["work_unit"],
            contact=data["contact"],
            host_organization_name=data["host_organization_name"],
        ),
        _("已登记流出，并记入电子档案。"),
    ):
        return redirect(member)
    return render(
        request,
        "transfers/form.html",
        {
            "form": form,
            "title": _("登记流出：%(name)s") % {"name": member.name},
            "back": member.get_absolute_url(),
        },
    )


def outflow_action(request: AuthenticatedHttpRequest, pk: int, action: str) -> HttpResponse:
    outflow = selectors.outflow_get(user=request.user, pk=pk)
    if action not in ("contact", "return"):
        raise Http404
    if not scope_for(request.user).can_manage_path(outflow.home_organization.path):
        raise PermissionDenied
    form = forms.DateForm(request.POST or None)
    service = mobile.outflow_contact if action == "contact" else mobile.outflow_return
    if run_form(
        request,
        form,
        lambda data: service(actor=request.user, outflow=outflow, on=data["on"]),
        _("已记录。"),
    ):
        return redirect("transfers:mobile")
    title = _("记录联系：%(name)s") if action == "contact" else _("登记返回：%(name)s")
    return render(
        request,
        "transfers/form.html",
        {
            "form": form,
            "title": title % {"name": outflow.member.name},
            "back": "/transfers/mobile/",
        },
    )


def inflow_list(request: HttpRequest) -> HttpResponse:
    page = paginate(request, selectors.scoped_inflows(request.user).filter(left_on__isnull=True))
    return render(
        request,
        "transfers/inflows.html",
        {"page": page, "can_create": _receiving_organizations(request.user).exists()},
    )


def inflow_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    organizations = _receiving_organizations(request.user)
    if not organizations.exists():
        raise PermissionDenied
    form = forms.InflowForm(request.POST or None, organizations=organizations)
    if run_form(
        request,
        form,
        lambda data: mobile.inflow_create(
            actor=request.user,
            host_organization=data["host_organization"],
            name=data["name"],
            home_organization_name=data["home_organization_name"],
            home_region_code=data["home_region_code"],
            phone=data["phone"],
            work_unit=data["work_unit"],
            arrived_on=data["arrived_on"],
            reason=OutflowReason(data["reason"]),
            has_certificate=data["has_certificate"],
        ),
        _("已登记流入党员。"),
    ):
        return redirect("transfers:inflows")
    return render(
        request,
        "transfers/form.html",
        {"form": form, "title": _("登记流入党员"), "back": "/transfers/mobile/inflows/"},
    )


@require_POST
def inflow_leave(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    inflow = selectors.inflow_get(user=request.user, pk=pk)
    run_service(
        request,
        lambda: mobile.inflow_leave(actor=request.user, inflow=inflow, on=services.today()),
        joined=False,
    )
    return redirect("transfers:inflows")


def organization_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """The organization page's transfers panel, loaded by htmx after the page."""
    organization = Organization.objects.restrict(request.user).filter(pk=pk).first()
    if organization is None:
        raise Http404
    context = {**panels.organization_panel_context(organization), "loaded": True}
    return render(request, "transfers/organization_panel.html", context)
