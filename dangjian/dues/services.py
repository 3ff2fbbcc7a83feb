"""Writes to dues. Each is atomic, checks scope, and writes its archive entry and audit event."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from dangjian.accounts.models import User
from dangjian.accounts.scope import scope_for
from dangjian.audit.choices import AuditAction
from dangjian.audit.services import audit_record
from dangjian.core.dates import today
from dangjian.core.error_codes import ErrorCode as CoreErrorCode
from dangjian.core.errors import field_error
from dangjian.dues.error_codes import ErrorCode
from dangjian.members.caching import invalidate_organizations
from dangjian.members.choices import ArchiveKind
from dangjian.members.models import ArchiveEntry, Member, Membership
from dangjian.members.selectors import roster_on
from dangjian.organizations.models import Organization

from . import rules, selectors
from .choices import BASE_SCHEDULE, DuesCategory, PaymentMethod, category_for_occupation
from .models import DuesProfile, LedgerEntry, OrganizationDuesSetting, Payment, PaymentMonth

# How far ahead a payment may reach beyond the months owed so far.
MAX_PREPAY_MONTHS = 24


def _require_manage(actor: User, organization: Organization) -> None:
    if not scope_for(actor).can_manage_path(organization.path):
        raise PermissionDenied(_("您无权管理该党组织的党费。"))


def _current_organization(member: Member) -> Organization:
    membership = (
        Membership.objects.select_related("organization")
        .filter(member=member, ended_on__isnull=True)
        .first()
    )
    if membership is None:
        raise ValidationError(
            _("该党员已不在组织中，不能再登记党费。"), code=CoreErrorCode.NOT_ON_ROSTER
        )
    return membership.organization


def _archive(member: Member, actor: User, summary: str, after: dict[str, Any], on: dt.date) -> None:
    ArchiveEntry.objects.create(
        member=member,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        kind=ArchiveKind.UPDATED,
        summary=summary[:300],
        after=after,
        effective_on=on,
    )


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


# --- profiles ------------------------------------------------------------------------


@transaction.atomic
def profile_set(
    *,
    actor: User,
    member: Member,
    category: str | None,
    base: Decimal | None,
    effective_from: dt.date,
    reduced_amount: Decimal | None = None,
    reduction_decision: str = "",
    reduction_approved_by: str = "",
    confirmed_year: int | None = None,
    override_reason: str = "",
) -> DuesProfile:
    """Set a member's dues category and base from a month on (a new base applies from the
    month the new wage is first paid). Ledger months from that month on are recomputed;
    earlier months keep their amounts.

    No category (None or "") means the one the member's occupation gives. Another category is
    the secretary's override, recorded as such with its reason (the reason of the same
    override before is kept when none is given); an override stays when the occupation
    changes (`profile_follow_occupation`)."""
    organization = _current_organization(member)
    _require_manage(actor, organization)
    month = rules.month_of(effective_from)
    derived = category_for_occupation(member.occupation, member.is_retired)
    category = category or derived
    overridden = category != derived
    reason = override_reason.strip()[:200] if overridden else ""
    if overridden and not reason:
        previous = (
            member.dues_profiles.filter(
                effective_from__lte=month, category=category, category_overridden=True
            )
            .order_by("-effective_from")
            .first()
        )
        reason = previous.override_reason if previous else ""
    errors: dict[str, str] = {}
    if category not in DuesCategory.values:
        errors["category"] = _("党费类别不对，请从列表中选择。")
    elif category in BASE_SCHEDULE and base is None:
        errors["base"] = _("该类别按月收入计算党费，请填写月基数（税后工资或退休费）。")
    elif category not in BASE_SCHEDULE:
        base = None  # fixed-amount categories have no base
    if base is not None and base < 0:
        errors["base"] = _("月基数不能为负数。")
    if reduced_amount is not None:
        if reduced_amount < 0:
            errors["reduced_amount"] = _("批准后的数额不能为负数；免交请填 0。")
        if not reduction_decision.strip():
            errors["reduction_decision"] = _(
                "少交或免交须经支部决定，请填写支部决定（日期、会议）。"
            )
        if not reduction_approved_by.strip():
            errors["reduction_approved_by"] = _(
                "少交或免交须报上级党组织批准，请填写批准的党组织。"
            )
    if member.joined_on and rules.month_end(month) < member.joined_on:
        errors["effective_from"] = _("起始月份不能早于入党（支部大会通过）的月份。")
    if errors:
        raise ValidationError(errors)
    if reduced_amount is not None and category in DuesCategory.values:
        standard = rules.calculate(
            table=rules.table_for_month(month),
            category=category,
            base=base,
            farmer_amount=selectors.farmer_amount_of(organization),
        )
        if reduced_amount > standard.amount:
            raise field_error(
                "reduced_amount",
                _("批准后的数额（%(reduced)s 元）高于按标准应交的 %(standard)s 元；多交不需批准。")
                % {"reduced": reduced_amount, "standard": standard.amount},
                code=ErrorCode.REDUCTION_ABOVE_STANDARD,
            )
    profile, created = DuesProfile.objects.update_or_create(
        member=member,
        effective_from=month,
        defaults={
            "category": category,
            "base": base,
            "reduced_amount": reduced_amount,
            "reduction_decision": reduction_decision.strip() if reduced_amount is not None else "",
            "reduction_approved_by": (
                reduction_approved_by.strip() if reduced_amount is not None else ""
            ),
            "confirmed_year": confirmed_year,
            "category_overridden": overridden,
            "override_reason": reason,
            "recorded_by": actor if getattr(actor, "is_authenticated", False) else None,
        },
    )
    _ledger_refresh_member(member, month)
    # The cached reports of every organization the member owed dues to (decision 0260).
    invalidate_organizations(
        sorted(set(member.memberships.values_list("organization_id", flat=True)))
    )
    if overridden:
        basis = _("书记指定，不随职业变化；按职业“%(occupation)s”应为“%(derived)s”") % {
            "occupation": member.get_occupation_display(),
            "derived": derived.label,
        }
        if reason:
            basis += _("；原因：%(reason)s") % {"reason": reason}
    elif member.is_retired:
        basis = _("按离退休")
    else:
        basis = _("按职业“%(occupation)s”") % {"occupation": member.get_occupation_display()}
    after = {
        "dues_category": str(DuesCategory(category).label),
        "dues_category_basis": basis,
        "dues_base": _money(base),
        "dues_from": month.strftime("%Y-%m"),
    }
    if reduced_amount is not None:
        after["dues_reduced_amount"] = _money(reduced_amount)
        after["dues_reduction_approved_by"] = reduction_approved_by.strip()
    _archive(
        member,
        actor,
        _("党费档案：%(category)s（%(basis)s），自 %(month)s 起")
        % {
            "category": DuesCategory(category).label,
            "basis": basis,
            "month": month.strftime("%Y-%m"),
        },
        after,
        month,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        target=profile,
        summary=f"dues profile {member.pk} {category} {base} from {month:%Y-%m}"
        + (" (override)" if overridden else ""),
        detail={"category_overridden": overridden},
    )
    return profile


def profile_follow_occupation(
    *, member: Member, before: dict[str, Any], after: dict[str, Any], actor: User
) -> None:
    """After a member's occupation (or 离退休) changed (`members.hooks.register_on_updated`): a profile
    that follows the occupation moves to the category the new occupation gives, from next
    month. An override stays. When the new category needs a base the profile does not carry
    (a wage is not a pension), or the member has an approved reduction, nothing is guessed:
    the member's dues page says what to record (`selectors.category_basis`)."""
    if not {"occupation", "is_retired"} & set(after):
        return
    if not member.memberships.filter(ended_on__isnull=True).exists():
        return
    latest = member.dues_profiles.order_by("-effective_from").first()
    if latest is None or latest.category_overridden or latest.reduced_amount is not None:
        return
    derived = category_for_occupation(member.occupation, member.is_retired)
    if latest.category == derived:
        return
    base = None
    if derived in BASE_SCHEDULE:
        if BASE_SCHEDULE.get(latest.category) != BASE_SCHEDULE[derived]:
            return
        base = latest.base
    month = max(rules.add_months(rules.month_of(today()), 1), latest.effective_from)
    profile_set(actor=actor, member=member, category=derived, base=base, effective_from=month)


