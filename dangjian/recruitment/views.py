"""Recruitment pages: the pipeline of an organization, a person's record, the step form."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from dangjian.accounts.http import AuthenticatedHttpRequest
from dangjian.accounts.scope import scope_for
from dangjian.core.dates import today
from dangjian.core.figures import wants_refresh
from dangjian.core.forms import run_form
from dangjian.core.pagination import int_or_404, paginate, querystring_without_page
from dangjian.core.workbooks import XLSX_TYPE
from dangjian.members.choices import ON_ROSTER_STATUSES, MemberCategory
from dangjian.members.models import Member
from dangjian.organizations.choices import OrgKind
from dangjian.organizations.models import Organization

from . import kept, panels, pdf, rules, selectors, services
from .choices import EndReason, Stage, Step
from .forms import (
    ApplicantForm,
    CancelForm,
    EndForm,
    ExtendForm,
    LocalRuleForm,
    PlanForm,
    StepForm,
)
from .models import Applicant, TimeRule


def _organization(request: HttpRequest) -> Organization:
    scope = scope_for(request.user)
    if request.GET.get("org"):
        organization = get_object_or_404(Organization, pk=int_or_404(request.GET["org"]))
        scope.require_read(organization)
        return organization
    top = Organization.objects.tops(scope).first()
    if top is None:
        raise Http404
    return top


def _year(request: HttpRequest) -> int:
    year = request.GET.get("year") or str(today().year)
    if not year.isdigit() or not 1949 <= int(year) <= today().year:
        raise Http404
    return int(year)


def _applicant_organizations(user: Any) -> Any:
    return (
        Organization.objects.restrict(user, "manage")
        .exclude(kind__in=services.NOT_FOR_APPLICANTS)
        .order_by("path")
    )


@vary_on_headers("HX-Request")
def index(request: HttpRequest) -> HttpResponse:
    """The pipeline of an organization's subtree: counts, what is due, and the people."""
    organization = _organization(request)
    year = _year(request)
    stage = request.GET.get("stage", "")
    if stage and stage not in Stage.values:
        raise Http404
    queryset = selectors.applicant_list(
        user=request.user, organization=organization, stage=stage, q=request.GET.get("q", "")
    )
    context: dict[str, Any] = {
        "organization": organization,
        "year": year,
        "stage": stage,
        "q": request.GET.get("q", ""),
        "stages": Stage.choices,
        "page": paginate(request, queryset),
        "querystring": querystring_without_page(request),
    }
    htmx = request.htmx  # type: ignore[attr-defined]
    if htmx and not htmx.history_restore_request:
        return render(request, "recruitment/index.html#people", context)
    figures_page = kept.recruitment_page(organization, year, refresh=wants_refresh(request))
    context.update(
        {
            "counts": figures_page.counts,
            "deadlines": figures_page.deadlines,
            "deadline_total": figures_page.deadline_total,
            "overdue_total": figures_page.overdue_total,
            "kept": figures_page.kept,
            "refresh_url": "?" + urlencode({"org": organization.pk, "year": year, "refresh": 1}),
            "years": list(range(today().year, today().year - 6, -1)),
            "children": organization.children.all()
            .restrict(request.user)
            .exclude(kind=OrgKind.PARTY_GROUP)
            .order_by("path"),
            "can_create": _applicant_organizations(request.user).exists(),
        }
    )
    return render(request, "recruitment/index.html", context)


def organization_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """The counts on the organization page, loaded by htmx after the page."""
    organization = get_object_or_404(Organization, pk=pk)
    scope_for(request.user).require_read(organization)
    return render(
        request,
        "recruitment/panel_organization.html#counts",
        panels.organization_counts(organization),
    )


