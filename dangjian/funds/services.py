"""Writes of the work-fund ledger: a line received or spent, scoped and audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

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
from dangjian.core.labels import choice_label
from dangjian.organizations.models import Organization

from . import selectors
from .choices import ALLOCATION_CATEGORIES, SPENDING_CATEGORIES, DuesUse, EntryKind
from .error_codes import ErrorCode
from .models import FundEntry, RetainedDuesUse


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


@transaction.atomic
def dues_use_record(
    *,
    actor: User,
    organization: Organization,
    category: str,
    on: dt.date,
    amount: Decimal,
    description: str,
    decided_by: str,
) -> RetainedDuesUse:
    """Record a use of the dues the organization keeps: one of the five uses of the 2008 rules,
    decided collectively (the meeting is named), never more than what is left."""
    if not scope_for(actor).can_manage_path(organization.path):
        raise PermissionDenied
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    if category not in DuesUse.values:
        raise field_error("category", _("请选择党费的用途。"), code=ErrorCode.CATEGORY)
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise field_error(
            "amount", _("金额须大于 0，最多两位小数。"), code=CoreErrorCode.OUT_OF_RANGE
        )
    if on > today():
        raise field_error("on", _("日期不能晚于今天。"), code=CoreErrorCode.FUTURE)
    if not description.strip():
        raise field_error("description", _("请填写摘要。"), code=CoreErrorCode.REQUIRED)
    if not decided_by.strip():
        raise field_error(
            "decided_by",
            _("请写明集体讨论决定的会议（党费的使用须集体讨论决定）。"),
            code=CoreErrorCode.REQUIRED,
        )
    balance = selectors.retained_for(organization, today().year).balance
    if amount > balance:
        raise field_error(
            "amount",
            _("超过留存党费结余（%(balance)s 元）。") % {"balance": balance},
            code=ErrorCode.INSUFFICIENT_BALANCE,
        )
    use = RetainedDuesUse(
        organization=organization,
        category=category,
        on=on,
        amount=amount,
        description=description.strip()[:300],
        decided_by=decided_by.strip()[:200],
        recorded_by=actor,
    )
    use.full_clean()
    use.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        target=use,
        summary=_("%(org)s 使用留存党费 %(amount)s 元（%(what)s）")
        % {"org": organization.name, "amount": amount, "what": use.get_category_display()},
    )
    return use


# --- exports ----------------------------------------------------------------------------------


def _money_rows(items: dict[str, Decimal], label: Any) -> list[list[Any]]:
    return [[label(key), amount] for key, amount in items.items()]


def ledger_export(*, actor: User, organization: Organization, year: int) -> bytes:
    """One organization's year as .xlsx: the work-fund lines, the retained-dues uses and the
    totals the ledger page shows; the export is audited."""
    if not scope_for(actor).can_read_path(organization.path):
        raise PermissionDenied
    from dangjian.core.workbooks import table_xlsx

    found = selectors.ledger(organization, year)
    kept = selectors.retained_for(organization, year)
    title = _("%(org)s %(year)d 年经费台账") % {"org": organization.name, "year": year}
    totals: list[list[Any]] = [
        [_("上年结转"), found.opening],
        *_money_rows(found.received, selectors.category_label),
        [_("收到拨付合计"), found.received_total],
        *_money_rows(found.spent, selectors.category_label),
        [_("支出合计"), found.spent_total],
        [_("结余"), found.balance],
        [_("应拨付（标准）"), found.standard],
        [_("本年收缴党费"), kept.collected],
        [_("按比例留存"), kept.retained],
        [_("以前年度留存结余"), kept.opening],
        *_money_rows(kept.used, selectors.use_label),
        [_("留存党费使用合计"), kept.used_total],
        [_("留存党费结余"), kept.balance],
    ]
    body = table_xlsx(
        [
            (_("汇总"), [_("项目"), _("金额（元）")], totals, title),
            (
                _("工作经费"),
                [_("日期"), _("类型"), _("类别"), _("金额（元）"), _("摘要")],
                [
                    [
                        e.on,
                        choice_label(e, "kind"),
                        choice_label(e, "category"),
                        e.amount,
                        e.description,
                    ]
                    for e in selectors.entries(organization, year)
                ],
                title,
            ),
            (
                _("留存党费使用"),
                [_("日期"), _("用途"), _("金额（元）"), _("摘要"), _("集体讨论决定")],
                [
                    [u.on, choice_label(u, "category"), u.amount, u.description, u.decided_by]
                    for u in selectors.dues_uses(organization, year)
                ],
                title,
            ),
        ]
    )
    audit_record(
        actor=actor,
        action=AuditAction.EXPORT,
        target=organization,
        summary=_("导出经费台账"),
        detail={"year": year},
    )
    return body


def summary_export(*, actor: User, organization: Organization, year: int) -> bytes:
    """The subtree's organizations as .xlsx: the work funds against the standard and the
    retained dues, the same rows as the /funds/ page; the export is audited."""
    if not scope_for(actor).can_read_path(organization.path):
        raise PermissionDenied
    from dangjian.core.workbooks import table_xlsx

    summary = selectors.subtree_summary(organization, year)
    kept = selectors.retained_summary(organization, year)
    title = _("%(org)s %(year)d 年党组织经费") % {"org": organization.name, "year": year}
    funds_rows = [
        [
            row.organization.name,
            row.members,
            row.standard,
            row.opening,
            row.received_total,
            row.spent_total,
            row.balance,
            row.shortfall,
            _("是") if row.below_standard else "",
        ]
        for row in [*summary.rows, summary.total]
    ]
    funds_rows[-1][0] = _("合计")
    funds_rows[-1][-1] = len(summary.below)
    kept_rows = [
        [
            row.organization.name,
            row.collected,
            row.retained,
            row.opening,
            row.used_total,
            row.balance,
        ]
        for row in [*kept.rows, kept.total]
    ]
    kept_rows[-1][0] = _("合计")
    body = table_xlsx(
        [
            (
                _("工作经费"),
                [
                    _("党组织"),
                    _("党员"),
                    _("应拨付（标准）"),
                    _("上年结转"),
                    _("收到拨付"),
                    _("支出"),
                    _("结余"),
                    _("差额"),
                    _("低于标准"),
                ],
                funds_rows,
                title,
            ),
            (
                _("留存党费"),
                [
                    _("党组织"),
                    _("本年收缴党费"),
                    _("按比例留存"),
                    _("以前年度结余"),
                    _("已使用"),
                    _("留存党费结余"),
                ],
                kept_rows,
                title,
            ),
        ]
    )
    audit_record(
        actor=actor,
        action=AuditAction.EXPORT,
        target=organization,
        summary=_("导出党组织经费汇总"),
        detail={"year": year, "organizations": len(summary.rows)},
    )
    return body
