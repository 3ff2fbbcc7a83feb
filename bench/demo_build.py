"""Time the demo county build on the configured database and print the figures.

    .venv/bin/python bench/demo_build.py                      # SQLite in a temporary directory
    DATABASE_URL=postgresql:///dj_bench?host=/var/run/postgresql .venv/bin/python bench/demo_build.py

Builds into a fresh database (a temporary SQLite file, or a PostgreSQL database that is
dropped and created; `_setup.demo_county`), then reports seconds per phase and rows per second.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import demo_county


def main() -> None:
    argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    ).parse_args()  # no options: --help only
    marks: list[tuple[str, float]] = []
    county = demo_county(progress=lambda step: marks.append((step, time.perf_counter())))
    finished = time.perf_counter()
    report = county.report
    assert report is not None  # a fresh database: always built
    print(f"database            {county.backend}")
    print(f"cores               {os.cpu_count()}")
    print(f"migrate             {county.migrate_seconds:6.1f} s")
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
