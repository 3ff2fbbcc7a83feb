"""Export speed at county size (issue 20: ≥ 50,000 rows/s, "the same order as import").

    .venv/bin/python bench/exports.py [--db DIR] [--rounds N]

Builds the demo county once into DIR (default /tmp/dangjian-bench-exports; SQLite) or reuses
the database found there, migrating it first (`_setup.demo_county`), then writes, as the county administrator (every ID number revealed,
so every row is decrypted):

- the roster export, CSV and .xlsx, of every member (`exporting.write_members`, what the
  worker's producer runs), and the same through the whole background job (`exports.export_run`:
  the file sealed with Fernet too);
- the meetings ledger .xlsx of the county for this year (rows: activities held).

Each figure is the best of N rounds, in rows per second of CPU time (this process) and of wall
time, beside the 50,000 rows/s target and the ratio; the load average is printed before each
run: the machine may be shared, and then the wall-clock figures are the noisier ones.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import demo_county, load_average, machine_speed

TARGET = 50_000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=str(Path(tempfile.gettempdir()) / "dangjian-bench-exports"))
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    import logging

    logging.disable(logging.WARNING)
    demo_county(args.db)
    from django.contrib.auth import get_user_model

    from dangjian.accounts.scope import scope_for
    from dangjian.activities import ledger
    from dangjian.activities import services as activity_services
    from dangjian.core import exports
    from dangjian.core.dates import today
    from dangjian.core.models import ExportJob
    from dangjian.organizations.models import Organization
    from dangjian.roster import exporting
    from dangjian.roster import services as roster_services

    county = Organization.objects.get(depth=0)
    admin = get_user_model().objects.get(username="county")
    scope = scope_for(admin)
    year = today().year
    work = Path(tempfile.mkdtemp(prefix="bench-exports-"))

    def roster(file_format: str) -> Callable[[], int]:
        def run() -> int:
            queryset = exporting.member_export_queryset(admin, {})
            target = work / f"roster.{file_format}"
            return exporting.write_members(target, queryset, scope=scope, file_format=file_format)

        return run

    def job(file_format: str) -> Callable[[], int]:
        def run() -> int:
            queryset = exporting.member_export_queryset(admin, {})
            started = roster_services.member_export_start(
                actor=admin,
                params={},
                file_format=file_format,
                count=queryset.count(),
                file_name=f"bench.{file_format}",
            )
            done = exports.export_run(started.pk)
            assert done.status == "DONE", done.message
            ExportJob.objects.filter(pk=done.pk).delete()
            return done.total_rows

        return run

    def ledger_xlsx() -> int:
        body = ledger.ledger_xlsx(county, year)
        (work / "ledger.xlsx").write_bytes(body)
        return activity_services.ledger_size(organization=county, year=year)

    figures = [
        ("roster CSV", roster("csv")),
        ("roster .xlsx", roster("xlsx")),
        ("roster CSV, whole job", job("csv")),
        ("roster .xlsx, whole job", job("xlsx")),
        ("meetings ledger .xlsx", ledger_xlsx),
    ]
    print(f"SQLite; {os.cpu_count()} cores; best of {args.rounds}; county administrator")
    print(machine_speed())
    print(
        f"{'export':<26} {'rows':>7} {'cpu s':>6} {'wall s':>6} {'rows/s cpu':>10} "
        f"{'/50,000':>7} {'rows/s wall':>11} {'/50,000':>7}  load before"
    )
    for label, run in figures:
        before = load_average()
        best_cpu = best_wall = float("inf")
        rows = 0
        for _round in range(args.rounds):
            cpu, wall = time.process_time(), time.perf_counter()
            rows = run()
            best_cpu = min(best_cpu, time.process_time() - cpu)
            best_wall = min(best_wall, time.perf_counter() - wall)
        per_cpu, per_wall = rows / best_cpu, rows / best_wall
        print(
            f"{label:<26} {rows:7d} {best_cpu:6.2f} {best_wall:6.2f} {per_cpu:10,.0f} "
            f"{per_cpu / TARGET:7.2f} {per_wall:11,.0f} {per_wall / TARGET:7.2f}  {before}"
        )
    print(f"load average after: {load_average()}")


if __name__ == "__main__":
    main()
