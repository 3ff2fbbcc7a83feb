"""Migrated test databases, built once per set of migrations and copied where a test needs one.

Migrating an empty database costs 8–20 s of CPU: Django renders the model state again and again
over the 116 migrations. A `make test` run needs a fresh database for each pytest-xdist worker of
each of its four passes, and another for each deployment a between-deployment test starts. So
the first worker to get there migrates as before and keeps the result as a template, keyed by a
digest of every migration file and the Django version; everyone after it copies the template:

- SQLite: a file in the temporary directory, copied into the worker's in-memory database with
  SQLite's backup API, or copied as a file for another deployment (`copy_sqlite_template`);
- PostgreSQL: a database `test_<name>_tpl_<digest>` beside the test databases, cloned with
  `CREATE DATABASE … TEMPLATE`. It stays for the next pass; a new digest drops the old one.

A worker that finds the template being built by another does not wait: it migrates its own
database, as every worker did before. Nothing is cached across a change of migrations.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import django
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(tempfile.gettempdir()) / f"dangjian-test-templates-{os.getuid()}"


def migrations_digest() -> str:
    """Digest of the Django version and every migration file of every installed app."""
    from django.db.migrations.loader import MigrationLoader

    digest = hashlib.sha256(django.get_version().encode())
    loader = MigrationLoader(None, ignore_no_migrations=True)
    files = sorted(
        {
            sys.modules[migration.__module__].__file__ or ""
            for migration in loader.disk_migrations.values()
        }
    )
    for name in files:
        digest.update(name.encode())
        digest.update(Path(name).read_bytes())
    return digest.hexdigest()[:16]


@contextlib.contextmanager
def _lock(name: str, *, wait: bool) -> Iterator[bool]:
    """An exclusive lock between processes; yields False when `wait` is off and it is taken."""
    CACHE.mkdir(mode=0o700, exist_ok=True)
    with open(CACHE / f"{name}.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _sqlite_template_path() -> Path:
    return CACHE / f"sqlite-{migrations_digest()}.sqlite3"


def _keep_sqlite(source: sqlite3.Connection, path: Path) -> None:
    """Write `source` to `path` whole (no WAL beside it), atomically."""
    partial = path.with_suffix(f".{os.getpid()}.partial")
    target = sqlite3.connect(partial)
    try:
        source.backup(target)
        target.execute("PRAGMA journal_mode=DELETE")
    finally:
        target.close()
    os.replace(partial, path)


def sqlite_template() -> Path:
    """The migrated SQLite template file, built now (in a subprocess) if no run has built it."""
    path = _sqlite_template_path()
    if path.exists():
        return path
    with _lock(path.name, wait=True):
        if path.exists():
            return path
        partial = path.with_suffix(f".{os.getpid()}.migrating")
        env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
        env.update(
            DJANGO_SETTINGS_MODULE="config.settings.test", DATABASE_URL=f"sqlite:///{partial}"
        )
        subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "migrate", "--no-input", "-v", "0"],
            cwd=ROOT,
            env=env,
            check=True,
            timeout=600,
        )
        source = sqlite3.connect(partial)
        try:
            _keep_sqlite(source, path)
        finally:
            source.close()
        for leftover in CACHE.glob(f"{partial.name}*"):
            leftover.unlink()
    return path


def copy_sqlite_template(target: Path) -> Path:
    """A migrated SQLite database at `target`, for another deployment started by a test."""
    shutil.copyfile(sqlite_template(), target)
    return target


def _point_at(connection: Any, name: str) -> None:
    connection.close()
    settings.DATABASES[connection.alias]["NAME"] = name
    connection.settings_dict["NAME"] = name


def _finish(connection: Any) -> None:
    """What Django's create_test_db does after migrating."""
    from django.core.management import call_command

    call_command("createcachetable", database=connection.alias)
    connection.ensure_connection()


def _create_sqlite(connection: Any, verbosity: int) -> bool:
    creation = connection.creation
    test_name = creation._get_test_db_name()
    if not creation.is_in_memory_db(test_name):
        return False
    path = _sqlite_template_path()
    if path.exists():
        _point_at(connection, test_name)
        connection.ensure_connection()
        source = sqlite3.connect(path)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
        _finish(connection)
        return True
    creation.create_test_db(verbosity=verbosity, autoclobber=True, serialize=False)
    with _lock(path.name, wait=False) as mine:
        if mine and not path.exists():
            _keep_sqlite(connection.connection, path)
    return True


def _create_postgresql(connection: Any, verbosity: int, old_name: str) -> bool:
    from django.core.management import call_command

    creation = connection.creation
    quote = connection.ops.quote_name
    test_name = creation._get_test_db_name()
    prefix = f"test_{old_name}_tpl_"
    template = f"{prefix}{migrations_digest()}"
    if template in _databases(creation, prefix):
        with _lock(f"pg-{template}", wait=True):
            _clone(creation, quote, template, test_name)
    else:
        with _lock(f"pg-{template}", wait=False) as mine:
            if not mine:
                creation.create_test_db(verbosity=verbosity, autoclobber=True, serialize=False)
                return True
            existing = _databases(creation, prefix)
            if template not in existing:
                building = f"{template}_building"
                with creation._nodb_cursor() as cursor:
                    for stale in existing:
                        cursor.execute(f"DROP DATABASE IF EXISTS {quote(stale)}")
                    cursor.execute(f"CREATE DATABASE {quote(building)}")
                _point_at(connection, building)
                call_command(
                    "migrate",
                    verbosity=max(verbosity - 1, 0),
                    interactive=False,
                    database=connection.alias,
                    run_syncdb=True,
                )
                _point_at(connection, old_name)
                with creation._nodb_cursor() as cursor:
                    cursor.execute(f"ALTER DATABASE {quote(building)} RENAME TO {quote(template)}")
            _clone(creation, quote, template, test_name)
    _point_at(connection, test_name)
    _finish(connection)
    return True


def _databases(creation: Any, prefix: str) -> set[str]:
    with creation._nodb_cursor() as cursor:
        pattern = prefix.replace("\\", "\\\\").replace("_", "\\_").replace("%", "\\%") + "%"
        cursor.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", [pattern])
        return {row[0] for row in cursor.fetchall()}


def _clone(creation: Any, quote: Any, template: str, name: str) -> None:
    with creation._nodb_cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {quote(name)}")
        cursor.execute(f"CREATE DATABASE {quote(name)} TEMPLATE {quote(template)}")


def setup_databases(verbosity: int, aliases: set[str]) -> list[tuple[Any, str, bool]] | None:
    """The test database of the `default` alias from its template, as Django's setup_databases
    would leave it; None when this case is not ours (another alias, a mirror, kept databases)."""
    from django.db import connections

    if aliases != {"default"} or len(settings.DATABASES) != 1:
        return None
    connection = connections["default"]
    if connection.settings_dict.get("TEST", {}).get("MIGRATE") is False:
        return None
    old_name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        done = _create_sqlite(connection, verbosity)
    elif connection.vendor == "postgresql":
        done = _create_postgresql(connection, verbosity, old_name)
    else:
        done = False
    return [(connection, old_name, True)] if done else None
