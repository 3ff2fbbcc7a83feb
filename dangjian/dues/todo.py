"""Dues on the home page's 本月待办: a branch's ledger for the month and who still owes."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from dangjian.core.extensions import TodoItem
from dangjian.organizations.choices import BRANCH_KINDS
from dangjian.organizations.models import Organization

from . import selectors


def todo(request: HttpRequest, organization: Organization, on: dt.date) -> list[TodoItem]:
    if organization.kind not in BRANCH_KINDS:
        return []
    due = selectors.month_due(organization, on)
    if not due.members:
        return []
    url = reverse("dues:organization", args=[organization.pk])
    items = []
    if not due.ledger_ready:
        # The months are owed all the same (docs/dues.md): the arrears below still count.
        items.append(TodoItem(_("本月党费账目尚未生成：请核定基数并生成账目。"), url))
    if due.behind:
        items.append(
            TodoItem(_("%(n)d 名党员欠交以前月份的党费。") % {"n": due.behind}, url, overdue=True)
        )
    if due.due_now:
        items.append(
            TodoItem(
                _("本月还有 %(n)d 名党员（共 %(total)d 名）未交党费。")
                % {"n": due.due_now, "total": due.members},
                url,
            )
        )
    return items
