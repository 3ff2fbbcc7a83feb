"""The demo county's dues: a profile for every member and a year of ledger and payments.

Twelve months up to the reference day's month (the day the demo is built), so this month's
ledger exists. Most members pay each quarter and are paid through last month or this one; some
are one to five months behind, a few (about 0.8%, and everyone out of contact) six months or
more: the 党章 art. 9 alerts the county deliberately contains (docs/demo.md). A few prepaid into
next year, and a handful made voluntary payments (one at 1000 yuan or more, for the central
level). Everything is bulk-inserted:
one amount per member (the profile does not change within the year), computed by the same
rules as the services. The rows go in with COPY (PostgreSQL) or executemany (SQLite) and one
INSERT … SELECT (the ledger is
the profiles joined with the twelve months): Django's bulk_create spends most of its time
preparing each of the 340,000 objects (decisions/0070).
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.utils import timezone

from dangjian.members.choices import MemberStatus, Occupation

from . import rules
from .choices import DuesCategory, PaymentMethod, category_for_occupation
from .models import OrganizationDuesSetting

if TYPE_CHECKING:
    from dangjian.core.extensions import DemoContext
    from dangjian.members.models import Member

MONTHS = 12
ZERO = Decimal("0")
# member, organization, paid on, dues, voluntary, to the central level, method, note
PaymentRow = tuple[int, int, dt.date, Decimal, Decimal, bool, str, str]
BATCH = 5000


def _category(member: Member, rng: random.Random) -> tuple[str, Decimal | None]:
    occupation = member.occupation
    if member.is_retired or occupation == Occupation.RETIRED:
        return DuesCategory.RETIRED, Decimal(rng.randrange(1800, 7200, 10))
    if occupation == Occupation.FARMER:
        return DuesCategory.FARMER, None
    if occupation == Occupation.STUDENT:
        return DuesCategory.STUDENT, None
    roll = rng.random()
    if roll < 0.03:
        return DuesCategory.UNEMPLOYED, None
    if roll < 0.05:
        return DuesCategory.SELF_EMPLOYED, Decimal(rng.randrange(2000, 9000, 10))
    if occupation == Occupation.MANAGER and roll < 0.2:
        return DuesCategory.ANNUAL_SALARY, Decimal(rng.randrange(8000, 20000, 100))
    return DuesCategory.EMPLOYED, Decimal(rng.randrange(2400, 12500, 10))


@transaction.atomic
def build(context: DemoContext) -> None:
    rng = context.rng("dues")
    reference = context.reference_day
    last = rules.month_of(reference)
    first = rules.add_months(last, -(MONTHS - 1))
    months = rules.months_between(first, last)
    table = rules.table_for_month(last)
    builder_id = context.builder.pk
    ops = connection.ops
    now = ops.adapt_datetimefield_value(timezone.now())

    # Village branches set the farmers' amount; half choose 0.5 yuan.
    settings = [
        OrganizationDuesSetting(
            organization=branch, farmer_amount=Decimal("0.50") if i % 2 else Decimal("0.20")
        )
        for i, branch in enumerate(context.branches)
    ]
    OrganizationDuesSetting.objects.bulk_create(settings, batch_size=BATCH)
    farmer = {s.organization_id: s.farmer_amount for s in settings}

    profiles: list[tuple[Any, ...]] = []
    plan: list[tuple[int, int, Decimal | None, Decimal, str]] = []
    payments: list[PaymentRow] = []
    allocations: list[tuple[int, dt.date, Decimal, dt.date, Decimal]] = []
    calculations: dict[tuple[str, Decimal | None, Decimal | None], rules.Calculation] = {}
    month_keys = [ops.adapt_datefield_value(m) for m in months]
    methods = [str(m) for m in PaymentMethod]
    for branch_id, members in context.members_by_branch.items():
        for member in members:
            start = max(first, rules.month_of(member.joined_on))
            if start > last:
                continue
            category, base = _category(member, rng)
            key = (category, base, farmer.get(branch_id))
            calculation = calculations.get(key)
            if calculation is None:
                calculation = rules.calculate(
                    table=table, category=category, base=base, farmer_amount=key[2]
                )
                calculations[key] = calculation
            exempt = member.in_hardship and rng.random() < 0.5
            if exempt:
                calculation = rules.apply_reduction(calculation, Decimal("0"))
            profiles.append(
                (
                    member.pk,
                    str(category),
                    base,
                    ops.adapt_datefield_value(start),
                    Decimal("0") if exempt else None,
                    "支部委员会决定（生活困难）" if exempt else "",
                    "上级党委批准" if exempt else "",
                    start.year,
                    builder_id,
                    now,
                    # A category other than the occupation's is the secretary's choice.
                    category != category_for_occupation(member.occupation, member.is_retired),
                )
            )
            plan.append(
                (member.pk, branch_id, calculation.rate, calculation.amount, str(calculation.rule))
            )
            owed = len(months) - months.index(start)
            if calculation.amount and member.status != MemberStatus.LOST_CONTACT:
                mine = _payments(
                    rng, member.pk, branch_id, start, owed, calculation.amount, reference
                )
                payments.extend(mine)
                month = start
                for _m, _o, paid_on, paid, _v, _c, _method, _note in mine:
                    for _step in range(int(paid / calculation.amount)):
                        allocations.append((member.pk, paid_on, paid, month, calculation.amount))
                        month = rules.add_months(month, 1)
    for member_id, branch_id, _rate, amount, _rule in plan:
        if amount and rng.random() < 0.004:
            extra = Decimal("1000.00") if rng.random() < 0.1 else Decimal(rng.randrange(50, 500))
            payments.append(
                (
                    member_id,
                    branch_id,
                    rules.add_months(last, -1).replace(day=20),
                    Decimal("0"),
                    extra,
                    extra >= table.central_threshold,
                    str(PaymentMethod.TRANSFER),
                    "自愿多交",
                )
            )
    with connection.cursor() as cursor:
        _insert(
            cursor,
            "dues_duesprofile",
            "member_id, category, base, effective_from, reduced_amount, reduction_decision,"
            " reduction_approved_by, confirmed_year, recorded_by_id, recorded_at,"
            " category_overridden",
            profiles,
        )
        context.progress(f"党费档案 {len(profiles)}…")
        # The ledger: one row per member and month from the profile's start, joined in SQL.
        cursor.execute(
            "CREATE TEMPORARY TABLE demo_dues_plan (member_id integer PRIMARY KEY,"
            " organization_id integer, rate numeric, amount_due numeric, rule varchar(20))"
        )
        cursor.execute("CREATE TEMPORARY TABLE demo_dues_month (month date)")
        _insert(
            cursor, "demo_dues_plan", "member_id, organization_id, rate, amount_due, rule", plan
        )
        _insert(cursor, "demo_dues_month", "month", [(m,) for m in month_keys])
        cursor.execute(
            "INSERT INTO dues_ledgerentry (member_id, organization_id, month, category, base,"
            " rate, amount_due, rule, profile_id)"
            " SELECT p.member_id, t.organization_id, m.month, p.category, p.base, t.rate,"
            " t.amount_due, t.rule, p.id"
            " FROM dues_duesprofile p JOIN demo_dues_plan t ON t.member_id = p.member_id"
            " JOIN demo_dues_month m ON m.month >= p.effective_from"
        )
        ledger_rows = cursor.rowcount
        cursor.execute("DROP TABLE demo_dues_plan")
        cursor.execute("DROP TABLE demo_dues_month")
        _insert(
            cursor,
            "dues_payment",
            "member_id, organization_id, paid_on, amount, voluntary_amount, to_central, method,"
            " note, receipt_number, recorded_by_id, recorded_at",
            [
                (
                    m,
                    o,
                    ops.adapt_datefield_value(min(paid_on, reference - dt.timedelta(days=1))),
                    amount,
                    extra,
                    central,
                    method or methods[m % 3],
                    note,
                    "",
                    builder_id,
                    now,
                )
                for m, o, paid_on, amount, extra, central, method, note in payments
            ],
        )
        # The months each payment paid (decision 0071): a quarter's payment pays its three
        # months, oldest first; joined to the payments by member, day and amount (unique per
        # member in the plan: two quarters never share both).
        cursor.execute(
            "CREATE TEMPORARY TABLE demo_dues_paid (member_id integer, paid_on date,"
            " amount numeric, month date, part numeric)"
        )
        _insert(
            cursor,
            "demo_dues_paid",
            "member_id, paid_on, amount, month, part",
            [
                (
                    m,
                    ops.adapt_datefield_value(min(paid_on, reference - dt.timedelta(days=1))),
                    amount,
                    ops.adapt_datefield_value(month),
                    part,
                )
                for m, paid_on, amount, month, part in allocations
            ],
        )
        cursor.execute(
            "INSERT INTO dues_paymentmonth (payment_id, member_id, month, amount)"
            " SELECT p.id, d.member_id, d.month, d.part FROM demo_dues_paid d"
            " JOIN dues_payment p ON p.member_id = d.member_id AND p.paid_on = d.paid_on"
            " AND p.amount = d.amount"
        )
        cursor.execute("DROP TABLE demo_dues_paid")
    context.progress(f"党费台账 {ledger_rows} 条，交纳 {len(payments)} 笔")


def _insert(cursor: Any, table: str, columns: str, rows: list[tuple[Any, ...]]) -> None:
    """COPY on PostgreSQL (executemany there sends one statement per row: 10 s for the
    county's 470,000 rows), executemany on SQLite. The rows hold the database's values."""
    if connection.vendor == "postgresql":
        with (
            connection.connection.cursor() as raw,
            raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join(["%s"] * len(columns.split(",")))
    cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)  # noqa: S608


def _payments(
    rng: random.Random,
    member_id: int,
    branch_id: int,
    start: dt.date,
    owed: int,
    amount: Decimal,
    reference: dt.date,
) -> list[PaymentRow]:
    """Most pay by the quarter and are up to date (this month's dues paid or not yet); some
    are behind; a few paid ahead. `owed` counts this month."""
    roll = rng.random()
    if roll < 0.45:
        paid_months = owed  # this month paid too
    elif roll < 0.80:
        paid_months = owed - 1  # paid through last month
    elif roll < 0.962:
        paid_months = owed - rng.randint(2, 5)  # a few months behind
    elif roll < 0.97:
        paid_months = owed - rng.randint(6, 10)  # 6+ months: the art. 9 alert
    else:
        paid_months = owed + rng.randint(1, 3)  # prepaid into the coming months
    rows: list[PaymentRow] = []
    index = 0
    while index < paid_months:
        count = min(3, paid_months - index)
        covered = rules.add_months(start, index + count - 1)
        # Paid on the 10th of the last month of each quarter paid for, and never on or after
        # the reference day: what would fall later is one payment the day before it (the
        # months of a payment are found by member, day and amount, so no two may share both).
        paid_on = min(covered.replace(day=10), reference - dt.timedelta(days=1))
        if rows and rows[-1][2] == paid_on:
            count += int(rows.pop()[3] / amount)
        rows.append((member_id, branch_id, paid_on, amount * count, ZERO, False, "", ""))
        index += min(3, paid_months - index)
    return rows