@transaction.atomic
def base_confirm(
    *,
    actor: User,
    organization: Organization,
    year: int,
    rows: Sequence[tuple[Member, str, Decimal | None]],
) -> int:
    """Annual confirmation (每年核定): each member's category and base from January of `year`.
    Unchanged rows are confirmed as they are; every row is marked confirmed for the year.
    All or nothing: one bad row rolls the whole pass back."""
    _require_manage(actor, organization)
    roster = set(
        roster_on(organization, dt.date(year, 1, 1))
        .filter(organization=organization)
        .values_list("member_id", flat=True)
    )
    count = 0
    errors: dict[str, str] = {}
    for member, category, base in rows:
        if member.pk not in roster:
            raise PermissionDenied(_("该党员不在本支部。"))
        current = selectors.profile_in_force(
            list(member.dues_profiles.order_by("effective_from")), dt.date(year, 1, 1)
        )
        reduced = current.reduced_amount if current else None
        try:
            profile_set(
                actor=actor,
                member=member,
                category=category,
                base=base,
                effective_from=dt.date(year, 1, 1),
                reduced_amount=reduced,
                reduction_decision=current.reduction_decision if current else "",
                reduction_approved_by=current.reduction_approved_by if current else "",
                confirmed_year=year,
            )
        except ValidationError as exc:
            messages = exc.messages
            errors[f"base_{member.pk}"] = f"{member.name}：{messages[0]}"
            continue
        count += 1
    if errors:
        raise ValidationError(errors)
    return count