def applicant_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    organizations = _applicant_organizations(request.user)
    if not organizations.exists():
        raise PermissionDenied
    initial: dict[str, Any] = {}
    if request.GET.get("org"):
        initial["organization"] = get_object_or_404(
            organizations, pk=int_or_404(request.GET["org"])
        )
    form = ApplicantForm(request.POST or None, organizations=organizations, initial=initial)

    def create(cleaned: dict[str, Any]) -> Applicant:
        data = {name: cleaned[name] for name in services.APPLICANT_FIELDS if name in cleaned}
        data.update({"sex": "", "birth_date": None})
        return services.applicant_create(
            actor=request.user,
            organization=cleaned["organization"],
            data=data,
            id_number=cleaned["id_number"],
            applied_on=cleaned["applied_on"],
            documents=cleaned["documents"],
        )

    if done := run_form(request, form, create):
        applicant = done.result
        messages.success(request, _("已登记 %(name)s 的入党申请。") % {"name": applicant.name})
        return redirect(applicant)
    return render(request, "recruitment/form.html", {"form": form, "title": _("登记入党申请")})


def _can_manage(request: HttpRequest, applicant: Applicant) -> bool:
    return scope_for(request.user).can_manage_path(applicant.organization.path)


def _require_manage(request: HttpRequest, applicant: Applicant) -> None:
    if not _can_manage(request, applicant):
        raise PermissionDenied


def _full_members(applicant: Applicant) -> Any:
    """Full members on the roster of the applicant's organization (mentors, sponsors)."""
    return (
        Member.objects.filter(
            category=MemberCategory.FULL,
            status__in=ON_ROSTER_STATUSES,
            memberships__ended_on__isnull=True,
            memberships__organization__in=Organization.objects.under(applicant.organization.path),
        )
        .distinct()
        .order_by("name_pinyin", "pk")
    )


def _step_form(
    request: AuthenticatedHttpRequest, applicant: Applicant, data: Any = None
) -> StepForm | None:
    """The form for one step. Later steps are offered too: choosing one out of order is
    refused by the service with the step that is due, which teaches the order."""
    allowed = services.next_steps(applicant)
    if not allowed:
        return None
    choices = allowed + [Step(n) for n in range(allowed[-1] + 1, Step.ARCHIVED + 1)]
    source = data if data is not None else request.GET
    try:
        step = int(source.get("step") or allowed[-1])
    except ValueError as exc:
        raise Http404 from exc
    if step not in [s.value for s in choices]:
        step = allowed[-1].value
    # Bound to its data only on POST; a GET that changes the step shows a fresh form.
    return StepForm(
        data,
        steps=choices,
        step=step,
        full_members=_full_members(applicant),
        meetings=selectors.meetings_for_step(applicant, step),
        can_except=services.is_administrator_for(request.user, applicant.organization),
    )


def _detail_context(request: AuthenticatedHttpRequest, applicant: Applicant) -> dict[str, Any]:
    scope = scope_for(request.user)
    can_manage = _can_manage(request, applicant)
    return {
        "applicant": applicant,
        "sections": selectors.applicant_record(applicant),
        "can_manage": can_manage,
        "can_reveal": scope.can_reveal_path(applicant.organization.path),
        "step_form": _step_form(request, applicant) if can_manage else None,
        "deadlines": [
            d
            for d in selectors.deadlines(applicant.organization, today())
            if d.applicant.pk == applicant.pk
        ],
    }


def applicant_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    applicant = selectors.applicant_get(user=request.user, pk=pk)
    return render(request, "recruitment/detail.html", _detail_context(request, applicant))


