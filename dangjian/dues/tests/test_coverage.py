"""Invariants of how payments meet months (selectors._cover), for any dues and payments."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from dangjian.dues import rules
from dangjian.dues.selectors import _cover

FIRST = dt.date(2025, 11, 1)
cents = st.integers(min_value=0, max_value=20_000).map(lambda c: Decimal(c) / 100)


@given(
    dues=st.lists(cents, min_size=0, max_size=18),
    amounts=st.lists(cents.filter(lambda a: a > 0), max_size=8),
    order=st.randoms(use_true_random=False),
)
def test_paid_months_are_a_prefix_and_do_not_depend_on_payment_order(dues, amounts, order):
    ledger = [(rules.add_months(FIRST, i), due) for i, due in enumerate(dues)]
    payments = list(enumerate(amounts, start=1))
    coverage = _cover(0, ledger, payments, None, None)
    settled = [line.settled for line in coverage.lines if line.due > 0]
    # Settled months with something due form an unbroken run from the first (arrears first).
    assert settled == sorted(settled, reverse=True)
    total = sum(amounts, Decimal("0"))
    owed = sum(dues, Decimal("0"))
    assert sum(line.paid for line in coverage.lines) == min(total, owed)
    # Each payment completes a later stretch of months than the one before it.
    stretches = [coverage.payment_months[pk] for pk, _amount in payments]
    completed = [(first, last) for first, last in stretches if first is not None]
    for (_first, last), (next_first, _next_last) in itertools.pairwise(completed):
        assert last is not None
        assert next_first is not None
        assert last < next_first
    # The same payments entered in another order give the same 交至.
    shuffled = payments[:]
    order.shuffle(shuffled)
    assert _cover(0, ledger, shuffled, None, None).paid_through == coverage.paid_through
