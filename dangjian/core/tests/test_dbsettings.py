"""The planner settings of our PostgreSQL sessions (decision 0288): every connection's, and the
worker's parallel query (dangjian.core.dbsettings)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from config.settings.base import POSTGRESQL_SESSION, postgresql_options
from dangjian.core import dbsettings

pytestmark = pytest.mark.django_db


def _show(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SHOW {name}")
        return str(cursor.fetchone()[0])


def _postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's session settings")


def test_every_session_has_the_planner_settings() -> None:
    """cursor_tuple_fraction: every QuerySet.iterator() reads all its rows; planned for 10% of
    them, a county's organizations in path order walked a province's whole path index
    (decision 0286). The other two: decision 0288."""
    _postgresql()
    assert _show("cursor_tuple_fraction") == "1"
    assert _show("random_page_cost") == "1.1"
    assert _show("max_parallel_workers_per_gather") == "0"


def test_an_operators_options_come_last_and_win() -> None:
    """PostgreSQL applies the last `-c` of a name: the URL's own options override ours."""
    config = postgresql_options({"OPTIONS": {"options": "-c random_page_cost=2"}})
    options = config["OPTIONS"]["options"]
    assert options.endswith("-c random_page_cost=2")
    assert options.startswith(" ".join(f"-c {k}={v}" for k, v in POSTGRESQL_SESSION.items()))
    assert postgresql_options({})["OPTIONS"]["options"].count("-c ") == len(POSTGRESQL_SESSION)


def test_parallel_query_is_allowed_for_background_work_and_taken_back(settings: Any) -> None:
    _postgresql()
    settings.DANGJIAN_WORKER_PARALLEL_WORKERS = 3
    settings.DANGJIAN_WORKER_WORK_MEM = "48MB"
    connection.ensure_connection()
    web_work_mem = _show("work_mem")
    assert web_work_mem != "48MB"
    try:
        dbsettings.allow_parallel_queries()
        assert _show("max_parallel_workers_per_gather") == "3"  # the open connection
        assert _show("work_mem") == "48MB"  # a province's roster per organization in memory
    finally:
        dbsettings.disallow_parallel_queries()
    assert _show("max_parallel_workers_per_gather") == "0"
    assert _show("work_mem") == web_work_mem


@pytest.mark.parametrize("value", ["64MB", "512kB", "1GB"])
def test_the_workers_memory_per_sort_is_a_size(settings: Any, value: str) -> None:
    settings.DANGJIAN_WORKER_WORK_MEM = value
    assert dbsettings.work_mem() == value


@pytest.mark.parametrize("value", ["64", "64 MB", "64MB'; DROP TABLE x; --", "lots"])
def test_a_work_mem_that_is_not_a_size_is_refused(settings: Any, value: str) -> None:
    settings.DANGJIAN_WORKER_WORK_MEM = value
    with pytest.raises(ValueError, match="DANGJIAN_WORKER_WORK_MEM"):
        dbsettings.work_mem()


@pytest.mark.django_db(transaction=True)
def test_a_new_connection_of_a_worker_allows_parallel_query() -> None:
    _postgresql()
    dbsettings.allow_parallel_queries()
    try:
        connection.close()
        assert _show("max_parallel_workers_per_gather") == "2"
    finally:
        dbsettings.disallow_parallel_queries()
    connection.close()
    assert _show("max_parallel_workers_per_gather") == "0"


@pytest.mark.django_db(transaction=True)
def test_the_worker_command_allows_parallel_query_while_it_runs(tree: Any) -> None:
    """`dangjian worker` sets it on its connection when it starts and on each connection it
    opens (the queue closes and opens them), and leaves the web's setting behind when it ends;
    on SQLite it says nothing to the database about it."""
    statements: list[str] = []

    def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        statements.append(sql)
        return execute(sql, params, many, context)

    connection.ensure_connection()
    with connection.execute_wrapper(record):
        call_command("worker", "--batch", "--no-schedule", verbosity=0)
    settings_said = [s for s in statements if "max_parallel_workers_per_gather" in s]
    if connection.vendor == "postgresql":
        assert settings_said[0] == "SET max_parallel_workers_per_gather = 2"
        assert set(settings_said) <= {
            "SET max_parallel_workers_per_gather = 2",
            "RESET max_parallel_workers_per_gather",
        }
        assert _show("max_parallel_workers_per_gather") == "0"
        connection.close()
        assert _show("max_parallel_workers_per_gather") == "0"  # no longer set on new ones
    else:
        assert settings_said == []
