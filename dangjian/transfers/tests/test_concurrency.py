"""Concurrent receive and cancel of the same transfer: row locks serialize them, one wins.

PostgreSQL only: SQLite takes one write lock for the whole database, so there is no row-level
race to test there (its IMMEDIATE transactions already queue every writer).
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connections

from dangjian.members import hooks
from dangjian.members.models import Membership
from dangjian.site.testing import racing_on_postgresql
from dangjian.transfers import services
from dangjian.transfers.choices import TransferState
from dangjian.transfers.models import Transfer

from .helpers import issued

pytestmark = racing_on_postgresql(
    "row locks (SELECT … FOR UPDATE) are a PostgreSQL matter; SQLite locks the file"
)


def _race(county: Any, transfer: Transfer, hold_receipt: bool) -> dict[str, str]:
    """Receive and cancel at once; with `hold_receipt` the receipt holds its lock a while."""
    outcome: dict[str, str] = {}
    barrier = threading.Barrier(2)
    locked = threading.Event()

    def slow(**_kwargs: Any) -> None:  # runs inside the receipt's transaction, after the lock
        locked.set()
        time.sleep(0.5)

    def run(name: str, call: Any) -> None:
        try:
            barrier.wait()
            if name == "cancel" and hold_receipt:
                locked.wait(5)
            call()
            outcome[name] = "won"
        except ValidationError as exc:
            outcome[name] = f"refused: {exc.messages[0]}"
        finally:
            connections.close_all()

    if hold_receipt:
        hooks.register_on_moved(slow)
    try:
        threads = [
            threading.Thread(
                target=run,
                args=(
                    "receive",
                    lambda: services.transfer_receive(actor=county.west_admin, transfer=transfer),
                ),
            ),
            threading.Thread(
                target=run,
                args=(
                    "cancel",
                    lambda: services.transfer_cancel(
                        actor=county.east_secretary, transfer=transfer, reason="撤回"
                    ),
                ),
            ),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    finally:
        if hold_receipt:
            hooks._on_moved.remove(slow)  # registered for this test only
    return outcome


@pytest.mark.parametrize("hold_receipt", [True, False], ids=["receipt-holds-lock", "together"])
def test_receive_and_cancel_at_once_exactly_one_wins(county: Any, hold_receipt: bool) -> None:
    transfer = issued(county.east_secretary, county.east_admin, county.zhang, county.west_village)
    outcome = _race(county, transfer, hold_receipt)
    assert sorted(outcome) == ["cancel", "receive"]
    winners = [name for name, result in outcome.items() if result == "won"]
    assert len(winners) == 1, outcome
    loser = "cancel" if winners == ["receive"] else "receive"
    assert "不能办理此操作" in outcome[loser]
    transfer.refresh_from_db()
    assert transfer.state == (
        TransferState.RECEIVED if winners == ["receive"] else TransferState.CANCELLED
    )
    if hold_receipt:  # the cancel waited for the receipt's lock and then saw it received
        assert winners == ["receive"]
    open_rows = Membership.objects.filter(member=county.zhang, ended_on__isnull=True)
    assert open_rows.count() == 1
    expected = county.west_village if winners == ["receive"] else county.east_village
    assert open_rows.get().organization == expected
