"""Two visitors of a big subtree's page whose figure was never counted, at once (decision
0287): the unique (path, key) of the figure's row and the conditional claim let exactly one of
them queue the count; neither counts.

PostgreSQL only: SQLite takes one write lock for the whole database, so its writers never
overlap (the sequential visits of `reports/tests/test_kept_figures.py` cover it).
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections, transaction

from dangjian.core import figures
from dangjian.core.models import Figure

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="concurrent writers are a PostgreSQL matter; SQLite locks the file",
    ),
]

# How long the first visitor keeps its request's transaction open after claiming. Not a timing
# assertion: the second visitor's insert waits for it whatever this is.
HOLD_SECONDS = 1.0


def test_of_two_simultaneous_visitors_one_queues_the_count_and_neither_counts() -> None:
    first_inside = threading.Event()
    second_done = threading.Event()
    queued: list[str] = []
    shown: dict[str, bool] = {}

    def counted() -> Any:
        raise AssertionError("counted in the request")

    def visit(name: str) -> None:
        kept = figures.kept("/9/", "k", counted, recount=lambda: queued.append(name))
        shown[name] = kept.pending

    def first() -> None:
        try:
            with transaction.atomic():  # a request's transaction, still open
                visit("first")
                first_inside.set()
                second_done.wait(HOLD_SECONDS)
        finally:
            first_inside.set()
            connections.close_all()

    def second() -> None:
        try:
            first_inside.wait(10)
            with transaction.atomic():
                visit("second")
        finally:
            second_done.set()
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert shown == {"first": True, "second": True}
    assert queued == ["first"]
    row = Figure.objects.get(path="/9/", key="k")
    assert row.computed_at is None
    assert row.recount_queued_at is not None
