"""Build a province for the load test (`bench/load.py`) on PostgreSQL.

    DATABASE_URL='postgresql:///h20province_p?host=/var/run/postgresql' \\
        .venv/bin/python bench/province_build.py --factor 0.05

What is in it, honestly:
- One county with its whole history: the demo county itself (`dangjian demo`: 28,682 members,
  memberships over time, activities with their rolls, the dues ledger, transfers, alerts,
  assessment, recruitment, leadership…), built once through the services into a database of
  its own (`--county-db`, default `<name>_county`, kept for the next run) and copied as the
  template of the province (CREATE DATABASE … TEMPLATE: a file copy). It is moved under the
  province's first city. Its logins are the demo's (county, township, branch, observer, member;
  password `dangjian-demo-2026`), and this script adds `city` and `province`, administrators of
  the first city and of the province, with the same password.
- Every other county (148 at `--factor 1.0`) is written with COPY by `province.py`:
  organizations (province → 14 cities → counties → 40 committees, 24 general branches, about
  1,356 branches of about 20 members), members, one current membership each and a secretary
  per branch, no history. The committee pages of the city and the province therefore count
  4.3 million members and 212,000 organizations, while the activity, dues and transfer figures
  above the county are those of the one county that has them. Full history for 149 counties
  would be about 149 times the one county's database (printed below) and hours of service
  calls on a 2-core machine shared with five others: not done.
- The figure cache is warmed as the worker does (`reports.figures_warm`; `--no-warm` leaves it
  to the pages and `dangjian worker`: at this size it takes longer than the build), and the
  planner's statistics refreshed (ANALYZE).

Prints the seconds per phase, rows and seconds of COPY per table, this process's CPU time
besides wall time, the load average before, and the sizes on disk. The database named in
DATABASE_URL is dropped and created again: give it a name of its own. The keys are those of
var/secrets.json (the development keys that load.py passes to the production settings).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from province import COUNTIES_AT_FULL_SIZE, ProvinceWriter, counties_for  # noqa: E402

PASSWORD = "dangjian-demo-2026"  # noqa: S105 — the demo's published password


def _db_name(url: str) -> str:
    return url.split("///", 1)[1].split("?", 1)[0]


def _url_for(url: str, name: str) -> str:
    before, after = url.split("///", 1)
    rest = after.split("?", 1)
    return f"{before}///{name}" + (f"?{rest[1]}" if len(rest) > 1 else "")


def _admin(url: str) -> psycopg.Connection:
    return psycopg.connect(url, dbname="postgres", autocommit=True)


def _size(url: str, name: str) -> int:
    with _admin(url) as conn:
        return int(conn.execute("SELECT pg_database_size(%s)", [name]).fetchone()[0])  # type: ignore[index]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--factor", type=float, default=0.05, help="share of the province (1.0 = 149 counties)"
    )
    parser.add_argument("--county-db", default="", help="the demo county's database (template)")
    parser.add_argument("--rebuild-county", action="store_true", help="build the demo county again")
    parser.add_argument(
        "--no-warm",
        action="store_true",
        help="leave the figure cache cold (the pages and `dangjian worker` fill it)",
    )
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database of its own (it is dropped).")
    name = _db_name(url)
    county_db = args.county_db or f"{name}_county"
    os.environ["DANGJIAN_VAR_DIR"] = str(ROOT / "var")  # the keys load.py uses
    load_before = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    cpu_started = time.process_time()
    wall_started = time.perf_counter()
    phases: list[tuple[str, float]] = []
    print(f"# Province build, factor {args.factor}, load average before {load_before}")

    # 1. The demo county, with its history, once.
    with _admin(url) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [county_db]
        ).fetchone()
    if args.rebuild_county or not exists:
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, str(ROOT / "bench" / "demo_build.py")],
            env={**os.environ, "DATABASE_URL": _url_for(url, county_db)},
            check=True,
        )
        phases.append(("demo county (services, subprocess)", time.perf_counter() - started))
    else:  # a county built before: bring its schema up to date (rebuild for new demo data)
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, str(ROOT / "manage.py"), "migrate", "-v", "0"],
            env={
                **os.environ,
                "DATABASE_URL": _url_for(url, county_db),
                "DJANGO_SETTINGS_MODULE": "config.settings.dev",
            },
            check=True,
        )
        phases.append(("migrate the kept county", time.perf_counter() - started))
    county_bytes = _size(url, county_db)

    # 2. The province's database: a copy of the county's.
    started = time.perf_counter()
    with _admin(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{county_db}"')
    phases.append(("copy the county (CREATE DATABASE … TEMPLATE)", time.perf_counter() - started))

    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
    import django

    django.setup()
    import logging

    from django.contrib.auth import get_user_model
    from django.db import connection

    from dangjian.accounts import services as account_services
    from dangjian.accounts.choices import Role
    from dangjian.core import dbsettings
    from dangjian.core.dates import today
    from dangjian.core.models import Figure
    from dangjian.organizations.models import Organization
    from dangjian.reports.tasks import figures_warm

    logging.disable(logging.WARNING)
    counties, cities = counties_for(args.factor)
    demo_county = Organization.objects.get(depth=0)
    writer = ProvinceWriter(today())
    started = time.perf_counter()
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor, for COPY
        province, city_nodes = writer.top(cities)
        writer.flush(raw)
        # Move the demo county under the first city: its subtree's paths gain the prefix.
        prefix = city_nodes[0][1]
        cursor.execute(
            "UPDATE organizations_organization SET path = %s || substr(path, 2), depth = depth + 2 "
            "WHERE path LIKE %s",
            [prefix, demo_county.path + "%"],
        )
        cursor.execute(
            "UPDATE organizations_organization SET parent_id = %s WHERE id = %s",
            [city_nodes[0][0], demo_county.pk],
        )
        Figure.objects.all().delete()  # keyed by the old paths
        phases.append(("province, cities, move the county", time.perf_counter() - started))
        started = time.perf_counter()
        for c in range(1, counties):
            writer.county(city_nodes[c % cities], c + 1)
            writer.flush(raw)
            if c % 10 == 0 or c == counties - 1:
                print(
                    f"  县 {c + 1}/{counties}: {writer.written('member'):,} 名党员 (COPY), "
                    f"{writer.written('org'):,} 个组织, {time.perf_counter() - started:.0f} s",
                    flush=True,
                )
        writer.finish(cursor)
        copy_seconds = time.perf_counter() - started
        phases.append((f"{counties - 1} generated counties (COPY)", copy_seconds))
        started = time.perf_counter()
        cursor.execute("ANALYZE")
        phases.append(("ANALYZE", time.perf_counter() - started))

    # 3. Logins above the county, like the demo's.
    builder = get_user_model().objects.get(username="demo-builder")
    for username, display, organization_pk in (
        ("city", "第1市委组织部管理员", city_nodes[0][0]),
        ("province", "示范省委组织部管理员", province[0]),
    ):
        account_services.user_create_with_role(
            actor=builder,
            username=username,
            password=PASSWORD,
            organization=Organization.objects.get(pk=organization_pk),
            role=Role.ADMINISTRATOR,
            display_name=display,
        )

    # 4. The figure cache, as the worker warms it (with parallel query, as `dangjian worker`).
    if not args.no_warm:
        started = time.perf_counter()
        dbsettings.allow_parallel_queries()
        warmed = figures_warm.call()
        dbsettings.disallow_parallel_queries()
        phases.append((f"figures_warm ({warmed} committees)", time.perf_counter() - started))

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM members_membership WHERE ended_on IS NULL AND is_latest"
        )
        members = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM organizations_organization")
        organizations = cursor.fetchone()[0]
        cursor.execute(
            "SELECT relname, pg_total_relation_size(c.oid) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' "
            "AND c.relkind = 'r' ORDER BY 2 DESC LIMIT 8"
        )
        biggest = cursor.fetchall()
    connection.close()
    wall = time.perf_counter() - wall_started
    cpu = time.process_time() - cpu_started
    province_bytes = _size(url, name)

    print()
    print(
        f"{counties} counties in {cities} cities: {members:,} current members, "
        f"{organizations:,} organizations"
    )
    print()
    print("| phase | seconds |")
    print("|---|---:|")
    for phase, seconds in phases:
        print(f"| {phase} | {seconds:.1f} |")
    print(f"| whole build (wall) | {wall:.1f} |")
    print(f"| whole build (CPU of this process) | {cpu:.1f} |")
    print(f"| of which building rows in Python | {writer.generate_seconds:.1f} |")
    print()
    print("| table (COPY) | rows | seconds | rows/s |")
    print("|---|---:|---:|---:|")
    for table, rows, seconds in writer.timings():
        rate = rows / seconds if seconds else 0
        print(f"| {table} | {rows:,} | {seconds:.1f} | {rate:,.0f} |")
    print()
    print(
        f"one county with its history ({county_db}): {county_bytes / 1e9:.2f} GB on disk; "
        f"× {COUNTIES_AT_FULL_SIZE} ≈ {county_bytes * COUNTIES_AT_FULL_SIZE / 1e9:.0f} GB "
        "for a province of such counties (not built)"
    )
    print(
        f"this province ({name}): {province_bytes / 1e9:.2f} GB; biggest tables: "
        + ", ".join(f"{t} {b / 1e6:.0f} MB" for t, b in biggest)
    )
    if counties < COUNTIES_AT_FULL_SIZE:
        per_county = copy_seconds / max(1, counties - 1)
        print(
            f"at factor 1.0 the COPY phase would take ≈ {per_county * (COUNTIES_AT_FULL_SIZE - 1):.0f} s "
            "if linear (extrapolated, not measured)"
        )
    print(f"logins: branch, township, county (demo), city, province; password {PASSWORD}")


if __name__ == "__main__":
    main()
