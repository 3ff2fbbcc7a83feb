"""Transfers on the home page's 本月待办: letters to receive and transfers to approve in the
organizations a card covers. (Letters in transit too long or about to expire are alerts.)"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from dangjian.accounts.scope import scope_for
from dangjian.core.extensions import TodoItem
from dangjian.organizations.models import Organization

from .choices import TransferState
from .models import OutflowReport, Transfer


def todo(request: HttpRequest, organization: Organization, on: dt.date) -> list[TodoItem]:
    if not scope_for(request.user).can_manage_path(organization.path):
        return []  # an observer has nothing to do
    subtree = Organization.objects.under(organization.path)
    url = reverse("transfers:list")
    # Each of the few open transfers asks whether its organization is in the subtree (EXISTS
    # by primary key), rather than `IN` every organization of the subtree: a province's
    # 211,533 were hashed three times on every visit of its home page (122 ms).
    counts = Transfer.objects.filter(
        state__in=[TransferState.IN_TRANSIT, TransferState.AWAITING_APPROVAL]
    ).aggregate(
        incoming=_count(
            Q(state=TransferState.IN_TRANSIT, valid_until__gte=on)
            & Q(_in(subtree, "to_organization_id"))
        ),
        approve=_count(
            # The committee above the sender approves (transfers.services.approving_organization).
            Q(state=TransferState.AWAITING_APPROVAL)
            & (
                Q(_in(subtree, "from_organization__parent_id"))
                | (
                    Q(from_organization__parent__isnull=True)
                    & Q(_in(subtree, "from_organization_id"))
                )
            )
        ),
    )
    items = []
    if counts["incoming"]:
        items.append(
            TodoItem(
                _("%(n)d 份组织关系介绍信转来，待接收。") % {"n": counts["incoming"]},
                f"{url}?list=incoming",
            )
        )
    if counts["approve"]:
        items.append(
            TodoItem(
                _("%(n)d 笔组织关系转接待审批。") % {"n": counts["approve"]},
                f"{url}?list=outgoing",
            )
        )
    reports = (
        OutflowReport.objects.filter(seen_at__isnull=True)
        .filter(_in(subtree, "outflow__home_organization_id"))
        .count()
    )
    if reports:
        # What a mobile member chose to tell the branch (from /me/): to read, never to chase.
        items.append(
            TodoItem(
                _("%(n)d 份流动党员近况报告待查看。") % {"n": reports},
                reverse("transfers:outflow_reports"),
            )
        )
    return items


def _count(condition: Q) -> Count:
    return Count("pk", filter=condition)


def _in(organizations: QuerySet[Organization], field: str) -> Exists:
    """The row's organization (`field`, a primary key) is one of `organizations`."""
    return Exists(organizations.filter(pk=OuterRef(field)))
