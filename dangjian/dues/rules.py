"""The dues rules as pure functions: which table is in force, and a month's amount.

RULES.md "Dues" is the specification: the rate applies to the **whole** base (not
progressive); amounts are rounded to the fen with the table's rounding (half-up by default);
decimal arithmetic only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from dangjian.core.error_codes import ErrorCode as CoreErrorCode
from dangjian.core.errors import field_error
from dangjian.dues.error_codes import ErrorCode

from .choices import BASE_SCHEDULE, FIXED_CATEGORIES, DuesCategory, Rule
from .models import RateTable, RateTier

FEN = Decimal("0.01")


# --- months -------------------------------------------------------------------


def month_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every month from `first` to `last`, both included (first days of months)."""
    months: list[dt.date] = []
    month = month_of(first)
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months


def month_end(month: dt.date) -> dt.date:
    return add_months(month, 1) - dt.timedelta(days=1)


def art9_months() -> int:
    """Months of dues unpaid after which 党章 art. 9 asks the branch to act (6; the alerts'
    `DANGJIAN_RULES["art9_months"]`, read here too so the report lists the same members)."""
    from django.conf import settings

    return int(getattr(settings, "DANGJIAN_RULES", {}).get("art9_months", 6))


# --- tables -------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """A rate table with its tiers, loaded once: (up_to or None, rate) sorted by up_to."""

    pk: int
    name: str
    source: str
    effective_from: dt.date
    fixed_amount: Decimal
    farmer_min: Decimal
    farmer_max: Decimal
    rounding: str
    central_threshold: Decimal
    tiers: dict[str, tuple[tuple[Decimal | None, Decimal], ...]]


def _load(table: RateTable, tiers: list[RateTier]) -> Table:
    by_schedule: dict[str, list[tuple[Decimal | None, Decimal]]] = {}
    for tier in tiers:
        by_schedule.setdefault(tier.schedule, []).append((tier.up_to, tier.rate))
    return Table(
        pk=table.pk,
        name=table.name,
        source=table.source,
        effective_from=table.effective_from,
        fixed_amount=table.fixed_amount,
        farmer_min=table.farmer_min,
        farmer_max=table.farmer_max,
        rounding=table.rounding,
        central_threshold=table.central_threshold,
        tiers={
            schedule: tuple(sorted(rows, key=lambda r: (r[0] is None, r[0] or 0)))
            for schedule, rows in by_schedule.items()
        },
    )


# The 2008 table (中组发〔2008〕3号), as migration 0002 seeds it. Used only when the database
# holds no table at all (for example after a test flushed it): the rules never go missing.
DEFAULT_2008 = Table(
    pk=0,
    name="2008年党费收缴标准",
    source="中组部《关于中国共产党党费收缴、使用和管理的规定》（中组发〔2008〕3号）",
    effective_from=dt.date(2008, 4, 1),
    fixed_amount=Decimal("0.20"),
    farmer_min=Decimal("0.20"),
    farmer_max=Decimal("1.00"),
    rounding=ROUND_HALF_UP,
    central_threshold=Decimal("1000.00"),
    tiers={
        "employed": (
            (Decimal("3000"), Decimal("0.005")),
            (Decimal("5000"), Decimal("0.01")),
            (Decimal("10000"), Decimal("0.015")),
            (None, Decimal("0.02")),
        ),
        "retired": ((Decimal("5000"), Decimal("0.005")), (None, Decimal("0.01"))),
    },
)


# The rate tables as loaded, kept for the life of the process: they change only when a new
# regulation arrives as a data migration (deployed with a restart), and every member page
# needs them. Saving or deleting a table or tier in this process forgets them (DuesConfig).
_LOADED: list[Table] | None = None


def _load_tables() -> list[Table]:
    global _LOADED
    if _LOADED is None:
        tables = list(RateTable.objects.order_by("effective_from"))
        tiers: dict[int, list[RateTier]] = {}
        for tier in RateTier.objects.all():
            tiers.setdefault(tier.table_id, []).append(tier)
        _LOADED = [_load(t, tiers.get(t.pk, [])) for t in tables] or [DEFAULT_2008]
    return _LOADED


def forget_tables(**_kwargs: object) -> None:
    """Read the rate tables again next time (a signal receiver; tests call it too)."""
    global _LOADED
    _LOADED = None


class Tables:
    """Every rate table (read once per process); `for_month` picks the one in force."""

    def __init__(self) -> None:
        self._tables = _load_tables()
        # Per use, not per process: a calculation's explanation is in the request's language.
        self.memo: dict[tuple[object, ...], Calculation] = {}

    def for_month(self, month: dt.date) -> Table:
        chosen = None
        for table in self._tables:
            if table.effective_from <= month:
                chosen = table
        if chosen is None:
            chosen = self._tables[0]  # months before the first table: use the oldest
        return chosen


