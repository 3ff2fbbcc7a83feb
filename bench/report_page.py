"""The annual statistics report page of the demo county (decision 0275), against 300 ms.

    .venv/bin/python bench/report_page.py [--db DIR] [--rounds N]

Builds the demo county once into DIR (default /tmp/dangjian-bench-report; SQLite), or reuses
the database found there, migrating it first (`_setup.demo_county`), and as the county administrator, through Django's test client:

- counts the report as the page used to on every visit (`report_compute`, no cache);
- the first visit of the page: it queues the count and answers the progress page;
- the count as the worker runs it (`reports.tasks.report_run`, progress written per table);
- the page with the kept count (the figures, 统计于 …): median of N requests, with its queries;
- the exports of the kept count (.xlsx), which show the page's figures.

Each figure beside 300 ms and the ratio, the wall and the CPU time of this process, and the
load average before each: the machine may be shared, so read the wall clock with it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import demo_county, load_average

TARGET_MS = 300.0


def timed(call: Callable[[], object]) -> tuple[object, float, float]:
    started, cpu_started = time.perf_counter(), time.process_time()
    result = call()
    return (
        result,
        (time.perf_counter() - started) * 1000,
        (time.process_time() - cpu_started) * 1000,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=str(Path(tempfile.gettempdir()) / "dangjian-bench-report"))
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    import logging

    logging.disable(logging.WARNING)
    demo_county(args.db)
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import override_settings
    from django_tasks_db.models import DBTaskResult

    from dangjian.core.dates import today
    from dangjian.members.models import Member
    from dangjian.organizations.models import Organization
    from dangjian.reports import tasks as report_tasks
    from dangjian.reports.models import ReportRun
    from dangjian.reports.report import report_compute

    settings.ALLOWED_HOSTS = ["testserver"]
    county = Organization.objects.get(depth=0)
    ReportRun.objects.all().delete()
    DBTaskResult.objects.all().delete()
    client = Client()
    client.force_login(get_user_model().objects.get(username="county"))
    url = f"/reports/organizations/{county.pk}/report/"
    print(f"SQLite; {Member.objects.count()} members; {os.cpu_count()} cores; {today()}")

    def line(label: str, wall: float, cpu: float, extra: str = "") -> None:
        print(
            f"{label:<44} {wall:8.0f} ms wall {cpu:7.0f} ms CPU   /300: {wall / TARGET_MS:5.2f}"
            f"  {extra}"
        )

    print(f"\nload average before: {load_average()}")
    _r, wall, cpu = timed(lambda: report_compute(county, today()))
    line("the count itself (the page before, each visit)", wall, cpu)

    print(f"load average before: {load_average()}")
    response, wall, cpu = timed(lambda: client.get(url))
    body = response.content.decode()  # type: ignore[attr-defined]
    assert 'data-status="QUEUED"' in body, "the first visit should queue the count"
    line("first visit: queue the count, progress page", wall, cpu, "(cold process)")

    queued = DBTaskResult.objects.get(task_path="dangjian.reports.tasks.report_run")
    print(f"load average before: {load_average()}")
    _r, wall, cpu = timed(lambda: report_tasks.report_run.call(*queued.args_kwargs["args"]))
    line("the count in the worker (progress per table)", wall, cpu, "(not a page: no target)")

    print(f"load average before: {load_average()}")
    walls, cpus, queries = [], [], 0
    with override_settings(DEBUG=True):
        for _round in range(args.rounds):
            reset_queries()
            response, wall, cpu = timed(lambda: client.get(url))
            assert "统计于" in response.content.decode()  # type: ignore[attr-defined]
            walls.append(wall)
            cpus.append(cpu)
            queries = len(connection.queries)
    line(
        f"kept page, median of {args.rounds}",
        statistics.median(walls),
        statistics.median(cpus),
        f"max {max(walls):.0f} ms; {queries} queries",
    )

    print(f"load average before: {load_average()}")
    _r, wall, cpu = timed(lambda: client.get(url.replace("report/", "report.xlsx")))
    line("export .xlsx of the kept count", wall, cpu, "(a download: no target)")

    # The first visit again, in a warm process (the one above paid for loading templates).
    ReportRun.objects.all().delete()
    DBTaskResult.objects.all().delete()
    print(f"load average before: {load_average()}")
    response, wall, cpu = timed(lambda: client.get(url))
    assert 'data-status="QUEUED"' in response.content.decode()  # type: ignore[attr-defined]
    line("first visit again, warm process", wall, cpu)
    print(f"load average after:  {load_average()}")


if __name__ == "__main__":
    main()
