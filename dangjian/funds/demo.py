"""The demo county's work funds for last year: most branches received their standard
from the township (some less), and spent part of it by category."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from dangjian.core.extensions import DemoContext

from . import selectors
from .choices import Category, DuesUse, EntryKind
from .models import FundEntry, RetainedDuesUse

SPENDING = [Category.ACTIVITIES, Category.EDUCATION, Category.MATERIALS, Category.CARE]


def build_demo_funds(context: DemoContext) -> None:
    rng = context.rng("funds")
    year = context.reference_day.year - 1  # last year's ledgers: a whole year
    per_member = selectors.per_member_standard()
    rows: list[FundEntry] = []
    for branch in context.branches:
        members = len(context.members_by_branch.get(branch.pk, []))
        if not members:
            continue
        share = Decimal(1) if rng.random() < 0.8 else Decimal(rng.choice([0, 50, 70])) / 100
        received = (members * per_member * share).quantize(Decimal("0.01"))
        if received:
            rows.append(
                FundEntry(
                    organization=branch,
                    kind=EntryKind.ALLOCATION,
                    category=Category.HIGHER_LEVEL,
                    on=dt.date(year, 3, 15),
                    amount=received,
                    description="乡镇党委下拨年度党建工作经费",
                    recorded_by=context.builder,
                )
            )
        left = received
        for month in (5, 7, 9):
            spend = (left * Decimal(rng.choice([10, 20, 30])) / 100).quantize(Decimal("0.01"))
            if spend <= 0:
                continue
            left -= spend
            rows.append(
                FundEntry(
                    organization=branch,
                    kind=EntryKind.SPENDING,
                    category=rng.choice(SPENDING),
                    on=dt.date(year, month, 10),
                    amount=spend,
                    description="主题党日活动及学习资料",
                    recorded_by=context.builder,
                )
            )
    # This year every branch has had at least its standard (one member's worth to spare, as
    # members join during the year): this year's alerts would depend on the build day.
    this_year = dt.date(context.reference_day.year, 1, 1)
    for branch in context.branches:
        members = len(context.members_by_branch.get(branch.pk, []))
        if members:
            rows.append(
                FundEntry(
                    organization=branch,
                    kind=EntryKind.ALLOCATION,
                    category=Category.HIGHER_LEVEL,
                    on=this_year,
                    amount=((members + 1) * per_member).quantize(Decimal("0.01")),
                    description="乡镇党委下拨年度党建工作经费",
                    recorded_by=context.builder,
                )
            )
    FundEntry.objects.bulk_create(rows, batch_size=2000)
    _retained_dues_uses(context)


# What branches spend retained dues on, and the meeting that decided it.
USES = [
    (DuesUse.TRAINING, "党员冬训培训教材及场地", "支部委员会"),
    (DuesUse.HARDSHIP, "走访慰问生活困难党员", "支部委员会"),
    (DuesUse.MATERIALS, "订阅党员教育报刊", "支部委员会"),
    (DuesUse.COMMENDATION, "表彰优秀共产党员", "党员大会"),
]


def _retained_dues_uses(context: DemoContext) -> None:
    """This year (the dues demo's payments are the twelve months up to the build day) each
    branch used part of the dues it kept, 30 and 10 days before the build day: three queries and
    one insert, whatever the county's size."""
    rng = context.rng("funds-retained")
    day = context.reference_day
    kept = selectors.retained_dues(context.branches, day.year, day)
    start = dt.date(day.year, 1, 1)
    now = timezone.now()
    rows: list[RetainedDuesUse] = []
    for branch in context.branches:
        left = kept[branch.pk].balance
        for days, (category, description, meeting) in zip(
            (30, 10), rng.sample(USES, 2), strict=True
        ):
            amount = (left * Decimal(rng.choice([20, 30, 40])) / 100).quantize(Decimal("0.01"))
            if amount <= 0:
                continue
            left -= amount
            on = max(day - dt.timedelta(days=days), start)
            rows.append(
                RetainedDuesUse(
                    organization=branch,
                    category=category,
                    on=on,
                    amount=amount,
                    description=description,
                    decided_by=f"{on:%Y-%m-%d} {meeting}",
                    recorded_by=context.builder,
                    recorded_at=now,
                )
            )
    RetainedDuesUse.objects.bulk_create(rows, batch_size=2000)
