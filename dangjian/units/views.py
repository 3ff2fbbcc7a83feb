"""Coverage pages: an area's units, which have no party organization, coverage by kind; the
import of a unit list, joint branches, 党建指导员 and the .xlsx export."""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from dangjian.accounts.http import AuthenticatedHttpRequest
from dangjian.accounts.scope import scope_for
from dangjian.core.forms import call_service, run_form
from dangjian.core.pagination import int_or_404
from dangjian.organizations.choices import OrgKind
from dangjian.organizations.models import Organization

from . import exporting, selectors, services
from .forms import InstructorForm, JointBranchForm, UnitForm, UnitImportForm
from .importing import UnitFileError, read_units, store_upload, stored_delete, stored_path
from .models import Unit

SESSION_KEY = "units_import"


def _area(request: AuthenticatedHttpRequest) -> Organization:
    if request.GET.get("org"):
        return get_object_or_404(
            Organization.objects.restrict(request.user), pk=int_or_404(request.GET["org"])
        )
    found = Organization.objects.tops(request.user).first()
    if found is None:
        raise Http404
    return found


def _managed_area(request: AuthenticatedHttpRequest) -> Organization:
    """The area, for a form: out of scope 404 (by `_area`), in scope but read-only 403."""
    area = _area(request)
    if not scope_for(request.user).can_manage_path(area.path):
        raise PermissionDenied
    return area


def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    area = _area(request)
    can_manage = scope_for(request.user).can_manage_path(area.path)
    organizations = list(
        Organization.objects.under(area.path).filter(dissolved_on__isnull=True).order_by("path")
    )
    form = UnitForm(request.POST if request.method == "POST" else None, organizations=organizations)
    if request.method == "POST" and not can_manage:
        raise Http404
    chosen = {o.pk: o for o in organizations}
    if run_form(
        request,
        form,
        lambda data: services.unit_create(
            actor=request.user,
            area=area,
            name=data["name"],
            kind=data["kind"],
            credit_code=data["credit_code"],
            employees=data["employees"],
            address=data["address"],
            organization=chosen.get(data["organization"]) if data["organization"] else None,
        ),
        _("已登记单位。"),
    ):
        return redirect(f"{request.path}?org={area.pk}")
    coverage = selectors.coverage(area)
    names = selectors.instructors_by_unit(area)
    for row in coverage.rows:
        row.instructors = names.get(row.unit.pk, [])
    return render(
        request,
        "units/index.html",
        {
            "area": area,
            "coverage": coverage,
            "clusters": selectors.joint_clusters(coverage),
            "instructor_coverage": selectors.instructor_coverage(area),
            "minimum": selectors.branch_min_full_members(),
            "cluster_size": selectors.joint_branch_max_units(),
            "can_manage": can_manage,
            "form": form if can_manage else None,
        },
    )


