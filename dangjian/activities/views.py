"""Pages of organizational life: thin views over selectors and services."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangjian.accounts.http import AuthenticatedHttpRequest
from dangjian.accounts.scope import scope_for
from dangjian.core import exports, figures
from dangjian.core.dates import today
from dangjian.core.forms import call_service, run_form, run_service
from dangjian.core.pagination import int_or_404, paginate, querystring_without_page
from dangjian.members import selectors as member_selectors
from dangjian.members.models import Member
from dangjian.organizations import selectors as organization_selectors
from dangjian.organizations.choices import BRANCH_KINDS, OrgKind
from dangjian.organizations.models import Organization

from . import kept, periods, selectors, services
from .choices import (
    LEADERSHIP_KINDS,
    ActivityKind,
    ActivityStatus,
    AttendanceStatus,
    FrequencyPeriod,
    Grade,
)
from .forms import (
    ActivityForm,
    AttachmentForm,
    CourseForm,
    FollowUpDoneForm,
    FollowUpForm,
    FrequencyForm,
    GuestForm,
    HandlingForm,
    LifeExemptionForm,
    ReviewOpenForm,
    SelfAssessmentForm,
    SessionForm,
    VoteForm,
)
from .models import (
    Activity,
    Attachment,
    Attendance,
    FollowUpItem,
    FrequencyRule,
    ReviewEntry,
    ReviewRound,
)


def _year(request: HttpRequest) -> int:
    value = request.GET.get("year") or str(today().year)
    year = int_or_404(value)
    if not 2000 <= year <= 2100:
        raise Http404
    return year


def _require_manage(request: HttpRequest, organization: Any) -> None:
    if not scope_for(request.user).can_manage_path(organization.path):
        raise PermissionDenied


def _managed(request: HttpRequest) -> Any:
    return Organization.objects.restrict(request.user, "manage").exclude(
        kind=OrgKind.LOCAL_COMMITTEE
    )


def _org_param(request: HttpRequest) -> Any:
    if not request.GET.get("org"):
        return None
    return organization_selectors.organization_get(
        user=request.user, pk=int_or_404(request.GET["org"])
    )


# --- activities -------------------------------------------------------------------------


def activity_list(request: HttpRequest) -> HttpResponse:
    organization = _org_param(request)
    queryset = selectors.scoped_activities(request.user)
    if organization is not None:
        queryset = queryset.within(organization)
    kind = request.GET.get("kind", "")
    if kind in ActivityKind.values:
        queryset = queryset.filter(kind=kind)
    year = _year(request)
    queryset = queryset.filter(on__year=year).order_by("-on", "-pk")
    return render(
        request,
        "activities/list.html",
        {
            "page": paginate(request, queryset),
            "organization": organization,
            "kind": kind,
            "kinds": ActivityKind.choices,
            "year": year,
            "querystring": querystring_without_page(request),
            "can_create": _managed(request).exists(),
        },
    )


def activity_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    # A local committee's leadership team holds 民主生活会 too (the service checks the kind).
    organizations = Organization.objects.restrict(request.user, "manage")
    if not organizations.exists():
        raise PermissionDenied
    initial: dict[str, Any] = {"on": request.GET.get("on") or today()}
    if request.GET.get("org"):
        initial["organization"] = get_object_or_404(
            organizations, pk=int_or_404(request.GET["org"])
        )
    elif organizations.count() == 1:  # a branch secretary: their branch
        initial["organization"] = organizations.get()
    if request.GET.get("kind") in ActivityKind.values:
        initial["kind"] = request.GET["kind"]
    form = ActivityForm(request.POST or None, organizations=organizations, initial=initial)

    def create(data: dict[str, Any]) -> Activity:
        data = dict(data)
        organization = data.pop("organization")
        return services.activity_create(actor=request.user, organization=organization, data=data)

    if done := run_form(request, form, create, _("已保存活动。召开后请记录出席情况。")):
        return redirect(done.result)
    return render(request, "activities/form.html", {"form": form})


def activity_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    activity = selectors.activity_get(user=request.user, pk=pk)
    _require_manage(request, activity.organization)
    hosts = Member.objects.filter(
        pk__in=selectors.expected_member_ids(activity.organization, ActivityKind.OTHER, activity.on)
    )
    form = ActivityForm(
        request.POST or None, instance=activity, organizations=_managed(request), hosts=hosts
    )
    if run_form(
        request,
        form,
        lambda data: services.activity_update(actor=request.user, activity=activity, data=data),
        _("已保存。"),
    ):
        return redirect(activity)
    return render(request, "activities/form.html", {"form": form, "activity": activity})


def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    activity = selectors.activity_get(user=request.user, pk=pk)
    rows = list(activity.attendance.select_related("member", "home_organization"))
    context = {
        "activity": activity,
        "expected": [r for r in rows if not r.is_guest],
        "guests": [r for r in rows if r.is_guest],
        "visiting": list(selectors.visiting_guests(activity)),
        "summary": selectors.attendance_summary(activity),
        "quorum": selectors.quorum(activity)
        if activity.kind == ActivityKind.GENERAL_MEETING
        else None,
        "votes": activity.votes.all(),
        "attachments": activity.attachments.all(),
        "can_manage": selectors.can_manage(request.user, activity.organization),
        "can_record": activity.status != ActivityStatus.CANCELLED and activity.on <= today(),
        "guest_form": GuestForm(),
        "vote_form": VoteForm(),
        "attachment_form": AttachmentForm(),
        "is_leadership": activity.kind in LEADERSHIP_KINDS,
        "follow_ups": selectors.follow_ups(activity),
        "follow_up_form": FollowUpForm(),
        "today": today(),
    }
    return render(request, "activities/detail.html", context)


def activity_record(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The one attendance screen: everyone present by default; tick the exceptions."""
    activity = selectors.activity_get(user=request.user, pk=pk)
    _require_manage(request, activity.organization)
    expected_ids = selectors.expected_member_ids(activity.organization, activity.kind, activity.on)
    members = list(Member.objects.filter(pk__in=expected_ids).order_by("name_pinyin", "pk"))
    current = {r.member_id: r for r in activity.attendance.filter(is_guest=False)}
    errors: dict[str, list[str]] = {}
    minutes: str = activity.minutes
    resolutions: str = activity.resolutions
    home_education = activity.kind == ActivityKind.HOME_EDUCATION
    visited = {r for r, row in current.items() if row.status == AttendanceStatus.PRESENT}
    if request.method == "POST":
        exceptions: dict[int, tuple[str, str]] = {}
        for m in members:
            status = request.POST.get(f"status_{m.pk}", AttendanceStatus.PRESENT)
            if status in (AttendanceStatus.LEAVE, AttendanceStatus.ABSENT):
                exceptions[m.pk] = (status, request.POST.get(f"reason_{m.pk}", ""))
        # 送学上门 lists the members it was taken to: a tick each, nobody by default.
        visited = {int(v) for v in request.POST.getlist("visited") if v.isdigit()}
        minutes = request.POST.get("minutes", "")
        resolutions = request.POST.get("resolutions", "")
        outcome = call_service(
            lambda: services.activity_record(
                actor=request.user,
                activity=activity,
                exceptions={} if home_education else exceptions,
                minutes=minutes,
                resolutions=resolutions,
                visited=sorted(visited) if home_education else None,
            )
        )
        if not isinstance(outcome, ValidationError):
            messages.success(request, _("已记录出席情况。"))
            return redirect(activity)
        # Per-row errors go next to their row, so this screen lays them out itself.
        errors = (
            outcome.message_dict
            if hasattr(outcome, "error_dict")
            else {"__all__": outcome.messages}
        )
    rows = []
    for m in members:
        posted = request.POST.get(f"status_{m.pk}") if request.method == "POST" else None
        previous = current.get(m.pk)
        rows.append(
            {
                "member": m,
                "status": posted or (previous.status if previous else AttendanceStatus.PRESENT),
                "reason": request.POST.get(f"reason_{m.pk}", "")
                if request.method == "POST"
                else (previous.reason if previous else ""),
                "error": " ".join(errors.get(f"reason_{m.pk}", [])),
                "visited": m.pk in visited,
            }
        )
    general = [e for key, msgs in errors.items() if not key.startswith("reason_") for e in msgs]
    return render(
        request,
        "activities/record.html",
        {
            "activity": activity,
            "rows": rows,
            "errors": general,
            "minutes": minutes,
            "resolutions": resolutions,
            "statuses": AttendanceStatus.choices,
            "home_education": home_education,
        },
    )


