"""Work-fund pages: a subtree's summary against the standard, one organization's ledger."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from dangjian.accounts.http import AuthenticatedHttpRequest
from dangjian.accounts.scope import scope_for
from dangjian.core.dates import today
from dangjian.core.forms import run_form
from dangjian.core.pagination import int_or_404
from dangjian.core.workbooks import XLSX_TYPE
from dangjian.organizations.models import Organization

from . import selectors, services
from .forms import DuesUseForm, EntryForm


def _year(request: HttpRequest) -> int:
    year = int_or_404(request.GET.get("year") or str(today().year))
    if not 2000 <= year <= today().year:
        raise Http404
    return year


def _organization(request: HttpRequest, pk: int | None) -> Organization:
    if pk is None:
        top = Organization.objects.tops(request.user).first()
        if top is None:
            raise Http404
        return top
    return get_object_or_404(Organization.objects.restrict(request.user), pk=pk)


def index(request: HttpRequest) -> HttpResponse:
    """The subtree's organizations against the standard: members × yuan a year."""
    pk = int_or_404(request.GET["org"]) if request.GET.get("org") else None
    organization = _organization(request, pk)
    year = _year(request)
    summary = selectors.subtree_summary(organization, year)
    return render(
        request,
        "funds/index.html",
        {
            "organization": organization,
            "year": year,
            "summary": summary,
            "kept": selectors.retained_summary(organization, year),
            "share_percent": selectors.retained_share() * 100,
            "per_member": selectors.per_member_standard(),
            "years": list(range(today().year, today().year - 5, -1)),
        },
    )


def organization_ledger(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    organization = _organization(request, pk)
    year = _year(request)
    can_manage = scope_for(request.user).can_manage_path(organization.path)
    posted = request.POST if request.method == "POST" else None
    is_use = posted is not None and "decided_by" in posted
    form = EntryForm(None if is_use else posted)
    use_form = DuesUseForm(posted if is_use else None)
    if request.method == "POST" and not can_manage:
        raise Http404
    if run_form(
        request,
        form,
        lambda data: services.entry_record(actor=request.user, organization=organization, **data),
        _("已记入经费台账。"),
    ):
        return redirect(f"{request.path}?year={year}")
    if run_form(
        request,
        use_form,
        lambda data: services.dues_use_record(
            actor=request.user, organization=organization, **data
        ),
        _("已记入留存党费使用。"),
    ):
        return redirect(f"{request.path}?year={year}")
    found = selectors.ledger(organization, year)
    kept = selectors.retained_for(organization, year)
    return render(
        request,
        "funds/ledger.html",
        {
            "organization": organization,
            "year": year,
            "ledger": found,
            "received": [(selectors.category_label(c), a) for c, a in found.received.items()],
            "spent": [(selectors.category_label(c), a) for c, a in found.spent.items()],
            "entries": selectors.entries(organization, year),
            "per_member": selectors.per_member_standard(),
            "form": form if can_manage else None,
            "kept": kept,
            "used": [(selectors.use_label(c), a) for c, a in kept.used.items()],
            "uses": selectors.dues_uses(organization, year),
            "use_form": use_form if can_manage else None,
            "share_percent": selectors.retained_share() * 100,
        },
    )


def _xlsx(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def ledger_export(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    organization = _organization(request, pk)
    year = _year(request)
    body = services.ledger_export(actor=request.user, organization=organization, year=year)
    return _xlsx(body, f"funds-{organization.code}-{year}.xlsx")


def index_export(request: AuthenticatedHttpRequest) -> HttpResponse:
    pk = int_or_404(request.GET["org"]) if request.GET.get("org") else None
    organization = _organization(request, pk)
    year = _year(request)
    body = services.summary_export(actor=request.user, organization=organization, year=year)
    return _xlsx(body, f"funds-summary-{organization.code}-{year}.xlsx")
