"""Dues pages: the calculator (public), an organization's monthly ledger, the annual base
confirmation, reports with export, and a member's dues with the payment form."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangjian.accounts.http import AuthenticatedHttpRequest
from dangjian.accounts.scope import scope_for
from dangjian.core import figures
from dangjian.core.dates import today
from dangjian.core.figures import wants_refresh
from dangjian.core.forms import call_service, run_form, run_service
from dangjian.core.pagination import paginate, querystring_without_page
from dangjian.members.models import Member
from dangjian.organizations.choices import OrgKind
from dangjian.organizations.models import Organization

from . import rules, selectors, services
from .choices import DuesCategory
from .forms import CalculatorForm, FarmerAmountForm, PaymentForm, ProfileForm
from .models import LedgerEntry

BRANCH_KINDS = (OrgKind.BRANCH, OrgKind.JOINT_BRANCH, OrgKind.TEMPORARY_BRANCH)


def _month_param(request: HttpRequest) -> dt.date:
    raw = request.GET.get("month", "")
    if not raw:
        return rules.month_of(today())
    year, _sep, month = raw.partition("-")
    if not (year.isdigit() and month.isdigit() and 2000 <= int(year) <= 2100):
        raise Http404
    try:
        return dt.date(int(year), int(month), 1)
    except ValueError as exc:
        raise Http404 from exc


def _year_param(request: HttpRequest) -> int:
    try:
        year = int(request.GET.get("year") or today().year)
    except ValueError as exc:
        raise Http404 from exc
    if not 2000 <= year <= 2100:
        raise Http404
    return year


@login_not_required
def calculator(request: HttpRequest) -> HttpResponse:
    """党费计算器: anyone may check their monthly dues; answers in place with htmx."""
    form = CalculatorForm(request.GET or None)
    done = run_form(
        request,
        form,
        lambda data: rules.calculate(
            table=rules.table_for_month(rules.month_of(today())),
            category=data["category"],
            base=data["base"],
        ),
    )
    result = done.result if done else None
    context = {"form": form, "result": result}
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "dues/calculator.html#result", context)
    return render(request, "dues/calculator.html", context)


def index(request: HttpRequest) -> HttpResponse:
    """Start at the user's highest organization; a member goes to their own dues."""
    scope = scope_for(request.user)
    top = Organization.objects.tops(scope).first()
    if top is not None:
        return redirect("dues:organization", pk=top.pk)
    member = Member.objects.filter(user_id=request.user.pk or 0).first()
    if member is not None:
        return redirect("dues:member", pk=member.pk)
    return redirect("dues:calculator")


def organization(request: HttpRequest, pk: int) -> HttpResponse:
    """One month's ledger of the subtree, with what each member has paid through."""
    org = selectors.organization_get(user=request.user, pk=pk)
    month = _month_param(request)
    entries = (
        LedgerEntry.objects.within(org)
        .filter(month=month)
        .select_related("member", "organization")
        .order_by("organization__path", "member__name_pinyin", "member_id")
    )
    page = paginate(request, entries)
    accounts = selectors.dues_accounts([e.member_id for e in page.object_list], on=today())
    rows = []
    for entry in page.object_list:
        account = accounts[entry.member_id]
        line = account.line(month)
        rows.append(
            {
                "entry": entry,
                "paid": line.settled if line else False,
                "paid_through": account.paid_through,
                "unpaid_months": account.unpaid_months,
            }
        )
    due, collected, count = selectors.month_summary(org, month)
    scope = scope_for(request.user)
    context = {
        "organization": org,
        "month": month,
        "previous": rules.add_months(month, -1),
        "next": rules.add_months(month, 1),
        "page": page,
        "rows": rows,
        "querystring": querystring_without_page(request),
        "due": due,
        "collected": collected,
        "count": count,
        "can_manage": scope.can_manage_path(org.path),
        "is_branch": org.kind in BRANCH_KINDS,
        "farmer_amount": selectors.farmer_amount_of(org),
        "children": Organization.objects.filter(parent=org).order_by("code", "pk"),
    }
    return render(request, "dues/organization.html", context)


