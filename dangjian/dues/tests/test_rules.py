"""The dues rules of RULES.md: every worked example, the boundaries and the fixed amounts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from dangjian.dues import rules
from dangjian.dues.choices import DuesCategory, Rule

pytestmark = pytest.mark.django_db


@pytest.fixture
def table() -> rules.Table:
    return rules.table_for_month(dt.date(2026, 1, 1))


@pytest.mark.parametrize(
    ("base", "expected", "rate"),
    [
        ("3200", "32.00", "0.01"),
        ("5400", "81.00", "0.015"),
        ("11500", "230.00", "0.02"),
        ("3000", "15.00", "0.005"),
        ("3000.01", "30.00", "0.01"),
        ("5000", "50.00", "0.01"),
        ("5000.01", "75.00", "0.015"),
        ("10000", "150.00", "0.015"),
        ("10000.01", "200.00", "0.02"),
    ],
)
def test_employed_worked_examples(table, base, expected, rate):
    """The rate applies to the whole base (not progressive), rounded half-up to the fen."""
    result = rules.calculate(table=table, category=DuesCategory.EMPLOYED, base=Decimal(base))
    assert result.amount == Decimal(expected)
    assert result.rate == Decimal(rate)
    assert result.rule == Rule.TIER
    assert str(result.amount) == expected  # two decimals, never a float


@pytest.mark.parametrize(
    ("base", "expected"), [("5000", "25.00"), ("5000.01", "50.00"), ("1800", "9.00")]
)
def test_retired_worked_examples(table, base, expected):
    """Retired members: up to 5000 → 0.5 %; above → 1 % (1 % of 5000.01 is 50.0001 → 50.00)."""
    result = rules.calculate(table=table, category=DuesCategory.RETIRED, base=Decimal(base))
    assert result.amount == Decimal(expected)


@pytest.mark.parametrize(
    "category",
    [
        DuesCategory.STUDENT,
        DuesCategory.UNEMPLOYED,
        DuesCategory.PENSION_RELIEF,
        DuesCategory.SUBSISTENCE,
    ],
)
def test_fixed_amount_categories_pay_twenty_fen(table, category):
    result = rules.calculate(table=table, category=category)
    assert result.amount == Decimal("0.20")
    assert result.rule == Rule.FIXED
    assert result.rate is None


def test_farmers_pay_the_branch_setting_or_the_minimum(table):
    assert rules.calculate(
        table=table, category=DuesCategory.FARMER, farmer_amount=Decimal("0.50")
    ).amount == Decimal("0.50")
    unset = rules.calculate(table=table, category=DuesCategory.FARMER)
    assert unset.amount == Decimal("0.20")
    assert unset.rule == Rule.FARMER


@pytest.mark.parametrize(
    "category", [DuesCategory.ANNUAL_SALARY, DuesCategory.SELF_EMPLOYED, DuesCategory.OTHER]
)
def test_income_categories_use_the_employed_table(table, category):
    assert rules.calculate(table=table, category=category, base=Decimal("5400")).amount == Decimal(
        "81.00"
    )


def test_a_base_is_required_where_the_category_has_one(table):
    with pytest.raises(ValidationError) as error:
        rules.calculate(table=table, category=DuesCategory.EMPLOYED)
    assert "base" in error.value.message_dict


def test_rounding_is_configurable():
    """Half-up by default; a table may say otherwise (2101 × 0.5 % = 10.505 is a half fen)."""
    assert rules.round_fen(Decimal("10.505")) == Decimal("10.51")
    assert rules.round_fen(Decimal("10.505"), "ROUND_HALF_EVEN") == Decimal("10.50")
    assert rules.round_fen(Decimal("10.505"), "ROUND_DOWN") == Decimal("10.50")


def test_reduction_and_exemption_replace_the_amount(table):
    standard = rules.calculate(table=table, category=DuesCategory.EMPLOYED, base=Decimal("3200"))
    assert rules.apply_reduction(standard, Decimal("0")).rule == Rule.EXEMPT
    reduced = rules.apply_reduction(standard, Decimal("5.00"))
    assert (reduced.amount, reduced.rule) == (Decimal("5.00"), Rule.REDUCED)


@pytest.mark.parametrize("bad", ["abc", "-1", "12.345", "1e30", "9" * 40, "1E+100000"])
def test_parse_money_refuses_bad_input_with_a_chinese_message(bad):
    with pytest.raises(ValidationError) as error:
        rules.parse_money(bad, "base")
    assert "base" in error.value.message_dict


def test_months_arithmetic_crosses_year_boundaries():
    assert rules.add_months(dt.date(2026, 11, 1), 3) == dt.date(2027, 2, 1)
    assert rules.add_months(dt.date(2026, 1, 1), -1) == dt.date(2025, 12, 1)
    assert len(rules.months_between(dt.date(2026, 11, 1), dt.date(2027, 2, 1))) == 4


@given(cents=st.integers(min_value=0, max_value=10_000_000))
def test_amount_is_rate_times_whole_base_and_never_falls_when_the_base_rises(cents):
    """For every base: the amount is the tier rate on the whole base, rounded half-up, and
    within a tier a higher base never pays less."""
    table = rules.table_for_month(dt.date(2026, 1, 1))
    base = Decimal(cents) / 100
    result = rules.calculate(table=table, category=DuesCategory.EMPLOYED, base=base)
    assert result.rate is not None
    assert result.amount == (base * result.rate).quantize(Decimal("0.01"), "ROUND_HALF_UP")
    higher = rules.calculate(
        table=table, category=DuesCategory.EMPLOYED, base=base + Decimal("0.01")
    )
    assert higher.amount >= result.amount


def test_the_seeded_table_matches_the_built_in_default():
    """Migration 0002 seeds the same 2008 table the code falls back on."""
    seeded = rules.Tables().for_month(dt.date(2026, 1, 1))
    default = rules.DEFAULT_2008
    assert seeded.pk != 0
    assert (seeded.tiers, seeded.fixed_amount, seeded.farmer_min, seeded.farmer_max) == (
        default.tiers,
        default.fixed_amount,
        default.farmer_min,
        default.farmer_max,
    )
    assert (seeded.effective_from, seeded.rounding, seeded.central_threshold) == (
        default.effective_from,
        default.rounding,
        default.central_threshold,
    )


def test_a_later_table_applies_from_its_month(db):
    """Rates are data with effective dates: a new table changes months from its start only."""
    from dangjian.dues.models import RateTable, RateTier

    table = RateTable.objects.create(
        name="试行标准",
        effective_from=dt.date(2027, 1, 1),
        fixed_amount=Decimal("0.50"),
        farmer_min=Decimal("0.20"),
        farmer_max=Decimal("1.00"),
        central_threshold=Decimal("1000"),
    )
    RateTier.objects.create(table=table, schedule="employed", up_to=None, rate=Decimal("0.01"))
    tables = rules.Tables()
    assert tables.for_month(dt.date(2026, 12, 1)).name == "2008年党费收缴标准"
    later = rules.calculate(
        table=tables.for_month(dt.date(2027, 1, 1)),
        category=DuesCategory.EMPLOYED,
        base=Decimal("11500"),
    )
    assert later.amount == Decimal("115.00")
