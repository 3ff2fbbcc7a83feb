"""The annual report's fund sums counted in the database (`subtree_totals`, `retained_totals`,
decision 0278) equal the sums of the page's per-organization summaries (`subtree_summary`,
`retained_summary`) over varied ledgers: several organizations (one dissolved), members who
moved during the year, lines before, in and after the year, standards and shares whose
rounding to the cent matters, and no lines at all."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

import pytest
from django.test import override_settings

from dangjian.core.dates import today
from dangjian.dues.models import Payment
from dangjian.funds import selectors
from dangjian.funds.choices import (
    ALLOCATION_CATEGORIES,
    SPENDING_CATEGORIES,
    DuesUse,
    EntryKind,
)
from dangjian.funds.models import FundEntry, RetainedDuesUse
from dangjian.members.choices import HowAdded, HowRemoved
from dangjian.members.models import Membership
from dangjian.organizations.models import Organization
from dangjian.site.testing import build_member, build_org

YEAR = today().year
START = dt.date(YEAR, 1, 1)
# Days the report may be dated: the first of the year, one inside it, the last.
DAYS = [START, dt.date(YEAR, 6, 30), dt.date(YEAR, 12, 31)]
STANDARDS = ["30", "30.01", "0.125", "0.135", "7.5"]
SHARES = ["0.5", "0.4", "0.333", "1"]


def some_day(rng: random.Random) -> dt.date:
    """Before the year, on its first day, inside it, on its last day or after it."""
    return rng.choice(
        [
            dt.date(YEAR - 2, 5, 4),
            dt.date(YEAR - 1, 12, 31),
            START,
            START + dt.timedelta(days=rng.randrange(365)),
            dt.date(YEAR, 6, 30),
            dt.date(YEAR, 7, 1),
            dt.date(YEAR, 12, 31),
            dt.date(YEAR + 1, 1, 1),
        ]
    )


def cents(rng: random.Random, high: int = 20_000) -> Decimal:
    return Decimal(rng.randint(1, high)) / 100


def move(member: Any, to: Organization, on: dt.date) -> None:
    """The member leaves their organization on `on` (or the day after they joined it, if
    later) for `to` (a move within the system)."""
    current = Membership.objects.get(member=member, ended_on__isnull=True)
    on = max(on, current.started_on + dt.timedelta(days=1))
    Membership.objects.filter(pk=current.pk).update(
        ended_on=on, how_removed=HowRemoved.TRANSFERRED_OUT, is_latest=False
    )
    Membership.objects.create(
        member=member,
        organization=to,
        started_on=on,
        how_added=HowAdded.TRANSFERRED_IN,
        is_latest=True,
    )


def varied_county(county: Any, seed: int) -> list[Organization]:
    """The county with a dissolved branch, members moved between branches during the year and
    `seed`'s random ledger lines, dues and uses (seed 0: none at all). Returns the
    organizations the ledger lines were written for."""
    rng = random.Random(seed)
    dissolved = build_org(name="撤销党支部", parent=county.east, code=f"D{seed:04d}")
    Organization.objects.filter(pk=dissolved.pk).update(dissolved_on=dt.date(YEAR, 5, 1))
    organizations = [
        county.county,
        county.east,
        county.east_village,
        county.south_village,
        county.west,
        county.west_village,
        dissolved,
    ]
    members = [county.zhang, county.li, county.wang, county.zhao, county.qian, county.sun]
    for n in range(rng.randint(0, 5)):
        members.append(
            build_member(
                organization=rng.choice(organizations[2:]),
                name=f"党员{n}",
                joined_on=dt.date(2010, 1, 1) + dt.timedelta(days=rng.randrange(5000)),
            )
        )
    for member in rng.sample(members, k=rng.randint(0, 3)):
        move(member, rng.choice(organizations[1:]), dt.date(YEAR, rng.randint(1, 12), 15))
    if seed == 0:
        return organizations
    for _n in range(rng.randint(1, 25)):
        kind = rng.choice([EntryKind.ALLOCATION, EntryKind.SPENDING])
        categories = ALLOCATION_CATEGORIES if kind == EntryKind.ALLOCATION else SPENDING_CATEGORIES
        FundEntry.objects.create(
            organization=rng.choice(organizations),
            kind=kind,
            category=rng.choice(sorted(categories)),
            on=some_day(rng),
            amount=cents(rng, rng.choice([30, 20_000])),
            description="经费",
            recorded_by=county.east_admin,
        )
    for _n in range(rng.randint(0, 12)):
        amount = Decimal(rng.randint(0, 9_999)) / 100
        voluntary = rng.choice([Decimal(0), cents(rng), Decimal(1000)])
        Payment.objects.create(
            member=rng.choice(members),
            organization=rng.choice(organizations),
            paid_on=some_day(rng),
            amount=amount if amount or voluntary else Decimal("0.01"),
            voluntary_amount=voluntary,
            to_central=voluntary >= 1000,
            method="CASH",
        )
    for _n in range(rng.randint(0, 6)):
        RetainedDuesUse.objects.create(
            organization=rng.choice(organizations),
            category=rng.choice(DuesUse.values),
            on=some_day(rng),
            amount=cents(rng, 3_000),
            description="慰问",
            decided_by="支部委员会",
            recorded_by=county.east_admin,
        )
    return organizations


def funds_figures(total: Any) -> tuple[Any, ...]:
    return (
        total.members,
        total.standard,
        total.opening,
        total.received,
        total.spent,
        total.received_total,
        total.spent_total,
        total.balance,
    )


def retained_figures(total: Any) -> tuple[Any, ...]:
    return (
        total.collected,
        total.retained,
        total.opening,
        total.used,
        total.used_total,
        total.balance,
    )


@pytest.mark.parametrize("seed", range(12))
def test_the_report_totals_equal_the_summaries(county: Any, seed: int) -> None:
    organizations = varied_county(county, seed)
    rng = random.Random(-seed)
    rules = {
        "funds_per_member_yearly": rng.choice(STANDARDS),
        "dues_retained_share": rng.choice(SHARES),
    }
    with override_settings(DANGJIAN_RULES=rules):
        for organization in organizations:
            for day in DAYS:
                old = selectors.subtree_summary(organization, YEAR, day)
                new = selectors.subtree_totals(organization, YEAR, day)
                assert funds_figures(new.total) == funds_figures(old.total), (organization, day)
                assert new.below == len(old.below), (organization, day)
                kept = selectors.retained_summary(organization, YEAR, day)
                counted = selectors.retained_totals(organization, YEAR, day)
                assert retained_figures(counted.total) == retained_figures(kept.total)
                assert counted.has_rows is bool(kept.rows)


@pytest.mark.parametrize(
    ("standard", "received", "below"),
    [
        # One member: the standard rounded to the cent, half to even (Decimal.quantize).
        ("0.125", "0.12", False),  # 0.125 is 0.12
        ("0.125", "0.11", True),
        ("0.135", "0.13", True),  # 0.135 is 0.14
        ("0.135", "0.14", False),
        ("30", "29.99", True),
        ("30", "30.00", False),
        ("30.01", "30.00", True),
    ],
)
def test_below_the_standard_at_the_cent(
    county: Any, standard: str, received: str, below: bool
) -> None:
    """钱七 alone in the south village: below its standard or not, counted both ways."""
    FundEntry.objects.create(
        organization=county.south_village,
        kind=EntryKind.ALLOCATION,
        category=sorted(ALLOCATION_CATEGORIES)[0],
        on=START,
        amount=Decimal(received),
        description="经费",
        recorded_by=county.east_admin,
    )
    with override_settings(DANGJIAN_RULES={"funds_per_member_yearly": standard}):
        old = selectors.subtree_summary(county.south_village, YEAR, START)
        new = selectors.subtree_totals(county.south_village, YEAR, START)
    assert [r.members for r in old.rows] == [1]
    assert len(old.below) == new.below == int(below)


@pytest.mark.parametrize(("used", "rows"), [("50.00", False), ("40.00", True), (None, True)])
def test_carried_over_dues_alone_make_a_row_unless_used_up(
    county: Any, used: str | None, rows: bool
) -> None:
    """Dues of last year only (100, half kept): a row unless last year's uses took all 50."""
    Payment.objects.create(
        member=county.zhang,
        organization=county.east_village,
        paid_on=dt.date(YEAR - 1, 3, 1),
        amount=Decimal(100),
        method="CASH",
    )
    if used is not None:
        RetainedDuesUse.objects.create(
            organization=county.east_village,
            category=DuesUse.HARDSHIP,
            on=dt.date(YEAR - 1, 9, 1),
            amount=Decimal(used),
            description="慰问",
            decided_by="支部委员会",
            recorded_by=county.east_admin,
        )
    with override_settings(DANGJIAN_RULES={"dues_retained_share": "0.5"}):
        kept = selectors.retained_summary(county.county, YEAR, START)
        counted = selectors.retained_totals(county.county, YEAR, START)
    assert bool(kept.rows) is rows
    assert counted.has_rows is rows
    assert retained_figures(counted.total) == retained_figures(kept.total)
