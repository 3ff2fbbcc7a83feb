"""Alert pages: the list a secretary works through, an alert's history, snooze and recheck."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dangjian.accounts.http import AuthenticatedHttpRequest
from dangjian.accounts.scope import scope_for
from dangjian.core.dates import today
from dangjian.core.forms import DateInput, run_form, style_form
from dangjian.core.pagination import int_or_404, paginate, querystring_without_page
from dangjian.organizations import selectors as organization_selectors

from . import selectors, services
from .engine import RULES, rule_title
from .models import AlertStatus


class SnoozeForm(forms.Form):
    until = forms.DateField(label=gettext_lazy("暂缓至"), widget=DateInput())
    reason = forms.CharField(label=gettext_lazy("原因"), max_length=300)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        style_form(self)


def _back(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


def alert_list(request: HttpRequest) -> HttpResponse:
    alerts = selectors.scoped_alerts(request.user)
    status = request.GET.get("status", AlertStatus.OPEN)
    if status in AlertStatus.values:
        alerts = alerts.filter(status=status)
    rule = request.GET.get("rule", "")
    if rule:
        alerts = alerts.filter(rule=rule)
    organization = None
    if request.GET.get("org"):
        organization = organization_selectors.organization_get(
            user=request.user, pk=int_or_404(request.GET["org"])
        )
        alerts = alerts.within(organization)
    page = paginate(request, alerts.order_by("organization__path", "rule", "id"), per_page=50)
    scope = scope_for(request.user)
    for alert in page.object_list:
        alert.rule_title = rule_title(alert.rule)
        alert.can_manage = scope.can_manage_path(alert.organization.path)
    return render(
        request,
        "alerts/list.html",
        {
            "page": page,
            "status": status,
            "rule": rule,
            "rules": [(code, r.title) for code, r in RULES.items()],
            "statuses": AlertStatus.choices,
            "organization": organization,
            "querystring": querystring_without_page(request),
            "snooze_form": SnoozeForm(initial={"until": today() + dt.timedelta(days=30)}),
        },
    )


def alert_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    alert = selectors.alert_get(user=request.user, pk=pk)
    form = SnoozeForm(request.POST or None, initial={"until": today() + dt.timedelta(days=30)})
    if run_form(
        request,
        form,
        lambda data: services.alert_snooze(actor=request.user, alert=alert, **data),
        _("已暂缓，到期后会重新提醒。"),
    ):
        return redirect(_back(request, request.path))
    return render(
        request,
        "alerts/detail.html",
        {
            "alert": alert,
            "title": rule_title(alert.rule),
            "source": RULES[alert.rule].source if alert.rule in RULES else "",
            "events": alert.events.select_related("actor"),
            "form": form,
            "can_manage": scope_for(request.user).can_manage_path(alert.organization.path),
        },
    )


@require_POST
def alert_recheck(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    alert = selectors.alert_get(user=request.user, pk=pk)
    alert = services.alert_recheck(actor=request.user, alert=alert)
    if alert.status == AlertStatus.RESOLVED:
        messages.success(request, _("问题已解决，预警已消除。"))
    else:
        messages.warning(request, _("重新检查后问题仍然存在。"))
    return redirect(_back(request, request.path.rsplit("/", 1)[0]))


@require_POST
def recompute(request: HttpRequest, org: int) -> HttpResponse:
    organization = organization_selectors.organization_get(user=request.user, pk=org)
    if not scope_for(request.user).can_manage_path(organization.path):
        raise PermissionDenied
    result = services.alerts_recompute(root=organization)
    messages.success(
        request,
        _("检查完成：新发现 %(opened)d 条，已消除 %(resolved)d 条，仍待处理 %(kept)d 条。")
        % {"opened": result.opened, "resolved": result.resolved, "kept": result.kept},
    )
    return redirect(_back(request, organization.get_absolute_url()))
