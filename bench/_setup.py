"""Shared start of the benchmarks, outside the test runner: Django on a fresh database
(`fresh_database`), or on one holding the demo county, built once or fresh (`demo_county`)."""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dangjian.site.demo import Report

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


ROOT = Path(__file__).resolve().parent.parent


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, to print beside a figure: the machine may be
    shared, and then its wall-clock figures are the noisier ones."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def machine_speed() -> str:
    """How fast this machine runs what the benchmarks are made of, to print beside their
    figures: sessions land on machines whose cores differ by two or three times (the same
    export ran 41,500 rows/s on one and 15,600 on another), and a figure read against its
    target means little without the machine's own speed. Two fixed pieces of work, about a
    second together, timed by CPU time of this process:

    - Python: the interpreter's own speed, a loop building and reading small tuples and dicts
      (what rows, cells and the ORM are made of), in ns per iteration;
    - Fernet: the library's decryption of an 18-character token (one per ID number of an
      export), in µs.

    docs/deploy.md ("Load") records the line beside each run's figures."""
    from cryptography.fernet import Fernet

    def python_loop(n: int) -> float:
        started = time.process_time()
        total = 0
        for i in range(n):
            row = (i, "张三", i & 7)
            cells = {"n": row[0], "kind": row[2]}
            total += cells["n"] + len(row[1])
        return (time.process_time() - started) / n * 1e9

    fernet = Fernet(Fernet.generate_key())
    tokens = [fernet.encrypt(b"110101199003077678") for _ in range(5000)]

    def decrypt_all() -> float:
        started = time.process_time()
        for token in tokens:
            fernet.decrypt(token)
        return (time.process_time() - started) / len(tokens) * 1e6

    python_ns = min(python_loop(500_000) for _ in range(3))
    fernet_us = min(decrypt_all() for _ in range(3))
    return f"machine: Python {python_ns:.0f} ns a loop, Fernet decrypt {fernet_us:.1f} µs a token"


def production_environment(database_url: str, allowed_hosts: str) -> dict[str, str]:
    """The variables of the production settings with the development keys of var/secrets.json
    on `database_url`, as bench/load.py and bench/county_pages.py run them (var/bench-prod as
    the var directory)."""
    secrets = json.loads((ROOT / "var" / "secrets.json").read_text())
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "DJANGO_SECRET_KEY": secrets["secret_key"],
        "DJANGO_ALLOWED_HOSTS": allowed_hosts,
        "DATABASE_URL": database_url,
        "DANGJIAN_FIELD_ENCRYPTION_KEYS": secrets["field_key"],
        "DANGJIAN_LOOKUP_KEY": secrets["lookup_key"],
        "DANGJIAN_ISSUER": "CN-BENCH",
        "DANGJIAN_SIGNING_KEYS": secrets["signing_key"],
        "DANGJIAN_VAR_DIR": str(ROOT / "var" / "bench-prod"),
    }


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


@dataclass
class DemoCounty:
    """What `demo_county` set up."""

    backend: str  # "SQLite", "SQLite (reused)" or "PostgreSQL"
    report: Report | None  # the build's counts, timing and day; None when reused
    migrate_seconds: float  # the migration before the build (or of the reused database)
    load_before: float  # the 1-minute load average just before the build (or the reuse)


def demo_county(
    var_dir: str = "",
    *,
    small: bool = False,
    progress: Callable[[str], None] | None = None,
    on: dt.date | None = None,
) -> DemoCounty:
    """Django set up on a migrated database holding the demo county, for the benchmarks.

    With `var_dir`: SQLite in that directory (made if missing; DATABASE_URL is not read), kept
    between runs: the county is built there when the database holds no organization yet, which
    prints "built the demo county in N s", and reused as it is otherwise (migrated first).
    Without: a fresh database (`fresh_database`: a temporary SQLite file, or the PostgreSQL
    database of DATABASE_URL dropped and created) and the county built into it, silently.

    `small` (the small county the tests build instead of the full one), `progress` and `on`
    (the clock on that day while it builds, with time-machine) go to the build; a reused county
    ignores them.
    """
    if var_dir:
        Path(var_dir).mkdir(parents=True, exist_ok=True)
        os.environ["DANGJIAN_VAR_DIR"] = var_dir
        os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
        os.environ.pop("DATABASE_URL", None)
        import django

        django.setup()
        backend = "SQLite"
    else:
        backend = fresh_database()
    from django.core.management import call_command

    from dangjian.organizations.models import Organization
    from dangjian.site import demo

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrate_seconds = time.perf_counter() - started
    load_before = os.getloadavg()[0]
    if var_dir and Organization.objects.exists():
        return DemoCounty(f"{backend} (reused)", None, migrate_seconds, load_before)
    with contextlib.ExitStack() as stack:
        if on is not None:
            import time_machine

            stack.enter_context(
                time_machine.travel(dt.datetime.combine(on, dt.time(10), dt.UTC), tick=True)
            )
        report = demo.build_demo_county(
            progress=progress or (lambda _step: None), size=demo.SMALL if small else demo.FULL
        )
    if var_dir:
        print(f"built the demo county in {report.seconds:.0f} s")
    return DemoCounty(backend, report, migrate_seconds, load_before)
