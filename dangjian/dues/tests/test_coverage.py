"""Invariants of where a payment goes (selectors.allocate) and what an account shows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from dangjian.dues import rules
from dangjian.dues.selectors import Account, MonthLine, allocate

FIRST = dt.date(2025, 11, 1)
cents = st.integers(min_value=0, max_value=20_000).map(lambda c: Decimal(c) / 100)


def _account(dues: list[Decimal], amounts: list[Decimal]) -> Account:
    """The months after each payment in turn was placed on the open months, as recorded."""
    lines = [MonthLine(rules.add_months(FIRST, i), due) for i, due in enumerate(dues)]
    account = Account(0, dt.date(2027, 12, 31), dt.date(2027, 12, 1), lines)
    for amount in amounts:
        for month, part in allocate(account.open_lines(), amount):
            line = account.line(month)
            assert line is not None
            line.paid += part
    return account


@given(
    dues=st.lists(cents, min_size=0, max_size=18),
    amounts=st.lists(cents.filter(lambda a: a > 0), max_size=8),
    order=st.randoms(use_true_random=False),
)
def test_payments_fill_the_oldest_months_first_whatever_their_order(dues, amounts, order):
    account = _account(dues, amounts)
    settled = [line.settled for line in account.lines if line.due > 0]
    # Settled months with something due form an unbroken run from the first (arrears first).
    assert settled == sorted(settled, reverse=True)
    # No month takes more than it owes; the money placed is the payments or what was owed.
    assert all(line.paid <= line.due for line in account.lines)
    total, owed = sum(amounts, Decimal("0")), sum(dues, Decimal("0"))
    assert sum(line.paid for line in account.lines) == min(total, owed)
    # The same payments recorded in another order give the same 交至.
    shuffled = amounts[:]
    order.shuffle(shuffled)
    assert _account(dues, shuffled).paid_through == account.paid_through


@given(dues=st.lists(cents, min_size=1, max_size=18), amount=cents.filter(lambda a: a > 0))
def test_a_month_that_later_costs_more_is_owed_the_difference_and_nothing_moves(dues, amount):
    """A base raised after the fact leaves the payment's months where they were."""
    account = _account(dues, [amount])
    before = [(line.month, line.paid) for line in account.lines]
    for line in account.lines:
        line.due += Decimal("1.00")
    assert [(line.month, line.paid) for line in account.lines] == before
    assert all(not line.settled for line in account.lines)
    assert account.outstanding == sum((line.due - line.paid for line in account.lines), Decimal(0))