@require_http_methods(["GET", "POST"])
def import_units(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Upload → preview with each row's errors → import all or nothing (the file is kept
    between the two steps under a generated name held in the session, then deleted)."""
    area = _managed_area(request)
    back = f"{request.path}?org={area.pk}"
    pending: dict[str, Any] | None = request.session.get(SESSION_KEY)
    if pending is not None and pending.get("area") != area.pk:
        pending = None
    if request.method == "POST" and request.POST.get("action") == "cancel" and pending:
        stored_delete(pending["name"])
        del request.session[SESSION_KEY]
        return redirect(back)
    if request.method == "POST" and request.POST.get("action") == "commit":
        if pending is None:
            return redirect(back)
        outcome = call_service(
            lambda: services.units_import(
                actor=request.user,
                area=area,
                path=stored_path(pending["name"]),
                default_kind=pending["kind"],
            )
        )
        stored_delete(pending["name"])
        del request.session[SESSION_KEY]
        if isinstance(outcome, ValidationError):
            return render(
                request,
                "units/import.html",
                {"area": area, "form": UnitImportForm(), "refused": outcome.messages},
            )
        messages.success(
            request,
            _("已导入单位名录：新增 %(c)d 个，更新 %(u)d 个。")
            % {"c": outcome.result.created, "u": outcome.result.updated},
        )
        return redirect(f"{reverse('units:index')}?org={area.pk}")
    form = UnitImportForm(request.POST or None, request.FILES or None)
    preview = None
    problem = ""
    if request.method == "POST" and form.is_valid():
        if pending:
            stored_delete(pending["name"])
            request.session.pop(SESSION_KEY, None)
        name = ""
        try:
            name = store_upload(form.cleaned_data["file"])
            preview = read_units(stored_path(name), default_kind=form.cleaned_data["default_kind"])
        except UnitFileError as exc:
            problem = str(exc)
            if name:
                stored_delete(name)
        else:
            known = set(
                Unit.objects.filter(
                    credit_code__in=[r.credit_code for r in preview.records]
                ).values_list("credit_code", flat=True)
            )
            preview.notes.append(
                _("可导入 %(ok)d 个单位（新增 %(new)d 个，按统一社会信用代码更新 %(old)d 个）。")
                % {
                    "ok": len(preview.records),
                    "new": len(preview.records) - len(known),
                    "old": len(known),
                }
            )
            if preview.errors:
                stored_delete(name)
            else:
                request.session[SESSION_KEY] = {
                    "name": name,
                    "area": area.pk,
                    "kind": form.cleaned_data["default_kind"],
                }
    return render(
        request,
        "units/import.html",
        {
            "area": area,
            "form": form,
            "preview": preview,
            "problem": problem,
            "sample": preview.records[:20] if preview else [],
        },
    )


def export_units(request: AuthenticatedHttpRequest) -> FileResponse:
    area = _area(request)
    found = selectors.coverage(area)
    services.units_export_record(actor=request.user, area=area, count=len(found.rows))
    buffer = io.BytesIO()
    exporting.write_units(buffer, found, selectors.instructors_by_unit(area))
    buffer.seek(0)
    name = f"单位名录-{timezone.localtime():%Y%m%d-%H%M}.xlsx"
    return FileResponse(buffer, as_attachment=True, filename=name, content_type=exporting.XLSX)


@require_http_methods(["GET", "POST"])
def joint_branch(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Record that a joint branch covers units without an organization."""
    area = _managed_area(request)
    branches = list(
        Organization.objects.under(area.path)
        .filter(kind=OrgKind.JOINT_BRANCH, dissolved_on__isnull=True)
        .order_by("path")
    )
    units = list(Unit.objects.within(area).filter(organization__isnull=True).order_by("name"))
    initial = [u.pk for u in units if str(u.pk) in request.GET.getlist("unit")]
    form = JointBranchForm(
        request.POST or None,
        organizations=branches,
        units=units,
        initial={"units": initial},
    )
    by_pk = {o.pk: o for o in branches}
    unit_by_pk = {u.pk: u for u in units}
    if run_form(
        request,
        form,
        lambda data: services.joint_branch_record(
            actor=request.user,
            organization=by_pk[data["organization"]],
            units=[unit_by_pk[pk] for pk in data["units"]],
        ),
        _("已记录联合党支部覆盖的单位。"),
    ):
        return redirect(f"{reverse('units:index')}?org={area.pk}")
    return render(
        request,
        "units/joint.html",
        {
            "area": area,
            "form": form,
            "covered": Unit.objects.within(area)
            .filter(organization__kind=OrgKind.JOINT_BRANCH)
            .select_related("organization")
            .order_by("organization__name", "name"),
            "cluster_size": selectors.joint_branch_max_units(),
        },
    )


@require_http_methods(["GET", "POST"])
def instructors(request: AuthenticatedHttpRequest) -> HttpResponse:
    """党建指导员 of the area with the units each guides; a form to add one."""
    area = _area(request)
    can_manage = scope_for(request.user).can_manage_path(area.path)
    if request.method == "POST" and not can_manage:
        raise PermissionDenied
    units = list(Unit.objects.within(area).order_by("name"))
    form = InstructorForm(request.POST or None, units=units)
    unit_by_pk = {u.pk: u for u in units}
    if run_form(
        request,
        form,
        lambda data: services.instructor_create(
            actor=request.user,
            area=area,
            name=data["name"],
            phone=data["phone"],
            from_organization=data["from_organization"],
            units=[unit_by_pk[pk] for pk in data["units"]],
        ),
        _("已添加党建指导员。"),
    ):
        return redirect(f"{request.path}?org={area.pk}")
    return render(
        request,
        "units/instructors.html",
        {
            "area": area,
            "instructors": selectors.instructors_in(area),
            "share": selectors.instructor_coverage(area),
            "form": form if can_manage else None,
        },
    )
