"""The dues collected by a subtree in one pass (`remittable_within`, issue 20) equal the figures
asked organization by organization and period by period (`remittable_by_organization`) over
varied payments: several organizations (one dissolved), members who moved during the year,
payments before, in and after the year, voluntary payments handed up to the central level."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from dangjian.dues import selectors
from dangjian.dues.models import Payment
from dangjian.funds.tests.test_report_totals import DAYS, START, YEAR, varied_county
from dangjian.organizations.models import Organization
from dangjian.site.testing import build_org

ZERO = Decimal("0.00")
BEFORE = START - dt.timedelta(days=1)


def periods_on(day: dt.date) -> list[tuple[dt.date | None, dt.date]]:
    """The report's two periods (ever before the year, the year up to the day), one ending
    inside the year and one with a gap before it."""
    return [(None, BEFORE), (START, day), (START, dt.date(YEAR, 6, 30)), (dt.date(YEAR, 7, 1), day)]


def by_organization(ids: list[int], period: tuple[dt.date | None, dt.date]) -> dict[int, Any]:
    return selectors.remittable_by_organization(ids, *period)


@pytest.mark.parametrize("seed", range(1, 13))
def test_a_subtree_in_one_pass_equals_the_figures_by_organization(county: Any, seed: int) -> None:
    organizations = varied_county(county, seed)
    for top in organizations:
        subtree = list(Organization.objects.under(top.path))
        for dissolved in (True, False):
            ids = [o.pk for o in subtree if dissolved or o.dissolved_on is None]
            for day in DAYS:
                periods = periods_on(day)
                found = selectors.remittable_within(top.path, periods, dissolved=dissolved)
                old = [by_organization(ids, period) for period in periods]
                assert set(found) == set().union(*old), (top, day, dissolved)
                for n, figures in enumerate(old):
                    new = {pk: values[n] for pk, values in found.items()}
                    assert {pk: new.get(pk, ZERO) for pk in ids} == {
                        pk: figures.get(pk, ZERO) for pk in ids
                    }, (top, day, dissolved, periods[n])
                    assert all(v.as_tuple().exponent == -2 for v in new.values())  # in fen


def test_the_varied_payments_are_counted(county: Any) -> None:
    """The comparison above is not of empty dicts: the county's figures add up to its
    payments, the voluntary ones handed up to the central level left out."""
    varied_county(county, 3)
    payments = list(Payment.objects.filter(paid_on__lte=BEFORE))
    assert payments
    expected = sum(
        (p.amount + (ZERO if p.to_central else p.voluntary_amount) for p in payments), ZERO
    )
    found = selectors.remittable_within(county.county.path, [(None, BEFORE)])
    assert sum((values[0] for values in found.values()), ZERO) == expected


def test_only_the_subtree_and_its_periods(county: Any) -> None:
    """The east committee's subtree, not the west's; a payment between the periods nowhere;
    a dissolved branch's dues only when asked for."""
    dissolved = build_org(name="撤销党支部", parent=county.east, code="D9999")

    def pay(organization: Organization, on: dt.date, amount: str, voluntary: str = "0") -> None:
        Payment.objects.create(
            member=county.zhang,
            organization=organization,
            paid_on=on,
            amount=Decimal(amount),
            voluntary_amount=Decimal(voluntary),
            to_central=Decimal(voluntary) >= 1000,
            method="CASH",
        )

    pay(county.east_village, dt.date(YEAR, 1, 1), "10.01", "5.00")
    pay(county.east_village, dt.date(YEAR, 3, 1), "0.00", "1000.00")  # to the central level
    pay(county.east_village, dt.date(YEAR, 5, 1), "99.00")  # between the two periods
    pay(county.east_village, dt.date(YEAR - 1, 12, 31), "20.00")
    pay(county.west_village, dt.date(YEAR, 1, 2), "7.00")
    pay(dissolved, dt.date(YEAR, 1, 2), "3.00")
    Organization.objects.filter(pk=dissolved.pk).update(dissolved_on=dt.date(YEAR, 2, 1))
    periods = [(None, BEFORE), (START, dt.date(YEAR, 3, 31)), (dt.date(YEAR, 6, 1), DAYS[-1])]
    found = selectors.remittable_within(county.east.path, periods)
    assert found == {
        county.east_village.pk: (Decimal("20.00"), Decimal("15.01"), ZERO),
        dissolved.pk: (ZERO, Decimal("3.00"), ZERO),
    }
    current = selectors.remittable_within(county.east.path, periods, dissolved=False)
    assert current == {county.east_village.pk: found[county.east_village.pk]}
    assert selectors.remittable_within(county.east.path, []) == {}
