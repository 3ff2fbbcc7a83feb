"""Session settings of the database connections of long background work.

Web requests run with PostgreSQL's parallel query off (`config.settings.base.POSTGRESQL_SESSION`,
decision 0288): many requests at once already keep every core busy. A worker's count of a
province (the annual report, the figures' warm-up) is one long query at a time, where two
helper processes shorten it; `allow_parallel_queries` gives the process's connections, open and
opened later, PostgreSQL's own default again (`DANGJIAN_WORKER_PARALLEL_WORKERS`, 2), and more
memory per sort or hash (`DANGJIAN_WORKER_WORK_MEM`, 64MB; the server's default of 4MB made a
province's roster grouped by organization spill about 750 MB to temporary files, decision 0292).
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connections
from django.db.backends.signals import connection_created

WORKER_PARALLEL_WORKERS = 2  # PostgreSQL's default max_parallel_workers_per_gather
WORKER_WORK_MEM = "64MB"
DISPATCH_UID = "dangjian.core.dbsettings.allow"


def parallel_workers() -> int:
    return int(getattr(settings, "DANGJIAN_WORKER_PARALLEL_WORKERS", WORKER_PARALLEL_WORKERS))


def _set(connection: Any, statement: str) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(statement)


def work_mem() -> str:
    value = str(getattr(settings, "DANGJIAN_WORKER_WORK_MEM", WORKER_WORK_MEM))
    if not re.fullmatch(r"[0-9]+(kB|MB|GB)", value):
        raise ValueError(f"DANGJIAN_WORKER_WORK_MEM: {value!r} is not like '64MB'")
    return value


def _allow(sender: Any, connection: Any, **kwargs: Any) -> None:
    _set(connection, f"SET max_parallel_workers_per_gather = {parallel_workers():d}")
    _set(connection, f"SET work_mem = '{work_mem()}'")


def allow_parallel_queries() -> None:
    """From now on, this process's PostgreSQL connections may use parallel query (a background
    worker, a benchmark of its counts): those it opens, and those open now."""
    connection_created.connect(_allow, dispatch_uid=DISPATCH_UID)
    for connection in connections.all(initialized_only=True):
        if connection.connection is not None:
            _allow(None, connection)


def disallow_parallel_queries() -> None:
    """Undo `allow_parallel_queries` (a worker leaving, tests): open connections go back to
    their session's setting (`RESET`: what the connection options gave)."""
    connection_created.disconnect(dispatch_uid=DISPATCH_UID)
    for connection in connections.all(initialized_only=True):
        if connection.connection is not None:
            try:
                _set(connection, "RESET max_parallel_workers_per_gather")
                _set(connection, "RESET work_mem")
            except DatabaseError:  # a connection in a failed transaction: closed before reuse
                connection.close()
