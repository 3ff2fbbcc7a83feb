"""Pages to record care, service, commendations and discipline, the care fund ledger, and
volunteer activities (recorded once for everyone who took part)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangjian.accounts.http import AuthenticatedHttpRequest
from dangjian.accounts.scope import scope_for
from dangjian.core.dates import today
from dangjian.core.error_codes import ErrorCode as CoreErrorCode
from dangjian.core.forms import run_form, run_service
from dangjian.core.pagination import int_or_404, paginate, querystring_without_page
from dangjian.members.selectors import member_get
from dangjian.organizations import selectors as organization_selectors
from dangjian.organizations.choices import OrgKind
from dangjian.organizations.models import Organization

from . import selectors, services
from .forms import (
    KINDS,
    FundIncomeForm,
    HelpTakeUpForm,
    VolunteerActivityForm,
    VolunteerPublishForm,
)
from .models import CareFundEntry, VolunteerService


def record_new(request: AuthenticatedHttpRequest, pk: int, kind: str) -> HttpResponse:
    member = member_get(user=request.user, pk=pk)
    if kind not in KINDS:
        raise Http404
    if not scope_for(request.user).can_manage_path(member.organization_path):
        raise PermissionDenied
    form_class, title = KINDS[kind]
    form = form_class(request.POST or None, initial={"on": today(), "since": today()})

    def register(_data: dict[str, Any]) -> Any:
        record = form.save(commit=False)
        record.member = member
        return services.record_for_member(actor=request.user, record=record)

    if run_form(request, form, register, _("已登记，并记入党员电子档案。")):
        return redirect(member)
    return render(request, "care/form.html", {"form": form, "member": member, "title": title})


def fund(request: AuthenticatedHttpRequest, org: int) -> HttpResponse:
    organization = organization_selectors.organization_get(user=request.user, pk=org)
    can_manage = scope_for(request.user).can_manage_path(organization.path)
    form = FundIncomeForm(request.POST or None, initial={"on": today()})
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        if run_form(
            request,
            form,
            lambda data: services.fund_income(
                actor=request.user, organization=organization, **data
            ),
            _("已记入关爱基金。"),
        ):
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


# --- volunteer activities ---------------------------------------------------------------------


def _year(request: HttpRequest) -> int:
    year = int_or_404(request.GET.get("year") or str(today().year))
    if not 2000 <= year <= 2100:
        raise Http404
    return year


def _hours(text: str) -> Decimal | None:
    """Hours typed in a box: None when blank; ValueError when not a number."""
    text = text.strip()
    if not text:
        return None
    try:
        return Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(text) from exc


def volunteer_list(request: HttpRequest, org: int) -> HttpResponse:
    """An organization's volunteer activities (and those below it) in a year, with totals."""
    organization = organization_selectors.organization_get(user=request.user, pk=org)
    year = _year(request)
    activities = selectors.volunteer_activities(
        user=request.user, organization=organization, year=year
    )
    return render(
        request,
        "care/volunteer_list.html",
        {
            "organization": organization,
            "year": year,
            "page": paginate(request, activities),
            "querystring": querystring_without_page(request),
            "totals": selectors.volunteer_totals(organization, year),
            "can_record": scope_for(request.user).can_manage_path(organization.path)
            and organization.kind != OrgKind.LOCAL_COMMITTEE,
        },
    )


def volunteer_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Record a volunteer activity once: its details, then tick who took part (nobody is ticked
    at first: volunteering is opt-in); a different number of hours goes on that person's row."""
    organizations = (
        Organization.objects.restrict(request.user, "manage")
        .exclude(kind=OrgKind.LOCAL_COMMITTEE)
        .order_by("path")
    )
    if not organizations.exists():
        raise PermissionDenied
    organization = None
    if request.GET.get("org"):
        organization = get_object_or_404(organizations, pk=int_or_404(request.GET["org"]))
    elif organizations.count() == 1:  # a branch secretary: their branch
        organization = organizations.get()
    form = VolunteerActivityForm(request.POST or None, initial={"on": today()})
    candidates = list(selectors.volunteer_candidates(organization)) if organization else []
    posted = request.method == "POST" and organization is not None
    ticked: set[int] = set()
    own_hours: dict[int, Decimal | None] = {}
    row_errors: dict[int, str] = {}
    if posted:
        ticked = {int(v) for v in request.POST.getlist("participant") if v.isdigit()}
        for pk in ticked:
            try:
                own_hours[pk] = _hours(request.POST.get(f"hours_{pk}", ""))
            except ValueError:
                row_errors[pk] = _("请填写数字，例如 2.5；不填则按每人时长。")
        assert organization is not None
        if not row_errors and (
            done := run_form(
                request,
                form,
                lambda data: services.volunteer_activity_record(
                    actor=request.user,
                    organization=organization,
                    participants={pk: own_hours.get(pk) for pk in ticked},
                    **data,
                ),
                _("已登记志愿服务活动，%(n)s 名参加人员的时长已记入党员电子档案。")
                % {"n": len(ticked)},
            )
        ):
            return redirect(done.result)
    rows = [
        {
            "member": m.member,
            "organization": m.organization,
            "ticked": m.member_id in ticked,
            "hours": request.POST.get(f"hours_{m.member_id}", "") if posted else "",
            "error": row_errors.get(m.member_id, ""),
        }
        for m in candidates
    ]
    return render(
        request,
        "care/volunteer_form.html",
        {
            "form": form,
            "organization": organization,
            "organizations": organizations,
            "rows": rows,
            "ticked": len(ticked),
        },
    )