def step_record(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """GET: the form for the chosen step (htmx swap). POST: record it."""
    applicant = selectors.applicant_get(user=request.user, pk=pk)
    _require_manage(request, applicant)
    form = _step_form(request, applicant, request.POST if request.method == "POST" else None)
    if form is None:
        raise Http404
    if run_form(
        request,
        form,
        lambda data: services.step_record(
            actor=request.user,
            applicant=applicant,
            data=services.StepInput(
                step=data["step"],
                on=data["on"],
                people=data.get("people", ""),
                members=list(data.get("members") or []),
                documents=data.get("documents", ""),
                opinion=data.get("opinion", ""),
                meeting=data.get("meeting"),
                ballot=form.ballot(),
                training_hours=data.get("training_hours"),
                exception_reason=data.get("exception_reason", ""),
            ),
        ),
    ):
        data = form.cleaned_data
        messages.success(
            request,
            _("已记录：（%(n)d）%(label)s")
            % {"n": data["step"], "label": Step(data["step"]).label},
        )
        response = HttpResponse(status=204)
        if request.htmx:  # type: ignore[attr-defined]
            response["HX-Redirect"] = applicant.get_absolute_url()
            return response
        return redirect(applicant)
    context = {"applicant": applicant, "step_form": form}
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "recruitment/detail.html#step_form", context)
    return render(
        request, "recruitment/detail.html", {**_detail_context(request, applicant), **context}
    )


@require_POST
def applicant_reveal(request: AuthenticatedHttpRequest, pk: int, field: str) -> HttpResponse:
    if field not in ("id_number", "phone"):
        raise Http404
    applicant = selectors.applicant_get(user=request.user, pk=pk)
    value = services.applicant_reveal(actor=request.user, applicant=applicant, field=field)
    return render(request, "recruitment/detail.html#revealed", {"value": value})


