"""The 党费 part of /api/v1/ (see dangjian.api.v1).

- GET  /calculate?category=&base=   the calculator; public (no sign-in)
- GET  /members/{public_id}         a member's 交至, monthly amount, arrears and payments
- POST /payments                    record a payment (honours Idempotency-Key)
- GET  /organizations/{code}/report due vs collected, arrears, amounts to remit
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from dangjian.accounts.http import AuthenticatedHttpRequest
from dangjian.accounts.scope import scope_for
from dangjian.core.api import ErrorOut, In
from dangjian.core.dates import today
from dangjian.core.error_codes import ErrorCode as CoreErrorCode
from dangjian.core.errors import field_error
from dangjian.dues.error_codes import ErrorCode
from dangjian.members.models import Member
from dangjian.members.refs import member_pk, member_pk_from_path
from dangjian.organizations.refs import organization_pk_from_text

from . import rules, selectors, services
from .choices import DuesCategory, PaymentMethod, Rule

router = Router(tags=["党费"])


class CalculationOut(Schema):
    category: str
    category_label: str
    base: Decimal | None
    amount: Decimal
    rate: Decimal | None
    rate_percent: str
    rule: str
    rule_label: str
    explanation: str
    table: str


@router.get(
    "/calculate",
    auth=None,
    response={200: CalculationOut, 400: ErrorOut},
    url_name="dues_calculate",
)
def calculate(request: HttpRequest, category: str, base: str | None = None) -> CalculationOut:
    """The monthly dues for a category (employed, annual_salary, self_employed, retired,
    farmer, student, unemployed, pension_relief, subsistence, other) and a monthly base, with
    the rate and the rule applied. Open to everyone."""
    amount = rules.parse_money(base, "base") if base not in (None, "") else None
    table = rules.table_for_month(rules.month_of(today()))
    result = rules.calculate(table=table, category=category, base=amount)
    return CalculationOut(
        category=category,
        category_label=str(DuesCategory(category).label),
        base=result.base,
        amount=result.amount,
        rate=result.rate.normalize() if result.rate is not None else None,
        rate_percent=result.rate_percent,
        rule=result.rule,
        rule_label=str(Rule(result.rule).label),
        explanation=result.explanation,
        table=table.name,
    )


class PaymentOut(Schema):
    id: int
    member_public_id: uuid.UUID
    member_id: int
    paid_on: dt.date
    amount: Decimal
    voluntary_amount: Decimal
    to_central: bool
    method: str
    receipt_number: str
    first_month: dt.date | None = None
    last_month: dt.date | None = None
    paid_through: dt.date | None = None


class MemberDuesOut(Schema):
    member_public_id: uuid.UUID
    member_id: int
    name: str
    category: str | None
    category_overridden: bool | None = Field(
        None, description="true: the secretary chose the category; it does not follow occupation"
    )
    category_from_occupation: str = Field(description="the category the occupation gives")
    base: Decimal | None
    monthly_amount: Decimal | None
    rule: str | None
    paid_through: dt.date | None
    outstanding: Decimal
    unpaid_months: int
    payments: list[PaymentOut]


@router.get("/members/{member}", response={200: MemberDuesOut, 404: ErrorOut})
def member_dues(request: HttpRequest, member: str) -> MemberDuesOut:
    """A member's dues (`member`: the public_id): 交至 (first day of the last month fully
    paid), this month's amount, arrears and payments with the months each covered."""
    person = selectors.member_get(user=request.user, pk=member_pk_from_path(member))
    dues = selectors.member_dues(person)
    return MemberDuesOut(
        member_public_id=person.public_id,
        member_id=person.pk,
        name=person.name,
        category=dues.profile.category if dues.profile else None,
        category_overridden=dues.profile.category_overridden if dues.profile else None,
        category_from_occupation=dues.basis.derived.value,
        base=dues.profile.base if dues.profile else None,
        monthly_amount=dues.calculation.amount if dues.calculation else None,
        rule=dues.calculation.rule if dues.calculation else None,
        paid_through=dues.paid_through,
        outstanding=dues.outstanding,
        unpaid_months=dues.unpaid_months,
        payments=[
            PaymentOut(
                id=p.pk,
                member_public_id=person.public_id,
                member_id=person.pk,
                paid_on=p.paid_on,
                amount=p.amount,
                voluntary_amount=p.voluntary_amount,
                to_central=p.to_central,
                method=p.method,
                receipt_number=p.receipt_number,
                first_month=first,
                last_month=last,
            )
            for p, first, last in dues.payments
        ],
    )


