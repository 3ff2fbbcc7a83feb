"""Writes of the work-fund ledger: a line received or spent, scoped and audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from dangjian.accounts.models import User
from dangjian.accounts.scope import scope_for
from dangjian.audit.choices import AuditAction
from dangjian.audit.services import audit_record
from dangjian.core.dates import today
from dangjian.core.error_codes import ErrorCode as CoreErrorCode
from dangjian.core.errors import field_error
from dangjian.organizations.models import Organization

from . import selectors
from .choices import ALLOCATION_CATEGORIES, SPENDING_CATEGORIES, EntryKind
from .error_codes import ErrorCode
from .models import FundEntry


@transaction.atomic
def entry_record(
    *,
    actor: User,
    organization: Organization,
    kind: str,
    category: str,
    on: dt.date,
    amount: Decimal,
    description: str,
) -> FundEntry:
    """Record money the organization received (拨付) or spent. Spending may not take the
    balance below zero: work funds are spent from what was received."""
    if not scope_for(actor).can_manage_path(organization.path):
        raise PermissionDenied
    # Lock the organization's row: two spendings at once must not both pass the balance check.
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    allowed = ALLOCATION_CATEGORIES if kind == EntryKind.ALLOCATION else SPENDING_CATEGORIES
    if kind not in EntryKind.values or category not in allowed:
        raise field_error("category", _("请选择与收支类型相符的类别。"), code=ErrorCode.CATEGORY)
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise field_error(
            "amount", _("金额须大于 0，最多两位小数。"), code=CoreErrorCode.OUT_OF_RANGE
        )
    if on > today():
        raise field_error("on", _("日期不能晚于今天。"), code=CoreErrorCode.FUTURE)
    if not description.strip():
        raise field_error("description", _("请填写摘要。"), code=CoreErrorCode.REQUIRED)
    if kind == EntryKind.SPENDING:
        balance = selectors.ledger(organization, today().year).balance
        if amount > balance:
            raise field_error(
                "amount",
                _("支出超过经费结余（%(balance)s 元）。") % {"balance": balance},
                code=ErrorCode.INSUFFICIENT_BALANCE,
            )
    entry = FundEntry(
        organization=organization,
        kind=kind,
        category=category,
        on=on,
        amount=amount,
        description=description.strip()[:300],
        recorded_by=actor,
    )
    entry.full_clean()
    entry.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        target=entry,
        summary=_("%(org)s 工作经费%(kind)s %(amount)s 元")
        % {"org": organization.name, "kind": entry.get_kind_display(), "amount": amount},
    )
    return entry