def volunteer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    activity = selectors.volunteer_activity_get(user=request.user, pk=pk)
    can_manage = scope_for(request.user).can_manage_path(activity.organization.path)
    return render(
        request,
        "care/volunteer_detail.html",
        {
            "activity": activity,
            "participations": selectors.volunteer_participations(activity),
            "signups": selectors.volunteer_signups(activity) if activity.signup_open else [],
            "day_reached": activity.on <= today(),
            "can_manage": can_manage,
            "candidates": selectors.volunteer_addable(activity) if can_manage else [],
        },
    )


@require_POST
def volunteer_participant_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Add someone who took part but was not ticked when the activity was recorded."""
    activity = selectors.volunteer_activity_get(user=request.user, pk=pk)
    if not scope_for(request.user).can_manage_path(activity.organization.path):
        raise PermissionDenied
    member = member_get(user=request.user, pk=int_or_404(request.POST.get("member")))

    def add() -> Any:
        try:
            hours = _hours(request.POST.get("hours", ""))
        except ValueError:
            raise ValidationError(_("请填写数字，例如 2.5。"), code=CoreErrorCode.HOURS) from None
        return services.volunteer_participant_add(
            actor=request.user,
            activity=activity,
            member=member,
            hours=hours,
            reason=request.POST.get("reason", ""),
        )

    run_service(
        request, add, _("已补登 %(name)s，时长已记入其党员电子档案。") % {"name": member.name}
    )
    return redirect(activity)


@require_POST
def volunteer_participant(
    request: AuthenticatedHttpRequest, pk: int, service_pk: int
) -> HttpResponse:
    """Correct one participant afterwards: their hours, or take them off the activity."""
    activity = selectors.volunteer_activity_get(user=request.user, pk=pk)
    service = get_object_or_404(VolunteerService, pk=service_pk, activity_record=activity)
    if not scope_for(request.user).can_manage_path(activity.organization.path):
        raise PermissionDenied
    reason = request.POST.get("reason", "")
    remove = request.POST.get("action") == "remove"

    def correct() -> Any:
        if remove:
            return services.volunteer_participant_remove(
                actor=request.user, service=service, reason=reason
            )
        try:
            hours = _hours(request.POST.get("hours", ""))
        except ValueError:
            hours = None
        if hours is None:
            raise ValidationError(_("请填写数字，例如 2.5。"), code=CoreErrorCode.HOURS)
        return services.volunteer_participant_update(
            actor=request.user, service=service, hours=hours, reason=reason
        )

    run_service(
        request,
        correct,
        _("已移出，并在党员电子档案中注明更正。")
        if remove
        else _("已更正时长，并在党员电子档案中注明。"),
    )
    return redirect(activity)


def volunteer_publish(request: AuthenticatedHttpRequest, org: int) -> HttpResponse:
    """Publish a volunteer activity ahead, with a number of places, for members to sign up."""
    organization = organization_selectors.organization_get(user=request.user, pk=org)
    if not scope_for(request.user).can_manage_path(organization.path):
        raise PermissionDenied
    form = VolunteerPublishForm(request.POST or None, initial={"on": today()})
    if done := run_form(
        request,
        form,
        lambda data: services.volunteer_activity_publish(
            actor=request.user, organization=organization, **data
        ),
        _("已发布，本组织及下级组织的党员可以在“我的”页面报名。"),
    ):
        return redirect(done.result)
    return render(
        request, "care/volunteer_publish.html", {"form": form, "organization": organization}
    )


@require_POST
def volunteer_signups_record(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """After the day: record everyone who signed up as a participant, in one step."""
    activity = selectors.volunteer_activity_get(user=request.user, pk=pk)
    run_service(
        request,
        lambda: services.volunteer_signups_record(actor=request.user, activity=activity),
        _("已按报名名单登记参加人员；没来的请“未参加，移出”。"),
    )
    return redirect(activity)


def help_requests(request: HttpRequest, org: int) -> HttpResponse:
    """Members' help requests (困难求助) in an organization's subtree, open ones first."""
    organization = organization_selectors.organization_get(user=request.user, pk=org)
    page = paginate(request, selectors.help_requests(user=request.user, organization=organization))
    return render(
        request,
        "care/help_requests.html",
        {
            "organization": organization,
            "page": page,
            "querystring": querystring_without_page(request),
            "can_manage": scope_for(request.user).can_manage_path(organization.path),
        },
    )


def help_take_up(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Take a help request up: record the assistance (and the hardship, if so decided)."""
    help_request = selectors.help_request_get(user=request.user, pk=pk)
    form = HelpTakeUpForm(
        request.POST or None,
        initial={
            "on": today(),
            "kind": "SUPPORT",
            "description": help_request.what[:300],
            "given_by": help_request.organization.name,
        },
    )
    if run_form(
        request,
        form,
        lambda data: services.help_request_take_up(
            actor=request.user,
            help_request=help_request,
            on=data["on"],
            kind=data["kind"],
            description=data["description"],
            given_by=data["given_by"],
            amount=data["amount"],
            from_fund=data["from_fund"],
            hardship_kind=data["hardship_kind"] or None,
        ),
        _("已受理，帮扶记录已记入 %(name)s 的党员电子档案。") % {"name": help_request.member.name},
    ):
        return redirect("care:help_requests", org=help_request.organization.pk)
    return render(request, "care/help_take_up.html", {"form": form, "help_request": help_request})
