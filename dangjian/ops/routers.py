"""Read replicas: report and statistics reads go to the `replica` database when it exists.

`DANGJIAN_REPLICA_URL` adds the alias (config/settings/base.py). Reads are sent there only
inside `reads_from_replica()`, which `ReplicaMiddleware` enters for the report pages and the
statistics API. What keeps a reader from meeting replication lag in their own work (decision
0280):

- every write goes to the primary, and so does every read after a write in the same request,
  and every read inside a transaction on the primary;
- a request that may have written (POST, PUT, PATCH, DELETE) leaves the primary's WAL location
  in a cookie; the reader's next report page goes to the replica only once the replica has
  replayed that far (`replica_ready`), otherwise to the primary;
- a replica that does not answer is left alone for `DANGJIAN_REPLICA_RETRY_SECONDS` and the
  reads go to the primary meanwhile.

Migrations never run on the replica: `allow_migrate` says no, and `dangjian migrate --database
replica` is refused (ops/management/commands/migrate.py).
"""

from __future__ import annotations

import contextvars
import logging
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connections
from django.utils.connection import ConnectionDoesNotExist

REPLICA = "replica"
# The primary's WAL location after the reader's last write ("16/B374D848"): a browser-session
# cookie, so it travels with the reader to whichever web server answers next.
PIN_COOKIE = "dangjian_wal"
DEFAULT_RETRY_SECONDS = 30
_WAL_LOCATION = re.compile(r"^[0-9A-F]{1,8}/[0-9A-F]{1,8}$")

logger = logging.getLogger(__name__)


@dataclass
class _Reads:
    """The state of one request that reads from the replica: has it written yet?"""

    wrote: bool = False


_reads: contextvars.ContextVar[_Reads | None] = contextvars.ContextVar(
    "replica_reads", default=None
)
_lock = threading.Lock()
_down_until = 0.0  # monotonic time before which this process does not try the replica again


def replica_configured() -> bool:
    try:
        connections[REPLICA]
    except ConnectionDoesNotExist:
        return False
    return True


def retry_seconds() -> float:
    return float(getattr(settings, "DANGJIAN_REPLICA_RETRY_SECONDS", DEFAULT_RETRY_SECONDS))


def forget_replica_state() -> None:
    """Try the replica again at the next request (after a restart of the replica, in tests)."""
    global _down_until
    with _lock:
        _down_until = 0.0


def _mark_down(error: Exception) -> None:
    global _down_until
    with _lock:
        _down_until = time.monotonic() + retry_seconds()
    logger.warning(
        "The read replica does not answer (%s): reports read from the primary for %d s.",
        type(error).__name__,
        retry_seconds(),
    )
    with suppress(DatabaseError):
        connections[REPLICA].close()


def valid_wal_location(text: str) -> bool:
    return bool(_WAL_LOCATION.match(text))


def replica_ready(wal_location: str = "") -> bool:
    """True when the replica answers and has replayed the primary's WAL up to `wal_location`
    (the reader's last write; empty: no write to wait for).

    One short query on the replica: a connection kept from an earlier request may have died
    with the replica, so it is tried before the page relies on it. A replica that is not in
    recovery (a promoted one, or a copy that is not a standby) counts as caught up.
    """
    if time.monotonic() < _down_until:
        return False
    replica = connections[REPLICA]
    try:
        with replica.cursor() as cursor:
            if wal_location:
                cursor.execute(
                    "SELECT COALESCE(pg_last_wal_replay_lsn() >= %s::pg_lsn, true)",
                    [wal_location],
                )
                row = cursor.fetchone()
                return bool(row and row[0])
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        _mark_down(error)
        return False
    return True


def primary_wal_location() -> str:
    """The primary's current WAL location: every commit made so far lies before it."""
    primary = connections["default"]
    if primary.vendor != "postgresql":
        return ""
    try:
        with primary.cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()::text")
            row = cursor.fetchone()
    except DatabaseError:
        logger.warning("Could not read the primary's WAL location.", exc_info=True)
        return ""
    return str(row[0]) if row else ""


def replica_behind_bytes() -> int | None:
    """How much of the primary's WAL the replica has not replayed yet, in bytes; None when the
    replica does not answer (for /ops/metrics)."""
    primary = primary_wal_location()
    if not primary or not replica_ready():
        return None
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(
                "SELECT COALESCE(pg_wal_lsn_diff(%s::pg_lsn, pg_last_wal_replay_lsn()), 0)",
                [primary],
            )
            row = cursor.fetchone()
    except DatabaseError as error:
        _mark_down(error)
        return None
    return max(0, int(row[0])) if row else 0


@contextmanager
def reads_from_replica() -> Iterator[None]:
    token = _reads.set(_Reads())
    try:
        yield
    finally:
        _reads.reset(token)


class ReplicaRouter:
    def db_for_read(self, model: type[Any], **hints: Any) -> str | None:
        state = _reads.get()
        if state is None or state.wrote or not replica_configured():
            return None  # outside report pages, or after this request wrote: the primary
        if connections["default"].in_atomic_block:
            return None  # a write transaction reads what it wrote
        return REPLICA

    def db_for_write(self, model: type[Any], **hints: Any) -> str | None:
        state = _reads.get()
        if state is not None:
            state.wrote = True  # the rest of the request reads its own write
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        return True  # the replica is a copy of default: the same rows

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return db != REPLICA  # the replica is migrated by replication, not by us