def organization_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """This month's due and collected for the organization page's panel (loaded by htmx)."""
    org = selectors.organization_get(user=request.user, pk=pk)
    month = rules.month_of(today())
    due, collected, count = selectors.month_summary(org, month)
    context = {
        "organization": org,
        "month": month,
        "due": due,
        "collected": collected,
        "count": count,
    }
    return render(request, "dues/panel_organization.html#figures", context)


@require_POST
def ledger_generate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    org = selectors.organization_get(user=request.user, pk=pk)
    month = _month_param(request)
    if done := run_service(
        request,
        lambda: services.ledger_generate(actor=request.user, organization=org, month=month),
    ):
        result = done.result
        text = _(
            "已生成 %(month)s 台账：新增 %(created)s 条，更新 %(updated)s 条，未变 %(unchanged)s 条。"
        ) % {
            "month": month.strftime("%Y-%m"),
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
        }
        if result.without_profile:
            text += _("另有 %(n)s 名党员尚未建立党费档案，请先填写类别和基数。") % {
                "n": result.without_profile
            }
        messages.success(request, text)
    return redirect(f"{reverse('dues:organization', args=[org.pk])}?month={month:%Y-%m}")


def farmer_amount(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    org = selectors.organization_get(user=request.user, pk=pk)
    if not scope_for(request.user).can_manage_path(org.path):
        raise PermissionDenied
    initial = {"farmer_amount": selectors.farmer_amount_of(org) or Decimal("0.20")}
    form = FarmerAmountForm(request.POST or None, initial=initial)
    if run_form(
        request,
        form,
        lambda data: services.farmer_amount_set(
            actor=request.user, organization=org, amount=data["farmer_amount"]
        ),
        _("已保存农民党员每月党费。"),
    ):
        return redirect("dues:organization", pk=org.pk)
    return render(
        request,
        "dues/form.html",
        {
            "form": form,
            "title": _("农民党员党费"),
            "back": reverse("dues:organization", args=[org.pk]),
        },
    )


def confirm(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """每年核定: the branch's members with last year's base; confirm or change in one pass."""
    org = selectors.organization_get(user=request.user, pk=pk)
    if not scope_for(request.user).can_manage_path(org.path):
        raise PermissionDenied
    year = _year_param(request)
    rows = selectors.confirmation_rows(org, year)
    errors: dict[str, str] = {}
    if request.method == "POST":
        submitted: list[tuple[Member, str, Decimal | None]] = []
        for row in rows:
            member = row["member"]
            category = request.POST.get(f"category_{member.pk}", "")
            raw_base = request.POST.get(f"base_{member.pk}", "").strip()
            row["category"], row["base"] = category, raw_base
            if not category:
                continue  # left blank: not confirmed in this pass
            base = None
            if raw_base:
                parsed = call_service(partial(rules.parse_money, raw_base, f"base_{member.pk}"))
                if isinstance(parsed, ValidationError):
                    errors[f"base_{member.pk}"] = f"{member.name}：{parsed.messages[0]}"
                    continue
                base = parsed.result
            submitted.append((member, category, base))
        if not errors:
            # Errors go next to their member's row, so this table lays them out itself.
            confirmed = call_service(
                lambda: services.base_confirm(
                    actor=request.user, organization=org, year=year, rows=submitted
                )
            )
            if isinstance(confirmed, ValidationError):
                errors = {k: v[0] for k, v in confirmed.message_dict.items()}
            else:
                count = confirmed.result
                messages.success(
                    request,
                    _("已核定 %(n)s 名党员 %(year)s 年的党费基数。") % {"n": count, "year": year},
                )
                return redirect(f"{reverse('dues:confirm', args=[org.pk])}?year={year}")
    for row in rows:
        source = row["this_year"] or row["last_year"]
        row.setdefault("category", source.category if source else "")
        row.setdefault("base", f"{source.base:.2f}" if source and source.base is not None else "")
        row["error"] = errors.get(f"base_{row['member'].pk}")
    context = {
        "organization": org,
        "year": year,
        "rows": rows,
        "errors": errors,
        "categories": DuesCategory.choices,
    }
    return render(request, "dues/confirm.html", context)


def report(request: HttpRequest, pk: int) -> HttpResponse:
    org = selectors.organization_get(user=request.user, pk=pk)
    year = _year_param(request)
    month = _month_of_year(request)
    report = selectors.report_page(org, year, month, refresh=wants_refresh(request))
    context = {
        "organization": org,
        "year": year,
        "month": month,
        "report": report,
        # None while the worker counts a big subtree's report never counted (decision 0287)
        "kept": figures.PENDING if report is None else None,
        "unpaid": [] if report is None else report.unpaid,
        "art9_months": rules.art9_months(),
        "months": range(1, 13),
    }
    return render(request, "dues/report.html", context)


def _month_of_year(request: HttpRequest) -> int | None:
    raw = request.GET.get("m", "")
    if not raw:
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= 12:
        raise Http404
    return int(raw)


def report_export(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    org = selectors.organization_get(user=request.user, pk=pk)
    year = _year_param(request)
    month = _month_of_year(request)
    data = services.report_export(actor=request.user, organization=org, year=year, month=month)
    period = f"{year}-{month:02d}" if month else str(year)
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="dues-{org.code}-{period}.xlsx"'
    return response


def _member_context(request: HttpRequest, member: Member) -> dict[str, Any]:
    organization = selectors.member_organization(member)
    scope = scope_for(request.user)
    return {
        "member": member,
        "organization": organization,
        "dues": selectors.member_dues(member),
        "can_manage": organization is not None and scope.can_manage_path(organization.path),
    }


def member(request: HttpRequest, pk: int) -> HttpResponse:
    found = selectors.member_get(user=request.user, pk=pk)
    return render(request, "dues/member.html", _member_context(request, found))


def payment_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    found = selectors.member_get(user=request.user, pk=pk)
    context = _member_context(request, found)
    if not context["can_manage"]:
        raise PermissionDenied
    form = PaymentForm(request.POST or None)

    def record(data: dict[str, Any]) -> Any:
        amount = data["amount"]
        if amount is None:
            amount = (
                selectors.amount_for_months(found, data["months"]) if data["months"] else Decimal(0)
            )
        return services.payment_record(
            actor=request.user,
            member=found,
            amount=amount,
            voluntary_amount=data["voluntary_amount"] or Decimal("0"),
            paid_on=data["paid_on"],
            method=data["method"],
            receipt_number=data["receipt_number"],
            note=data["note"],
        )

    if run_form(request, form, record, _("已登记党费，并记入电子档案。")):
        return redirect("dues:member", pk=found.pk)
    context["form"] = form
    context["suggestions"] = [(n, selectors.amount_for_months(found, n)) for n in (1, 3, 6, 12)]
    return render(request, "dues/payment_form.html", context)


def profile_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    found = selectors.member_get(user=request.user, pk=pk)
    context = _member_context(request, found)
    if not context["can_manage"]:
        raise PermissionDenied
    current = context["dues"].profile
    initial: dict[str, Any] = {"effective_from": rules.month_of(today())}
    if current is not None:
        initial.update(
            category=current.category if current.category_overridden else "",
            override_reason=current.override_reason,
            base=current.base,
            reduced_amount=current.reduced_amount,
            reduction_decision=current.reduction_decision,
            reduction_approved_by=current.reduction_approved_by,
        )
    basis = context["dues"].basis
    form = ProfileForm(
        request.POST or None,
        initial=initial,
        occupation=basis.occupation,
        derived=str(basis.derived.label),
    )
    if run_form(
        request,
        form,
        lambda data: services.profile_set(
            actor=request.user,
            member=found,
            category=data["category"] or None,
            base=data["base"],
            effective_from=data["effective_from"],
            override_reason=data["override_reason"],
            reduced_amount=data["reduced_amount"],
            reduction_decision=data["reduction_decision"],
            reduction_approved_by=data["reduction_approved_by"],
        ),
        _("已保存党费档案，并记入电子档案。"),
    ):
        return redirect("dues:member", pk=found.pk)
    return render(
        request,
        "dues/form.html",
        {
            "form": form,
            "title": _("党费档案：%(name)s") % {"name": found.name},
            "back": reverse("dues:member", args=[found.pk]),
        },
    )