class PaymentIn(In):
    member_public_id: uuid.UUID | None = Field(None, description="党员的 public_id（推荐）")
    member_id: int | None = Field(None, description="旧的整数编号，仍可用")
    paid_on: dt.date
    method: PaymentMethod
    amount: Decimal | None = None
    months: int | None = None
    voluntary_amount: Decimal = Decimal("0")
    receipt_number: str = ""
    note: str = ""


@router.post("/payments", response={201: PaymentOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut})
def payment_create(request: AuthenticatedHttpRequest, payload: PaymentIn) -> Status[PaymentOut]:
    """Record a payment: `amount` of dues, or `months` to pay (the amount is then the next
    unpaid months' dues, arrears first); `voluntary_amount` beyond the dues. Send an
    `Idempotency-Key` header so a retry does not record the payment twice."""
    member = selectors.member_get(
        user=request.user, pk=member_pk(payload.member_public_id, payload.member_id)
    )
    organization = selectors.member_organization(member)
    if organization is None or not scope_for(request.user).can_manage_path(organization.path):
        raise PermissionDenied
    amount = payload.amount
    if amount is None:
        if not payload.months or payload.months < 1:
            raise field_error(
                "amount",
                _("请填写党费金额 amount，或交几个月 months。"),
                code=CoreErrorCode.REQUIRED,
            )
        amount = selectors.amount_for_months(member, payload.months)
    for name, value in (("amount", amount), ("voluntary_amount", payload.voluntary_amount)):
        if value != value.quantize(rules.FEN):
            raise field_error(name, _("金额最多精确到分（两位小数）。"), code=ErrorCode.TOO_PRECISE)
    payment = services.payment_record(
        actor=request.user,
        member=member,
        amount=amount,
        voluntary_amount=payload.voluntary_amount,
        paid_on=payload.paid_on,
        method=payload.method,
        receipt_number=payload.receipt_number,
        note=payload.note,
    )
    dues = selectors.member_dues(member)
    first, last = next(((f, la) for p, f, la in dues.payments if p.pk == payment.pk), (None, None))
    return Status(
        201,
        PaymentOut(
            id=payment.pk,
            member_public_id=member.public_id,
            member_id=member.pk,
            paid_on=payment.paid_on,
            amount=payment.amount,
            voluntary_amount=payment.voluntary_amount,
            to_central=payment.to_central,
            method=payment.method,
            receipt_number=payment.receipt_number,
            first_month=first,
            last_month=last,
            paid_through=dues.paid_through,
        ),
    )


class ArrearsOut(Schema):
    member_public_id: uuid.UUID | None
    member_id: int
    name: str
    organization: str
    outstanding: Decimal
    unpaid_months: int
    paid_through: dt.date | None


class ReportOut(Schema):
    organization_code: str
    organization_id: int
    first_month: dt.date
    last_month: dt.date
    due: Decimal
    collected: Decimal
    voluntary: Decimal
    to_central: Decimal
    remit_upward: Decimal
    arrears: list[ArrearsOut]


@router.get("/organizations/{organization}/report", response={200: ReportOut, 404: ErrorOut})
def report(
    request: HttpRequest, organization: str, year: int, month: int | None = None
) -> ReportOut:
    """Due vs collected for a month or a year in the organization's subtree (`organization`:
    the code), arrears by member at the end of the period, and the amounts remitted upward
    (and to the central level)."""
    unit = selectors.organization_get(user=request.user, pk=organization_pk_from_text(organization))
    if month is not None and not 1 <= month <= 12:
        raise field_error("month", _("月份应为 1 到 12。"), code=ErrorCode.BAD_MONTH)
    data = selectors.organization_report(unit, year, month)
    public_ids = dict(
        Member.objects.filter(pk__in=[r.member_id for r in data.arrears]).values_list(
            "pk", "public_id"
        )
    )
    return ReportOut(
        organization_code=unit.code,
        organization_id=unit.pk,
        first_month=data.first_month,
        last_month=data.last_month,
        due=data.due,
        collected=data.collected,
        voluntary=data.voluntary,
        to_central=data.to_central,
        remit_upward=data.remit_upward,
        arrears=[
            ArrearsOut(
                member_public_id=public_ids.get(r.member_id),
                member_id=r.member_id,
                name=r.name,
                organization=r.organization,
                outstanding=r.outstanding,
                unpaid_months=r.unpaid_months,
                paid_through=r.paid_through,
            )
            for r in data.arrears
        ],
    )
