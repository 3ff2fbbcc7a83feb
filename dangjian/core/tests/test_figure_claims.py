"""Two visitors of a big subtree's page whose figure was never counted, at once (decision
0287): the unique (path, key) of the figure's row and the conditional claim let exactly one of
them queue the count; neither counts.

PostgreSQL only: SQLite takes one write lock for the whole database, so its writers never
overlap (the sequential visits of `reports/tests/test_kept_figures.py` cover it).
"""

from __future__ import annotations

from typing import Any

from dangjian.core import figures
from dangjian.core.models import Figure
from dangjian.site.testing import racing_on_postgresql, two_at_once

pytestmark = racing_on_postgresql()

# How long the first visitor keeps its request's transaction open after claiming. Not a timing
# assertion: the second visitor's insert waits for it whatever this is.
HOLD_SECONDS = 1.0


def test_of_two_simultaneous_visitors_one_queues_the_count_and_neither_counts() -> None:
    queued: list[str] = []

    def counted() -> Any:
        raise AssertionError("counted in the request")

    def visit(name: str) -> bool:
        return figures.kept("/9/", "k", counted, recount=lambda: queued.append(name)).pending

    shown = two_at_once(lambda: visit("first"), lambda: visit("second"), hold_seconds=HOLD_SECONDS)
    assert shown == (True, True)
    assert queued == ["first"]
    row = Figure.objects.get(path="/9/", key="k")
    assert row.computed_at is None
    assert row.recount_queued_at is not None
