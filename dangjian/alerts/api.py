"""Alerts in /api/v1/alerts/: the open cases in the caller's scope."""

import datetime as dt

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from dangjian.core.api import ErrorOut, In, Pages

from . import selectors
from .engine import rule_title
from .models import Alert, AlertStatus

router = Router(tags=["预警"])


class AlertOut(Schema):
    id: int
    rule: str
    rule_title: str
    status: str
    organization_code: str
    organization_name: str
    message: str
    fix: str
    last_seen_on: dt.date
    snoozed_until: dt.date | None

    @staticmethod
    def resolve_message(obj: Alert) -> str:
        return obj.message_text  # in the language the request asked for (Accept-Language)

    @staticmethod
    def resolve_fix(obj: Alert) -> str:
        return obj.fix_text

    @staticmethod
    def resolve_rule_title(obj: Alert) -> str:
        return rule_title(obj.rule)

    @staticmethod
    def resolve_organization_code(obj: Alert) -> str:
        return obj.organization.code

    @staticmethod
    def resolve_organization_name(obj: Alert) -> str:
        return obj.organization.name


class AlertFilters(In):
    status: AlertStatus = AlertStatus.OPEN
    rule: str = ""
    org: str = ""


@router.get("/", response={200: list[AlertOut], 400: ErrorOut}, summary="预警列表")
@paginate(Pages, page_size=50)
def alert_list(request: HttpRequest, filters: Query[AlertFilters]) -> QuerySet[Alert]:
    alerts = selectors.scoped_alerts(request.user).filter(status=filters.status)
    if filters.rule:
        alerts = alerts.filter(rule=filters.rule)
    if filters.org:
        alerts = alerts.filter(organization__code=filters.org)
    return alerts.order_by("organization__path", "rule", "id")