@transaction.atomic
def farmer_amount_set(*, actor: User, organization: Organization, amount: Decimal) -> None:
    """The branch's monthly amount for farmer members, within the table's range (0.2–1 yuan)."""
    _require_manage(actor, organization)
    table = rules.table_for_month(rules.month_of(today()))
    if not table.farmer_min <= amount <= table.farmer_max:
        raise field_error(
            "farmer_amount",
            _("农民党员每月党费须在 %(low)s 至 %(high)s 元之间。")
            % {"low": table.farmer_min, "high": table.farmer_max},
            code=ErrorCode.FARMER_OUT_OF_RANGE,
        )
    OrganizationDuesSetting.objects.update_or_create(
        organization=organization, defaults={"farmer_amount": amount}
    )
    invalidate_organizations([organization.pk])  # the cached reports count farmers' dues
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        target=organization,
        summary=f"farmer dues {amount}",
    )


# --- the ledger -------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerResult:
    created: int
    updated: int
    unchanged: int
    without_profile: int


def _entry_values(
    profile: DuesProfile, month: dt.date, tables: rules.Tables, farmer: Decimal | None
) -> dict[str, Any]:
    calculation = selectors.profile_calculation(profile, month, tables, farmer)
    return {
        "category": profile.category,
        "base": profile.base,
        "rate": calculation.rate,
        "amount_due": calculation.amount,
        "rule": calculation.rule,
        "profile_id": profile.pk,
    }


def _differs(entry: LedgerEntry, values: dict[str, Any]) -> bool:
    return any(getattr(entry, name) != value for name, value in values.items())


@transaction.atomic
def ledger_generate(*, actor: User, organization: Organization, month: dt.date) -> LedgerResult:
    """The month's ledger for every member on the roster of the subtree at the month's end.

    Idempotent: a second run creates and changes nothing. A row whose profile changed since is
    brought up to date. Probationary members owe from the month of the branch meeting (their
    入党日期). Members without a dues profile are counted, not guessed.
    """
    _require_manage(actor, organization)
    month = rules.month_of(month)
    memberships = list(
        roster_on(organization, rules.month_end(month)).values_list(
            "member_id", "organization_id", "member__joined_on"
        )
    )
    member_ids = [m for m, _o, joined in memberships if joined <= rules.month_end(month)]
    organization_of = {m: o for m, o, _j in memberships}
    profiles = selectors.profiles_by_member(member_ids)
    farmer = selectors.farmer_amounts(set(organization_of.values()))
    tables = rules.Tables()
    existing = {
        e.member_id: e
        for e in LedgerEntry.objects.filter(
            member_id__in=roster_on(organization, rules.month_end(month)).values("member_id"),
            month=month,
        )
    }
    created: list[LedgerEntry] = []
    updated: list[LedgerEntry] = []
    unchanged = without = 0
    for member_id in member_ids:
        profile = selectors.profile_in_force(profiles.get(member_id, []), month)
        if profile is None:
            without += 1
            continue
        values = _entry_values(profile, month, tables, farmer.get(organization_of[member_id]))
        entry = existing.get(member_id)
        if entry is None:
            created.append(
                LedgerEntry(
                    member_id=member_id,
                    organization_id=organization_of[member_id],
                    month=month,
                    **values,
                )
            )
        elif _differs(entry, values):
            for name, value in values.items():
                setattr(entry, name, value)
            updated.append(entry)
        else:
            unchanged += 1
    LedgerEntry.objects.bulk_create(created, batch_size=2000)
    LedgerEntry.objects.bulk_update(
        updated, ["category", "base", "rate", "amount_due", "rule", "profile"], batch_size=2000
    )
    if created or updated:
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            target=organization,
            summary=f"dues ledger {month:%Y-%m}: {len(created)} new, {len(updated)} updated",
        )
        # bulk writes send no signals: the dashboards' dues figures are invalidated here.
        invalidate_organizations([organization.pk])
    return LedgerResult(len(created), len(updated), unchanged, without)