@require_POST
def activity_cancel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    activity = selectors.activity_get(user=request.user, pk=pk)
    _require_manage(request, activity.organization)
    run_service(request, lambda: services.activity_cancel(actor=request.user, activity=activity))
    return redirect(activity)


@require_POST
def guest_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    activity = selectors.activity_get(user=request.user, pk=pk)
    _require_manage(request, activity.organization)
    form = GuestForm(request.POST)
    if form.is_valid():
        if done := run_service(
            request,
            lambda: services.attendance_add_guest_by_id_number(
                actor=request.user, activity=activity, id_number=form.cleaned_data["id_number"]
            ),
        ):
            messages.success(
                request,
                _("已登记来宾 %(name)s（%(org)s）。")
                % {"name": done.result.member.name, "org": done.result.home_organization},
            )
    else:
        messages.error(request, _("请填写来宾的公民身份号码。"))
    return redirect(activity)


@require_POST
def guest_remove(request: AuthenticatedHttpRequest, pk: int, attendance_pk: int) -> HttpResponse:
    activity = selectors.activity_get(user=request.user, pk=pk)
    row = get_object_or_404(Attendance, pk=attendance_pk, activity=activity)
    _require_manage(request, activity.organization)
    run_service(
        request, lambda: services.attendance_remove_guest(actor=request.user, attendance=row)
    )
    return redirect(activity)


