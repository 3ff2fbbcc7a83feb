"""The demo county's dues: a profile for every member and a year of ledger and payments.

Twelve months before the reference day. Most members pay each quarter and are paid through
the last month; some are one to five months behind, a few six months or more (the 党章 art. 9
alert has something to show), a few prepaid into next year, and a handful made voluntary
payments (one at 1000 yuan or more, for the central level). Everything is bulk-inserted:
one amount per member (the profile does not change within the year), computed by the same
rules as the services.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import TYPE_CHECKING

from dangjian.members.choices import MemberCategory, Occupation

from . import rules
from .choices import DuesCategory, PaymentMethod
from .models import DuesProfile, LedgerEntry, OrganizationDuesSetting, Payment

if TYPE_CHECKING:
    from dangjian.core.extensions import DemoContext
    from dangjian.members.models import Member

MONTHS = 12
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


def build(context: DemoContext) -> None:
    rng = context.rng("dues")
    last = rules.add_months(rules.month_of(context.reference_day), -1)
    first = rules.add_months(last, -(MONTHS - 1))
    months = rules.months_between(first, last)
    table = rules.table_for_month(last)
    builder = context.builder

    # Village branches set the farmers' amount; half choose 0.5 yuan.
    settings = [
        OrganizationDuesSetting(
            organization=branch, farmer_amount=Decimal("0.50") if i % 2 else Decimal("0.20")
        )
        for i, branch in enumerate(context.branches)
    ]
    OrganizationDuesSetting.objects.bulk_create(settings, batch_size=BATCH)
    farmer = {s.organization_id: s.farmer_amount for s in settings}

    profiles: list[DuesProfile] = []
    plan: list[tuple[int, int, dt.date, Decimal, DuesProfile]] = []
    for branch_id, members in context.members_by_branch.items():
        for member in members:
            category, base = _category(member, rng)
            start = max(first, rules.month_of(member.joined_on))
            if member.category == MemberCategory.PROBATIONARY and start > last:
                continue
            reduced = None
            if member.in_hardship and rng.random() < 0.5:
                reduced = Decimal("0")
            profile = DuesProfile(
                member_id=member.pk,
                category=category,
                base=base,
                effective_from=start,
                reduced_amount=reduced,
                reduction_decision="支部委员会决定（生活困难）" if reduced is not None else "",
                reduction_approved_by="上级党委批准" if reduced is not None else "",
                confirmed_year=start.year,
                recorded_by=builder,
            )
            calculation = rules.apply_reduction(
                rules.calculate(
                    table=table, category=category, base=base, farmer_amount=farmer.get(branch_id)
                ),
                reduced,
            )
            profiles.append(profile)
            plan.append((member.pk, branch_id, start, calculation.amount, profile))
    DuesProfile.objects.bulk_create(profiles, batch_size=BATCH)
    context.progress(f"党费档案 {len(profiles)}…")

    entries: list[LedgerEntry] = []
    payments: list[Payment] = []
    methods = [PaymentMethod.CASH, PaymentMethod.TRANSFER, PaymentMethod.ONLINE]
    for member_id, branch_id, start, amount, profile in plan:
        calc_rule = (
            "exempt"
            if profile.reduced_amount == 0
            else ("tier" if profile.base is not None else "fixed")
        )
        if profile.category == DuesCategory.FARMER and profile.reduced_amount is None:
            calc_rule = "farmer"
        rate = (
            rules.tier_rate(
                table, "retired" if profile.category == "retired" else "employed", profile.base
            )
            if profile.base is not None
            else None
        )
        owed = [m for m in months if m >= start]
        entries.extend(
            LedgerEntry(
                member_id=member_id,
                organization_id=branch_id,
                month=month,
                category=profile.category,
                base=profile.base,
                rate=rate,
                amount_due=amount,
                rule=calc_rule,
                profile=profile,
            )
            for month in owed
        )
        if amount == 0:
            continue
        roll = rng.random()
        if roll < 0.76:
            paid_months = len(owed)  # up to date
        elif roll < 0.91:
            paid_months = len(owed) - rng.randint(1, 5)  # a few months behind
        elif roll < 0.97:
            paid_months = len(owed) - rng.randint(6, 12)  # 6+ months: the art. 9 alert
        else:
            paid_months = len(owed) + rng.randint(1, 3)  # prepaid into the coming months
        paid_months = max(paid_months, 0)
        method = methods[member_id % 3]
        # Paid by the quarter, on the 10th of the last month of each quarter paid for.
        month_index = 0
        while month_index < paid_months:
            count = min(3, paid_months - month_index)
            covered = rules.add_months(start, month_index + count - 1)
            paid_on = min(covered.replace(day=10), context.reference_day - dt.timedelta(days=1))
            payments.append(
                Payment(
                    member_id=member_id,
                    organization_id=branch_id,
                    paid_on=paid_on,
                    amount=amount * count,
                    method=method,
                    recorded_by=builder,
                )
            )
            month_index += count
        if rng.random() < 0.004:
            extra = Decimal("1000.00") if rng.random() < 0.1 else Decimal(rng.randrange(50, 500))
            payments.append(
                Payment(
                    member_id=member_id,
                    organization_id=branch_id,
                    paid_on=last.replace(day=20),
                    amount=Decimal("0"),
                    voluntary_amount=extra,
                    to_central=extra >= table.central_threshold,
                    method=PaymentMethod.TRANSFER,
                    note="自愿多交",
                    recorded_by=builder,
                )
            )
    LedgerEntry.objects.bulk_create(entries, batch_size=BATCH)
    Payment.objects.bulk_create(payments, batch_size=BATCH)
    context.progress(f"党费台账 {len(entries)} 条，交纳 {len(payments)} 笔")
