"""Dues fixtures: the small county with dues profiles, on a fixed day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from dangjian.dues import services
from dangjian.dues.choices import DuesCategory
from dangjian.site.testing import system_user

TODAY = dt.date(2026, 11, 15)


@pytest.fixture
def frozen() -> Iterator[None]:
    with time_machine.travel(dt.datetime(2026, 11, 15, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def dues(county: Any, frozen: None) -> Any:
    """张三 employed at 3200 from January 2026 (32.00 a month); 李四 retired at 5000.01."""
    actor = system_user()
    services.profile_set(
        actor=actor,
        member=county.zhang,
        category=DuesCategory.EMPLOYED,
        base=Decimal("3200"),
        effective_from=dt.date(2026, 1, 1),
    )
    services.profile_set(
        actor=actor,
        member=county.li,
        category=DuesCategory.RETIRED,
        base=Decimal("5000.01"),
        effective_from=dt.date(2026, 1, 1),
    )
    return county


def generate(county: Any, *months: dt.date) -> list[services.LedgerResult]:
    return [
        services.ledger_generate(actor=system_user(), organization=county.county, month=m)
        for m in months
    ]


def pay(member: Any, amount: str, paid_on: dt.date = TODAY, **kwargs: Any) -> Any:
    kwargs.setdefault("method", "CASH")
    return services.payment_record(
        actor=kwargs.pop("actor", None) or system_user(),
        member=member,
        amount=Decimal(amount),
        paid_on=paid_on,
        **kwargs,
    )