@require_POST
def visiting_remove(request: AuthenticatedHttpRequest, pk: int, visiting_pk: int) -> HttpResponse:
    """Remove a guest of another deployment recorded by mistake (before the receipt is sent)."""
    activity = selectors.activity_get(user=request.user, pk=pk)
    guest = get_object_or_404(selectors.visiting_guests(activity), pk=visiting_pk)
    _require_manage(request, activity.organization)
    run_service(request, lambda: services.visiting_guest_remove(actor=request.user, guest=guest))
    return redirect(activity)


@require_POST
def vote_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    activity = selectors.activity_get(user=request.user, pk=pk)
    _require_manage(request, activity.organization)
    form = VoteForm(request.POST)
    if form.is_valid():
        run_service(
            request,
            lambda: services.vote_record(
                actor=request.user, activity=activity, **form.cleaned_data
            ),
            _("已记录表决结果。"),
        )
    else:
        messages.error(request, _("请填写表决事项和赞成、反对、弃权票数（不小于 0 的整数）。"))
    return redirect(activity)


@require_POST
def follow_up_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    activity = selectors.activity_get(user=request.user, pk=pk)
    _require_manage(request, activity.organization)
    form = FollowUpForm(request.POST)
    if form.is_valid():
        run_service(
            request,
            lambda: services.follow_up_add(
                actor=request.user, activity=activity, **form.cleaned_data
            ),
            _("已记录整改事项。"),
        )
    else:
        messages.error(request, _("请填写整改事项、责任人和整改时限。"))
    return redirect(activity)