def table_for_month(month: dt.date) -> Table:
    return Tables().for_month(month)


# --- the amount ---------------------------------------------------------------


@dataclass(frozen=True)
class Calculation:
    """A monthly amount with the rate and the rule that produced it."""

    amount: Decimal
    rule: str
    rate: Decimal | None
    base: Decimal | None
    explanation: str

    @property
    def rate_percent(self) -> str:
        return _percent(self.rate) if self.rate is not None else ""


def round_fen(amount: Decimal, rounding: str = ROUND_HALF_UP) -> Decimal:
    return amount.quantize(FEN, rounding=rounding)


def parse_money(value: object, field: str) -> Decimal:
    """A non-negative amount with at most two decimals, or a field error in Chinese."""
    try:
        amount = Decimal(str(value).strip().replace(",", "").replace("，", ""))
    except (InvalidOperation, ValueError) as exc:
        raise field_error(
            field, _("请填写数字金额，例如 3200 或 3200.50。"), code=ErrorCode.NOT_A_NUMBER
        ) from exc
    if not amount.is_finite() or amount < 0:
        raise field_error(field, _("金额不能为负数。"), code=CoreErrorCode.NEGATIVE)
    # Too large first: quantizing a number of more digits than the context holds raises.
    if amount >= Decimal("1e10"):
        raise field_error(field, _("金额过大，请核对。"), code=ErrorCode.TOO_LARGE)
    if amount != amount.quantize(FEN):
        raise field_error(field, _("金额最多精确到分（两位小数）。"), code=ErrorCode.TOO_PRECISE)
    return amount


def _percent(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f}%"


def tier_rate(table: Table, schedule: str, base: Decimal) -> Decimal:
    for up_to, rate in table.tiers.get(schedule, ()):
        if up_to is None or base <= up_to:
            return rate
    raise ValidationError(
        _("党费标准缺少适用于该基数的档次，请管理员补全。"), code=ErrorCode.NO_TIER
    )


def calculate(
    *,
    table: Table,
    category: str,
    base: Decimal | None = None,
    farmer_amount: Decimal | None = None,
) -> Calculation:
    """The monthly amount for a category (and base) under `table`.

    Raises a field error when the category needs a base and none is given.
    """
    if category not in DuesCategory.values:
        raise field_error(
            "category", _("党费类别不对，请从列表中选择。"), code=ErrorCode.BAD_CATEGORY
        )
    if category in BASE_SCHEDULE:
        if base is None:
            raise field_error(
                "base",
                _("该类别按月收入计算党费，请填写月基数（税后工资或退休费）。"),
                code=ErrorCode.BASE_REQUIRED,
            )
        schedule = BASE_SCHEDULE[category]
        rate = tier_rate(table, schedule, base)
        amount = round_fen(base * rate, table.rounding)
        explanation = _("月基数 %(base)s 元 × %(rate)s（按全额计算，非累进）= %(amount)s 元") % {
            "base": f"{base:,.2f}",
            "rate": _percent(rate),
            "amount": amount,
        }
        return Calculation(amount, Rule.TIER, rate, base, explanation)
    if category == DuesCategory.FARMER:
        amount = table.farmer_min if farmer_amount is None else farmer_amount
        explanation = _("农民党员每月 %(amount)s 元（支部在 %(low)s–%(high)s 元之间确定）") % {
            "amount": amount,
            "low": table.farmer_min,
            "high": table.farmer_max,
        }
        return Calculation(amount, Rule.FARMER, None, None, explanation)
    assert category in FIXED_CATEGORIES
    explanation = _("%(category)s党员每月固定交纳 %(amount)s 元") % {
        "category": DuesCategory(category).label,
        "amount": table.fixed_amount,
    }
    return Calculation(table.fixed_amount, Rule.FIXED, None, None, explanation)


def apply_reduction(calculation: Calculation, reduced_amount: Decimal | None) -> Calculation:
    """An approved reduction (少交) or exemption (免交) replaces the calculated amount."""
    if reduced_amount is None:
        return calculation
    if reduced_amount == 0:
        return Calculation(
            Decimal("0.00"),
            Rule.EXEMPT,
            calculation.rate,
            calculation.base,
            _("经支部决定、上级党组织批准免交"),
        )
    return Calculation(
        reduced_amount,
        Rule.REDUCED,
        calculation.rate,
        calculation.base,
        _("经支部决定、上级党组织批准每月交纳 %(amount)s 元（按标准应为 %(standard)s 元）")
        % {"amount": reduced_amount, "standard": calculation.amount},
    )
