"""A real `dangjian worker` process beside a test, on the test's own data.

On PostgreSQL the process connects to the test database itself. SQLite's test database lives in
this process's memory, so it is copied to a file (VACUUM INTO) for the worker, and copied back
(the backup API) once the worker has stopped, for the test to read what the worker did.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.db import connection

ROOT = Path(settings.BASE_DIR)
START = """
import django, importlib, sys
django.setup()
if "{preload}":
    importlib.import_module("{preload}")
from django.core.management import execute_from_command_line
execute_from_command_line(["dangjian", *sys.argv[1:]])
"""


def _database_url(tmp_path: Path) -> str:
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        host = db.get("HOST") or "/var/run/postgresql"
        user = quote(db.get("USER") or "")
        password = ":" + quote(db["PASSWORD"]) if db.get("PASSWORD") else ""
        at = f"{user}{password}@" if user else ""
        port = f"&port={db['PORT']}" if db.get("PORT") else ""
        return f"postgresql://{at}/{db['NAME']}?host={quote(host)}{port}"
    path = tmp_path / "worker.sqlite3"
    path.unlink(missing_ok=True)
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM INTO %s", [str(path)])
    return f"sqlite:///{path}"


def _read_back(url: str) -> None:
    """SQLite: the worker's file becomes the test's database again."""
    if not url.startswith("sqlite:///"):
        return
    source = sqlite3.connect(url.removeprefix("sqlite:///"))
    try:
        connection.ensure_connection()
        source.backup(connection.connection)
    finally:
        source.close()


class WorkerProcess:
    def __init__(self, process: subprocess.Popen[str], url: str, log: Path) -> None:
        self.process = process
        self.url = url
        self.log = log

    def output(self) -> str:
        return self.log.read_text()

    def wait_for(self, predicate: Callable[[], bool], seconds: float = 60) -> None:
        """Poll (on SQLite, the worker's file through the stdlib) until `predicate()` holds."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError("the worker stopped early:\n" + self.output())
            if predicate():
                return
            time.sleep(0.05)
        raise AssertionError(f"not reached in {seconds} s:\n" + self.output())

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """A read of the worker's database while it runs (the test's own connection on
        PostgreSQL; the file, read-only, on SQLite)."""
        if self.url.startswith("sqlite:///"):
            path = self.url.removeprefix("sqlite:///")
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)
            try:
                return db.execute(sql, params).fetchall()
            except sqlite3.OperationalError:
                return []  # locked by the worker's write: ask again
            finally:
                db.close()
        with connection.cursor() as cursor:
            cursor.execute(sql.replace("?", "%s"), params)
            return list(cursor.fetchall())

    def signal(self, signum: int) -> None:
        self.process.send_signal(signum)


@contextmanager
def worker_process(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None, preload: str = ""
) -> Iterator[WorkerProcess]:
    """Start `dangjian worker ARGS` on the test's data; stop it (SIGKILL if it is still running)
    and give its writes back to the test when the block ends. `preload` names a module the
    process imports first (a test's instrumentation)."""
    url = _database_url(tmp_path)
    log = tmp_path / "worker.log"
    child_env = {**os.environ, **(env or {})}
    child_env.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DANGJIAN_VAR_DIR=str(settings.VAR_DIR),
        PYTHONUNBUFFERED="1",
    )
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                START.format(preload=preload),
                "worker",
                "--interval",
                "0.1",
                *args,
            ],
            cwd=ROOT,
            env=child_env,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
    worker = WorkerProcess(process, url, log)
    try:
        yield worker
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        _read_back(url)