def applicant_pdf(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    applicant = selectors.applicant_get(user=request.user, pk=pk)
    content = pdf.record_pdf(actor=request.user, applicant=applicant)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="recruitment-{applicant.public_id}.pdf"'
    return response


def _action(
    request: HttpRequest, applicant: Applicant, form: Any, title: str, run: Any
) -> HttpResponse:
    _require_manage(request, applicant)
    if run_form(request, form, run, _("已办理。")):
        return redirect(applicant)
    return render(
        request, "recruitment/action.html", {"form": form, "applicant": applicant, "title": title}
    )


def probation_extend(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    applicant = selectors.applicant_get(user=request.user, pk=pk)
    return _action(
        request,
        applicant,
        ExtendForm(request.POST or None),
        _("延长预备期"),
        lambda d: services.probation_extend(
            actor=request.user,
            applicant=applicant,
            months=d["months"],
            on=d["on"],
            reason=d["reason"],
        ),
    )


def probation_cancel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    applicant = selectors.applicant_get(user=request.user, pk=pk)
    return _action(
        request,
        applicant,
        CancelForm(request.POST or None),
        _("取消预备党员资格"),
        lambda d: services.probation_cancel(
            actor=request.user, applicant=applicant, on=d["on"], reason=d["reason"]
        ),
    )


def applicant_end(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    applicant = selectors.applicant_get(user=request.user, pk=pk)
    return _action(
        request,
        applicant,
        EndForm(request.POST or None),
        _("终止发展"),
        lambda d: services.applicant_end(
            actor=request.user,
            applicant=applicant,
            on=d["on"],
            reason=EndReason(d["reason"]),
            note=d["note"],
        ),
    )


def rule_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The time rules in force for an organization; an administrator sets local values."""
    organization = _organization(request)
    in_force = sorted(
        rules.rules_for(organization).values(), key=lambda r: (r.to_step, r.from_step)
    )
    national = TimeRule.objects.filter(organization__isnull=True).order_by("to_step", "from_step")
    paths = services.administrator_paths(request.user)
    form = None
    if paths:
        administered = (
            Organization.objects.under_any(paths).exclude(kind=OrgKind.PARTY_GROUP).order_by("path")
        )
        form = LocalRuleForm(
            request.POST or None,
            codes=[(r.code, r.description) for r in national],
            organizations=administered,
            initial={
                "organization": organization
                if services.is_administrator_for(request.user, organization)
                else None
            },
        )
        if run_form(
            request,
            form,
            lambda data: services.time_rule_set_local(
                actor=request.user,
                organization=data["organization"],
                code=data["code"],
                amount=data["amount"],
                source=data["source"],
            ),
            _("已保存本地时间规定。"),
        ):
            return redirect(f"{request.path}?org={form.cleaned_data['organization'].pk}")
    elif request.method == "POST":
        raise PermissionDenied
    return render(
        request,
        "recruitment/rules.html",
        {"organization": organization, "rules": in_force, "form": form},
    )


# --- the yearly plan -------------------------------------------------------------------------


def _plan_committees(user: Any) -> list[Organization]:
    """Committees whose plan the user sets: an administrator's, at or below their role."""
    return [
        o
        for o in Organization.objects.restrict(user, "manage")
        .filter(kind__in=services.PLAN_KINDS, dissolved_on__isnull=True)
        .order_by("path")
        if services.is_administrator_for(user, o)
    ]


def plan_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The plans in scope for a year, the reader's own progress, and the form to set a plan."""
    organization = _organization(request)
    year = _year(request)
    committees = _plan_committees(request.user)
    form = PlanForm(
        request.POST if request.method == "POST" else None,
        committees=committees,
        initial={"year": year},
    )

    def save(data: dict[str, Any]) -> Any:
        return services.plan_save(
            actor=request.user,
            committee=next(c for c in committees if c.pk == data["committee"]),
            year=data["year"],
            targets={name: data[name] for name in services.PLAN_FIELDS},
            note=data["note"],
        )

    if done := run_form(request, form, save, _("已保存发展党员计划。")):
        return redirect(done.result)
    plans = (
        selectors.scoped_plans(request.user)
        .filter(year=year)
        .select_related("committee")
        .order_by("committee__path")
    )
    return render(
        request,
        "recruitment/plans.html",
        {
            "organization": organization,
            "year": year,
            "years": list(range(today().year, today().year - 5, -1)),
            "plans": plans,
            "progress": selectors.plan_progress(organization, year),
            "form": form if committees else None,
        },
    )


def _plan_figures(request: HttpRequest, plan: Any) -> tuple[Any, list[Any], list[Any]]:
    """The plan's progress, its rows (label, planned, actual, share) and each organization
    directly below the committee: the page and its .xlsx read these."""
    progress = selectors.plan_progress(plan.committee, plan.year)
    children = [
        selectors.plan_progress(child, plan.year)
        for child in plan.committee.children.restrict(request.user)
        .exclude(kind=OrgKind.PARTY_GROUP)
        .filter(dissolved_on__isnull=True)
        .order_by("path")
    ]
    rows = [
        (_("发展党员"), plan.admitted, progress.admitted, None),
        (
            _("45周岁以下"),
            selectors.plan_needed(plan, plan.under_45_percent),
            progress.under_45,
            progress.share(progress.under_45),
        ),
        (
            _("高中以上文化程度"),
            selectors.plan_needed(plan, plan.educated_percent),
            progress.educated,
            progress.share(progress.educated),
        ),
        (_("外出务工经商人员"), plan.migrant_workers, progress.migrant_workers, None),
        (_("两新组织"), plan.two_new, progress.two_new, None),
    ]
    return progress, rows, children


def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A plan against the actual: the admissions with their mix, the pipeline, the warnings,
    and each organization directly below the committee."""
    plan = selectors.plan_get(user=request.user, pk=pk)
    progress, rows, children = _plan_figures(request, plan)
    return render(
        request,
        "recruitment/plan.html",
        {
            "plan": plan,
            "progress": progress,
            "rows": rows,
            "warnings": selectors.plan_warnings(plan, progress),
            "warn_day": selectors.plan_warn_day(plan.year),
            "children": children,
        },
    )


def plan_export(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The plan against the actual as .xlsx, the page's figures; audited."""
    plan = selectors.plan_get(user=request.user, pk=pk)
    progress, rows, children = _plan_figures(request, plan)
    body = services.plan_export(
        actor=request.user, plan=plan, progress=progress, rows=rows, children=children
    )
    response = HttpResponse(body, content_type=XLSX_TYPE)
    filename = f"recruitment-plan-{plan.committee.code}-{plan.year}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
