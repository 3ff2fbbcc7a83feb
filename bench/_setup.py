"""Shared start of the benchmarks: Django on a fresh database, outside the test runner."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def fresh_database() -> str:
    """Point Django at a new database and set it up; returns the backend's name.

    SQLite: a file in a new temporary directory. PostgreSQL (when DATABASE_URL is set): the
    database named in the URL is dropped and created again, so use a name of its own.
    """
    os.environ.setdefault("DANGJIAN_VAR_DIR", tempfile.mkdtemp(prefix="dangjian-bench-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
    url = os.environ.get("DATABASE_URL", "")
    if url:
        import psycopg

        name = url.split("///", 1)[1].split("?", 1)[0]
        with psycopg.connect(url, dbname="postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    import django

    django.setup()
    return "PostgreSQL" if url else "SQLite"
