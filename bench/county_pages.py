"""Time the slow county pages of issue 20 for the county administrator, against 300 ms.

    .venv/bin/python bench/county_pages.py [--db DIR] [--rounds N] [--only NAME] [--after-change]
    .venv/bin/python bench/county_pages.py --database-url postgresql:///NAME?host=... \
        --users county,city,province [--rounds N] [--after-change]

Builds the demo county once into DIR (default /tmp/dangjian-bench-county; SQLite), or reuses
the database found there (migrating it first; `_setup.demo_county`), signs in as the county administrator and
requests each page through Django's test client (no network, no browser): the figures are
server time. The first request of a page is printed apart (it may warm the figure cache); the
median is of the others. Each row prints the median wall-clock time and the median CPU time of
this process (the test client and SQLite run in it, so on a shared machine the CPU column is
the steadier one), each beside the 300 ms target and its ratio, the queries, the HTML size and
the load average before the row.

`--database-url` times a database built by `bench/province_build.py` instead (PostgreSQL,
migrated first, nothing built), with the production settings as `bench/load.py` runs them
(DEBUG off, the keys of var/secrets.json, static files collected into var/bench-prod once),
for each administrator of `--users` at their own top organization: the committee pages of a
county, a city and the province. Never point it at a database that is not yours: it migrates
it, and a visit writes the figure cache.

`--after-change` times each page again right after a change below the county (every figure
marked stale, or before decision 0283 deleted, by `figures.invalidate_all`, outside the timing):
what the first visitor after a secretary's write pays. Before decision 0283 that visit counted
the subtree; after it a big subtree's page shows the kept figure and queues one recount (the
bench runs no worker, so the queued recount stays queued).

The dues report is a cached figure (decision 0260): "dues report" reads it as a visitor does
after the worker warmed it; "dues report, counted" asks for a recount (`?refresh=1`) every
time, what the worker (or a visitor right after a change) pays. The dashboard's dues figure is
also timed directly, cache bypassed.
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

from _setup import demo_county, load_average, production_environment

TARGET_MS = 300.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=str(Path(tempfile.gettempdir()) / "dangjian-bench-county"))
    parser.add_argument("--database-url", default="")
    parser.add_argument("--users", default="county")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--only", default="")
    parser.add_argument("--after-change", action="store_true")
    args = parser.parse_args()
    import logging

    logging.disable(logging.WARNING)
    if args.database_url:
        os.environ.update(production_environment(args.database_url, "testserver"))
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        static = Path(os.environ["DANGJIAN_VAR_DIR"]) / "staticfiles" / "staticfiles.json"
        if not static.exists():
            call_command("collectstatic", "--no-input", verbosity=0)
    else:
        demo_county(args.db)
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import override_settings

    from dangjian.assessment.models import AssessmentRound
    from dangjian.core import figures
    from dangjian.core.dates import today
    from dangjian.dues import selectors as dues_selectors
    from dangjian.members.models import Member
    from dangjian.organizations.models import Organization

    settings.ALLOWED_HOSTS = ["testserver"]
    # The client signs in with force_login: the administrators' second factor is not asked
    # (its cost is the sign-in's, not the pages').
    settings.DANGJIAN_REQUIRE_TWO_FACTOR = False
    year = today().year
    database = "PostgreSQL, production settings" if args.database_url else "SQLite"
    print(
        f"{database}; {Member.objects.count()} members; {Organization.objects.count()} "
        f"organizations; {args.rounds} requests per page; {os.cpu_count()} cores; year {year}; "
        f"target {TARGET_MS:.0f} ms"
    )
    print(f"load average before: {load_average()}")
    print(
        f"{'page':<40} {'first ms':>8} {'median ms':>9} {'ratio':>6} {'cpu ms':>7} "
        f"{'ratio':>6} {'queries':>7} {'KB':>5}  load before"
    )

    def row(
        label: str,
        call: Callable[[], object],
        size: Callable[[object], int],
        setup: Callable[[], object] | None = None,
    ) -> None:
        before = load_average()
        timings, cpu, queries, kb = [], [], 0, 0
        for _round in range(args.rounds + 1):
            if setup is not None:
                setup()
            reset_queries()
            started, cpu_started = time.perf_counter(), time.process_time()
            result = call()
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
            queries = len(connection.queries)
            kb = size(result) // 1024
        median = statistics.median(timings[1:])
        cpu_median = statistics.median(cpu[1:])
        print(
            f"{label:<40} {timings[0]:8.0f} {median:9.0f} {median / TARGET_MS:6.2f} "
            f"{cpu_median:7.0f} {cpu_median / TARGET_MS:6.2f} {queries:7d} {kb:5d}  {before}",
            flush=True,
        )

    for username in args.users.split(","):
        user = get_user_model().objects.get(username=username)
        found = Organization.objects.tops(user).first()
        assert found is not None, username
        top: Organization = found
        prefix = f"{username}: " if args.database_url else ""
        round_ = AssessmentRound.objects.filter(committee=top).order_by("-pk").first()
        pages = [
            ("dues report", f"/dues/org/{top.pk}/report/"),
            ("dues report, counted", f"/dues/org/{top.pk}/report/?refresh=1"),
            ("home (dashboard)", "/"),
            ("compliance", f"/activities/compliance/{top.pk}/"),
            ("recruitment", f"/recruitment/?org={top.pk}"),
            ("organization page", f"/reports/organizations/{top.pk}/"),
        ]
        if round_ is not None:
            pages.insert(2, ("assessment round", f"/assessment/{round_.pk}"))
        pages = [p for p in pages if args.only in p[0]]
        client = Client()
        client.force_login(user)

        with override_settings(DEBUG=True):
            for label, path in pages:

                def get(path: str = path, client: Client = client) -> object:
                    response = client.get(path, secure=True)
                    assert response.status_code == 200, (path, response.status_code)
                    return response

                row(prefix + label, get, lambda r: len(r.content))  # type: ignore[attr-defined]
                if args.after_change and "counted" not in label:
                    row(
                        f"{prefix}{label}, after a change",
                        get,
                        lambda r: len(r.content),  # type: ignore[attr-defined]
                        setup=figures.invalidate_all,
                    )
            if not args.only or args.only in "dashboard dues figure":

                def dues_figure(top: Organization = top) -> object:
                    return dues_selectors.settled_dashboard(top, today())

                row(prefix + "dashboard dues figure", dues_figure, lambda _r: 0)
    print(f"load average after:  {load_average()}")


if __name__ == "__main__":
    main()
