"""Care on the home page's 本月待办: members' help requests (困难求助) still to take up."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from dangjian.accounts.scope import scope_for
from dangjian.core.extensions import TodoItem
from dangjian.organizations.models import Organization

from .models import HelpRequest, HelpStatus, HelpUrgency


def todo(request: HttpRequest, organization: Organization, on: dt.date) -> list[TodoItem]:
    if not scope_for(request.user).can_manage_path(organization.path):
        return []  # an observer takes nothing up
    counts = (
        HelpRequest.objects.within(organization)
        .filter(status=HelpStatus.OPEN)
        .aggregate(total=Count("pk"), urgent=Count("pk", filter=Q(urgency=HelpUrgency.URGENT)))
    )
    if not counts["total"]:
        return []
    url = reverse("care:help_requests", args=[organization.pk])
    if counts["urgent"]:
        text = _("%(n)d 条党员困难求助待受理，其中 %(u)d 条紧急。") % {
            "n": counts["total"],
            "u": counts["urgent"],
        }
    else:
        text = _("%(n)d 条党员困难求助待受理。") % {"n": counts["total"]}
    return [TodoItem(text, url)]
