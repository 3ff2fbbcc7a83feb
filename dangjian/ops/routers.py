"""Read replicas: report and statistics reads go to the `replica` database when it exists.

`DANGJIAN_REPLICA_URL` adds the alias (config/settings/base.py). Reads are sent there only
inside `reads_from_replica()` — the report pages and the statistics API enter it through
`ReplicaMiddleware` — so a page that writes and then reads its own write never meets replication
lag. Writes, and reads inside a transaction on the default database, always stay on `default`.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connections
from django.utils.connection import ConnectionDoesNotExist

REPLICA = "replica"
_use_replica: contextvars.ContextVar[bool] = contextvars.ContextVar("use_replica", default=False)


def replica_configured() -> bool:
    try:
        connections[REPLICA]
    except ConnectionDoesNotExist:
        return False
    return True


@contextmanager
def reads_from_replica() -> Iterator[None]:
    token = _use_replica.set(True)
    try:
        yield
    finally:
        _use_replica.reset(token)


class ReplicaRouter:
    def db_for_read(self, model: type[Any], **hints: Any) -> str | None:
        if not _use_replica.get() or not replica_configured():
            return None
        if connections["default"].in_atomic_block:
            return None  # a write transaction reads what it wrote
        return REPLICA

    def db_for_write(self, model: type[Any], **hints: Any) -> str | None:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        return True  # the replica is a copy of default: the same rows

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return db != REPLICA  # the replica is migrated by replication, not by us