def _ledger_refresh_member(member: Member, from_month: dt.date) -> int:
    """Recompute the member's existing ledger rows from `from_month` on (after a profile change)."""
    entries = list(LedgerEntry.objects.filter(member=member, month__gte=from_month))
    if not entries:
        return 0
    profiles = selectors.profiles_by_member([member.pk]).get(member.pk, [])
    farmer = selectors.farmer_amounts({e.organization_id for e in entries})
    tables = rules.Tables()
    changed = []
    for entry in entries:
        profile = selectors.profile_in_force(profiles, entry.month)
        if profile is None:
            continue
        values = _entry_values(profile, entry.month, tables, farmer.get(entry.organization_id))
        if _differs(entry, values):
            for name, value in values.items():
                setattr(entry, name, value)
            changed.append(entry)
    LedgerEntry.objects.bulk_update(
        changed, ["category", "base", "rate", "amount_due", "rule", "profile"]
    )
    return len(changed)


# --- payments ----------------------------------------------------------------------------


@transaction.atomic
def payment_record(
    *,
    actor: User,
    member: Member,
    amount: Decimal,
    paid_on: dt.date,
    method: str,
    receipt_number: str = "",
    voluntary_amount: Decimal = Decimal("0"),
    note: str = "",
) -> Payment:
    """Record a payment: `amount` of dues (one or more months, arrears first, then ahead) and
    any `voluntary_amount` paid beyond them. The months it pays are stored with it
    (`PaymentMonth`) and named in the archive entry; nothing later moves them. A voluntary amount at or above the table's
    threshold (1000 yuan) is flagged to go entirely to the central level."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    organization = _current_organization(member)
    _require_manage(actor, organization)
    errors: dict[str, str] = {}
    if amount < 0:
        errors["amount"] = _("金额不能为负数。")
    if voluntary_amount < 0:
        errors["voluntary_amount"] = _("金额不能为负数。")
    if amount == 0 and voluntary_amount == 0:
        errors["amount"] = _("请填写交纳的党费金额。")
    if paid_on > today():
        errors["paid_on"] = _("交纳日期不能晚于今天。")
    if method not in PaymentMethod.values:
        errors["method"] = _("请选择交纳方式：现金、转账或线上。")
    receipt_number = receipt_number.strip()
    if (
        receipt_number
        and Payment.objects.filter(
            organization=organization, receipt_number=receipt_number
        ).exists()
    ):
        errors["receipt_number"] = _("这个收据号已经登记过，请核对收据。")
    if errors:
        raise ValidationError(errors)
    parts: list[tuple[dt.date, Decimal]] = []
    if amount > 0:
        if not DuesProfile.objects.filter(member=member).exists():
            raise field_error(
                "amount",
                _("该党员尚未建立党费档案，请先填写党费类别和基数，再登记交纳。"),
                code=ErrorCode.NO_PROFILE,
            )
        # The months this payment pays are fixed now, oldest open month first, and never
        # move afterwards (decision 0071).
        open_lines = selectors.open_months(member, today(), ahead=MAX_PREPAY_MONTHS)
        limit = sum((line.remaining for line in open_lines), Decimal("0"))
        if amount > limit:
            raise field_error(
                "amount",
                _(
                    "党费金额超过了欠交和今后 %(months)s 个月应交的合计 %(limit)s 元；"
                    "多出的部分请填在“自愿多交”中。"
                )
                % {"months": MAX_PREPAY_MONTHS, "limit": limit},
                code=ErrorCode.AMOUNT_ABOVE_OWED,
            )
        parts = selectors.allocate(open_lines, amount)
    month = rules.month_of(paid_on)
    table = rules.table_for_month(month)
    payment = Payment(
        member=member,
        organization=organization,
        paid_on=paid_on,
        amount=amount,
        voluntary_amount=voluntary_amount,
        to_central=voluntary_amount >= table.central_threshold,
        method=method,
        receipt_number=receipt_number,
        note=note.strip(),
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    try:
        with transaction.atomic():
            payment.save()
    except IntegrityError as exc:  # a concurrent payment with the same receipt number
        raise field_error(
            "receipt_number", _("这个收据号已经登记过，请核对收据。"), code=ErrorCode.RECEIPT_TAKEN
        ) from exc
    PaymentMonth.objects.bulk_create(
        PaymentMonth(payment=payment, member=member, month=month, amount=part)
        for month, part in parts
    )
    paid_through = selectors.dues_paid_until(member)
    summary = _("交纳党费 %(amount)s 元") % {"amount": f"{amount:.2f}"}
    if parts:
        summary += _("（%(first)s 至 %(last)s）") % {
            "first": parts[0][0].strftime("%Y-%m"),
            "last": parts[-1][0].strftime("%Y-%m"),
        }
    if voluntary_amount:
        summary += _("，自愿多交 %(extra)s 元") % {"extra": f"{voluntary_amount:.2f}"}
    if paid_through:
        summary += _("，交至 %(month)s") % {"month": paid_through.strftime("%Y-%m")}
    _archive(
        member,
        actor,
        summary,
        {
            "dues_paid": _money(amount),
            "dues_voluntary": _money(voluntary_amount),
            "dues_paid_through": paid_through.strftime("%Y-%m") if paid_through else None,
            "dues_months": [
                {"month": month.strftime("%Y-%m"), "amount": _money(part)} for month, part in parts
            ],
        },
        paid_on,
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        target=payment,
        summary=f"dues payment {member.pk} {amount} + {voluntary_amount}",
    )
    return payment


# --- export ---------------------------------------------------------------------------------


def report_export(
    *, actor: User, organization: Organization, year: int, month: int | None
) -> bytes:
    """The report as .xlsx (summary, months, arrears by member); the export is audited."""
    if not scope_for(actor).can_read_path(organization.path):
        raise PermissionDenied
    from dangjian.core.workbooks import new_workbook

    report = selectors.organization_report(organization, year, month)
    buffer = io.BytesIO()
    workbook = new_workbook(buffer, in_memory=True)
    money = workbook.add_format({"num_format": "#,##0.00"})
    bold = workbook.add_format({"bold": True})
    period = f"{year}-{month:02d}" if month else str(year)
    summary = workbook.add_worksheet(_("汇总"))
    summary.write(0, 0, f"{organization.name} {period} " + _("党费收缴情况"), bold)
    rows = [
        (_("应交党费"), report.due),
        (_("实收党费"), report.collected),
        (_("自愿多交"), report.voluntary),
        (_("其中上缴中央（一次性1000元以上）"), report.to_central),
        (_("应上缴上级党组织"), report.remit_upward),
    ]
    for index, (label, value) in enumerate(rows, start=2):
        summary.write(index, 0, label)
        summary.write_number(index, 1, float(value), money)
    summary.set_column(0, 0, 36)
    summary.set_column(1, 1, 16)
    months = workbook.add_worksheet(_("分月"))
    for col, title in enumerate([_("月份"), _("应交"), _("实收")]):
        months.write(0, col, title, bold)
    for index, (month_start, due, collected) in enumerate(report.by_month, start=1):
        months.write(index, 0, month_start.strftime("%Y-%m"))
        months.write_number(index, 1, float(due), money)
        months.write_number(index, 2, float(collected), money)
    arrears = workbook.add_worksheet(_("欠交党员"))
    headers = [_("姓名"), _("党组织"), _("应交"), _("已交"), _("欠交"), _("交至"), _("欠交月数")]
    for col, title in enumerate(headers):
        arrears.write(0, col, title, bold)
    for index, row in enumerate(report.arrears, start=1):
        arrears.write(index, 0, row.name)
        arrears.write(index, 1, row.organization)
        arrears.write_number(index, 2, float(row.due), money)
        arrears.write_number(index, 3, float(row.paid), money)
        arrears.write_number(index, 4, float(row.outstanding), money)
        arrears.write(index, 5, row.paid_through.strftime("%Y-%m") if row.paid_through else "")
        arrears.write_number(index, 6, row.unpaid_months)
    arrears.set_column(0, 1, 18)
    workbook.close()
    audit_record(
        actor=actor,
        action=AuditAction.EXPORT,
        target=organization,
        summary=f"dues report {period}.xlsx ({len(report.arrears)} members in arrears)",
    )
    return buffer.getvalue()