@require_POST
def follow_up_done(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(
        FollowUpItem.objects.restrict(request.user).select_related("activity__organization"),
        pk=pk,
    )
    _require_manage(request, item.activity.organization)
    form = FollowUpDoneForm(request.POST)
    if form.is_valid():
        run_service(
            request,
            lambda: services.follow_up_done(
                actor=request.user, item=item, done_on=form.cleaned_data["done_on"]
            ),
            _("已标记整改完成。"),
        )
    else:
        messages.error(request, _("请填写完成日期。"))
    return redirect(item.activity)


@require_POST
def attachment_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    activity = selectors.activity_get(user=request.user, pk=pk)
    _require_manage(request, activity.organization)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        run_service(
            request,
            lambda: services.attachment_add(
                actor=request.user, activity=activity, upload=form.cleaned_data["file"]
            ),
            _("已上传附件。"),
        )
    else:
        messages.error(request, _("请选择要上传的文件。"))
    return redirect(activity)


def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    """Only through here, after the scope check; never a public media URL."""
    attachment = get_object_or_404(
        Attachment.objects.select_related("activity"),
        pk=pk,
        activity__in=selectors.scoped_activities(request.user),
    )
    response = FileResponse(
        attachment.file.open("rb"),
        content_type=attachment.content_type,
        as_attachment=not attachment.is_image,
        filename=attachment.original_name,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- calendar, compliance, ledger ---------------------------------------------------------


def activity_calendar(request: HttpRequest) -> HttpResponse:
    organization = _org_param(request)
    raw = request.GET.get("month", "")
    try:
        year_text, month_text = raw.split("-") if raw else ("", "")
        first = dt.date(int(year_text), int(month_text), 1) if raw else today().replace(day=1)
    except ValueError as exc:
        raise Http404 from exc
    by_day: dict[dt.date, list[Activity]] = {}
    for activity in selectors.month_activities(request.user, first, organization):
        by_day.setdefault(activity.on, []).append(activity)
    weeks = [
        [
            {"day": d, "in_month": d.month == first.month, "activities": by_day.get(d, [])}
            for d in week
        ]
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    ]
    org_query = f"&org={organization.pk}" if organization else ""
    return render(
        request,
        "activities/calendar.html",
        {
            "first": first,
            "weeks": weeks,
            "organization": organization,
            "previous": periods.month_start(first, -1).strftime("%Y-%m") + org_query,
            "next": periods.month_start(first, 1).strftime("%Y-%m") + org_query,
            "today": today(),
            "agenda": [(d, by_day[d]) for d in sorted(by_day)],
            "weekdays": [_("一"), _("二"), _("三"), _("四"), _("五"), _("六"), _("日")],
        },
    )


def _period_from(request: HttpRequest) -> periods.Period:
    year = _year(request)
    q = request.GET.get("quarter", "")
    if q:
        quarter = int_or_404(q)
        if quarter not in (1, 2, 3, 4):
            raise Http404
        return periods.quarter(year, quarter)
    return periods.year(year)


def compliance(request: HttpRequest, pk: int) -> HttpResponse:
    organization = organization_selectors.organization_get(user=request.user, pk=pk)
    period = _period_from(request)
    quarter = request.GET.get("quarter", "")
    page = kept.compliance_page(
        organization,
        period.start.year,
        int(quarter) if quarter else None,
        refresh=figures.wants_refresh(request),
    )
    return render(
        request,
        "activities/compliance.html",
        {
            "organization": organization,
            "result": page.result,
            "leadership": page.leadership,
            "kept": page.kept,
            "refresh_url": "?"
            + urlencode({"year": period.start.year, "quarter": quarter})
            + "&refresh=1",
            "year": period.start.year,
            "quarter": quarter,
            "without_life": page.without_life
            if scope_for(request.user).can_read_path(organization.path)
            else [],
        },
    )


def ledger_export(
    request: AuthenticatedHttpRequest, pk: int, year: int, fmt: str
) -> HttpResponseBase:
    organization = organization_selectors.organization_get(user=request.user, pk=pk)
    if fmt not in services.LEDGER_FORMATS or not 2000 <= year <= 2100:
        raise Http404
    rows = services.ledger_size(organization=organization, year=year)
    if rows > exports.BACKGROUND_ROWS:  # a county's year: the worker writes it (decision 0265)
        job = services.ledger_export_start(
            actor=request.user, organization=organization, year=year, fmt=fmt, rows=rows
        )
        return redirect(job)
    body = services.ledger_export(actor=request.user, organization=organization, year=year, fmt=fmt)
    content_type = (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        if fmt == "xlsx"
        else "application/pdf"
    )
    response = HttpResponse(body, content_type=content_type)
    filename = f"ledger-{organization.code}-{year}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- frequency table ------------------------------------------------------------------------


def frequency(request: AuthenticatedHttpRequest) -> HttpResponse:
    selectors.frequency_rules()
    rules = list(FrequencyRule.objects.order_by("pk"))
    if request.method == "POST":
        form = FrequencyForm(request.POST)
        if form.is_valid():
            if run_service(
                request,
                lambda: services.frequency_update(actor=request.user, **form.cleaned_data),
                _("已保存组织生活频次。"),
            ):
                return redirect("activities:frequency")
        else:
            messages.error(request, _("次数须在 1 到 31 之间。"))
    return render(
        request,
        "activities/frequency.html",
        {"rules": rules, "periods": FrequencyPeriod.choices},
    )


# --- 民主评议 ----------------------------------------------------------------------------------


def _branches(request: HttpRequest) -> Any:
    return _managed(request).filter(kind__in=[*BRANCH_KINDS, OrgKind.GENERAL_BRANCH])


def review_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    reviews = ReviewRound.objects.filter(
        organization__in=Organization.objects.restrict(request.user)
    ).select_related("organization")
    organizations = _branches(request)
    form = ReviewOpenForm(
        request.POST or None,
        organizations=organizations,
        initial={"year": today().year, "excellent_cap_percent": services.excellent_cap_default()},
    )
    if request.method == "POST":
        if not organizations.exists():
            raise PermissionDenied
        if done := run_form(
            request, form, lambda data: services.review_open(actor=request.user, **data)
        ):
            return redirect(done.result)
    mine = ReviewEntry.objects.filter(member__user_id=request.user.pk or 0).select_related(
        "review__organization"
    )
    return render(
        request,
        "activities/reviews.html",
        {"reviews": reviews[:100], "form": form if organizations.exists() else None, "mine": mine},
    )


def review_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    review = get_object_or_404(
        ReviewRound.objects.select_related("organization"),
        pk=pk,
        organization__in=Organization.objects.restrict(request.user),
    )
    can_manage = selectors.can_manage(request.user, review.organization)
    entries = list(review.entries.select_related("member"))
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        grades = {e.member_id: request.POST.get(f"grade_{e.member_id}", "") for e in entries}
        if run_service(
            request,
            lambda: services.review_grade(actor=request.user, review=review, grades=grades),
            _("已保存评定等次。"),
        ):
            return redirect(review)
        for e in entries:  # shown again as chosen
            e.grade = grades[e.member_id]
    return render(
        request,
        "activities/review.html",
        {
            "review": review,
            "entries": entries,
            "grades": Grade.choices,
            "can_manage": can_manage,
            "cap": services.excellent_cap(review, len(entries)),
            "handling_form": HandlingForm(initial={"on": today()}),
        },
    )


@require_POST
def review_handle(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(
        ReviewEntry.objects.select_related("review__organization", "member"),
        pk=pk,
        review__organization__in=Organization.objects.restrict(request.user),
    )
    _require_manage(request, entry.review.organization)
    form = HandlingForm(request.POST)
    if form.is_valid():
        run_service(
            request,
            lambda: services.review_handle(actor=request.user, entry=entry, **form.cleaned_data),
            _("已记录处置，并写入党员档案。"),
        )
    else:
        messages.error(request, _("请选择处置、填写日期和处置依据。"))
    return redirect(entry.review)


def self_assessment(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(
        ReviewEntry.objects.select_related("review__organization", "member"), pk=pk
    )
    own = entry.member.user_id is not None and entry.member.user_id == request.user.pk
    if not own and not selectors.can_manage(request.user, entry.review.organization):
        raise Http404
    form = SelfAssessmentForm(request.POST or None, initial={"text": entry.self_assessment})
    if run_form(
        request,
        form,
        lambda data: services.review_self_assess(
            actor=request.user, entry=entry, text=data["text"]
        ),
        _("已保存自我评价。"),
    ):
        return redirect("activities:reviews")
    return render(request, "activities/self_assessment.html", {"entry": entry, "form": form})


# --- training -----------------------------------------------------------------------------------


def training(request: AuthenticatedHttpRequest) -> HttpResponse:
    year = _year(request)
    organizations = _managed(request)
    form = CourseForm(
        request.POST or None,
        organizations=organizations,
        initial={"starts_on": today(), "ends_on": today()},
    )
    if request.method == "POST":
        if not organizations.exists():
            raise PermissionDenied
        if done := run_form(
            request, form, lambda data: services.course_create(actor=request.user, **data)
        ):
            return redirect(done.result)
    tops = list(Organization.objects.tops(request.user)[:1])
    return render(
        request,
        "activities/training.html",
        {
            "courses": selectors.scoped_courses(request.user).filter(starts_on__year=year)[:200],
            "year": year,
            "form": form if organizations.exists() else None,
            "figures": selectors.training_figures(tops[0], year) if tops else [],
            "top": tops[0] if tops else None,
        },
    )


def course_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    course = get_object_or_404(selectors.scoped_courses(request.user), pk=pk)
    can_manage = selectors.can_manage(request.user, course.organization)
    members = Member.objects.filter(
        pk__in=selectors.expected_member_ids(
            course.organization, ActivityKind.OTHER, min(today(), course.ends_on)
        )
    ).order_by("name_pinyin")
    form = SessionForm(
        request.POST or None, members=members, initial={"on": course.starts_on, "hours": 2}
    )
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        if run_form(
            request,
            form,
            lambda data: services.session_add(
                actor=request.user,
                course=course,
                on=data["on"],
                topic=data["topic"],
                hours=data["hours"],
                participants=list(data["participants"]),
            ),
            _("已记录课次。"),
        ):
            return redirect(course)
    sessions = course.sessions.prefetch_related("participants")
    return render(
        request,
        "activities/course.html",
        {"course": course, "sessions": sessions, "form": form if can_manage else None},
    )


def life_exemption_create(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """免于参加组织生活: the branch's decision for an old or ill member, from the member page."""
    member = selectors.member_get(user=request.user, pk=pk)
    membership = member_selectors.latest_membership(member)
    if membership is None:
        raise PermissionDenied
    _require_manage(request, membership.organization)
    form = LifeExemptionForm(request.POST or None)
    if run_form(
        request,
        form,
        lambda data: services.life_exemption_grant(actor=request.user, member=member, **data),
        _("已登记免于参加组织生活的决定，并记入党员档案。"),
    ):
        return redirect(member)
    return render(
        request,
        "activities/exemption_form.html",
        {"form": form, "member": member, "exemptions": selectors.life_exemptions(member)},
    )


def training_coverage_export(request: AuthenticatedHttpRequest) -> HttpResponse:
    organization = _org_param(request) or Organization.objects.tops(request.user).first()
    if organization is None:
        raise Http404
    year = _year(request)
    body = services.training_coverage_export(
        actor=request.user, organization=organization, year=year
    )
    response = HttpResponse(
        body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    filename = f"training-coverage-{organization.code}-{year}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def training_coverage(request: HttpRequest) -> HttpResponse:
    """Who has had no training this year, by group and by organization, against the yearly
    class hours required."""
    organization = _org_param(request) or Organization.objects.tops(request.user).first()
    if organization is None:
        raise Http404
    year = _year(request)
    return render(
        request,
        "activities/training_coverage.html",
        {
            "organization": organization,
            "year": year,
            "coverage": selectors.training_coverage(organization, year),
            "children": Organization.objects.restrict(request.user)
            .filter(parent=organization)
            .exclude(kind=OrgKind.PARTY_GROUP)
            .order_by("path"),
        },
    )
