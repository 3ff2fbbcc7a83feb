"""The worker processes that check a large roster file's rows, one per core (decision 0270).

A worker is started by `spawn` (a fresh interpreter: forking a web or task process that runs
other threads is not safe), sets Django up and builds a `MemberRowValidator` from the plain
state the importing process sends it: the organizations the importer manages, every
organization code (so that a code outside the importer's scope gets the same message without
a query), the day, the language, the lookup-hash key and the encryption keys. A worker never
opens a database connection; it turns rows of cells into records (their ID numbers encrypted)
or errors, and the importing process does everything that needs the whole file or the
database, in file order.

This module imports nothing of Django at the top: the worker unpickles the reference to
`start` before Django is set up.
"""

from __future__ import annotations

import os
from typing import Any

_validator: Any = None
_positions: dict[str, int] = {}


def start(state: dict[str, Any]) -> None:
    """Set a worker up (the pool's initializer)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", state["settings_module"])
    import django

    django.setup()
    from django.conf import settings
    from django.utils import translation

    # What the importing process uses, even where a test or a command changed its settings.
    settings.DANGJIAN_LOOKUP_KEY = state["lookup_key"]
    settings.DANGJIAN_FIELD_ENCRYPTION_KEYS = state["encryption_keys"]
    translation.activate(state["language"])
    from . import importing

    global _validator, _positions  # one validator per worker process
    _validator = importing.MemberRowValidator.for_worker(state)
    _positions = state["positions"]


def check(rows: list[list[Any]]) -> list[tuple[Any, list[tuple[str, str]], list[tuple[str, str]]]]:
    """(record or None, errors, notes) of each row, in order (`importing.check_rows`), each
    record with its ID number already encrypted: Fernet, per number, is the largest part of
    writing a member, and here it runs on every core (decision 0279)."""
    from . import importing

    return importing.encrypt_id_numbers(importing.check_rows(_validator, _positions, rows))
