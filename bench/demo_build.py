"""Time the demo county build on the configured database and print the figures.

    .venv/bin/python bench/demo_build.py                      # SQLite in a temporary directory
    DATABASE_URL=postgresql:///dj_bench?host=/var/run/postgresql .venv/bin/python bench/demo_build.py

Builds into a fresh database (a temporary SQLite file, or a PostgreSQL database that is
dropped and created), then reports seconds per phase and rows per second.
"""

from __future__ import annotations

import itertools
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import fresh_database


def main() -> None:
    backend = fresh_database()
    from django.core.management import call_command

    from dangjian.site import demo

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrated = time.perf_counter()
    marks: list[tuple[str, float]] = []
    report = demo.build_demo_county(progress=lambda step: marks.append((step, time.perf_counter())))
    finished = time.perf_counter()
    print(f"database            {backend}")
    print(f"cores               {os.cpu_count()}")
    print(f"migrate             {migrated - started:6.1f} s")
    phases = [*marks, ("end", finished)]
    for (step, at), (_next, until) in itertools.pairwise(phases):
        print(f"  {step:<16} {until - at:6.1f} s")
    print(
        f"demo build          {report.seconds:6.1f} s  (target < 60 s: {report.seconds / 60:.2f} of it)"
    )
    print(f"members per second  {report.members / report.seconds:8.0f}")
    print(f"organizations       {report.organizations}")
    print(f"members             {report.members}")


if __name__ == "__main__":
    main()
