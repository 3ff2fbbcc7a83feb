"""Shared start of the benchmarks: Django on a fresh database, outside the test runner."""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def fresh_database() -> str:
    """Point Django at a new database and set it up; returns the backend's name.

    SQLite: a file in a new temporary directory. PostgreSQL (when DATABASE_URL is set): the
    database named in the URL is dropped and created again, so use a name of its own.
    """
    if "DANGJIAN_VAR_DIR" not in os.environ:
        # The benchmark's own var directory (development keys, working files): removed at exit.
        var_dir = tempfile.mkdtemp(prefix="dangjian-bench-")
        atexit.register(shutil.rmtree, var_dir, ignore_errors=True)
        os.environ["DANGJIAN_VAR_DIR"] = var_dir
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
