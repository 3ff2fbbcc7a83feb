"""Time the demo step of organizational life (dangjian.activities.demo) on its own.

    .venv/bin/python bench/activities_demo.py                    # builds the county, then times
    .venv/bin/python bench/activities_demo.py --var-dir /tmp/x   # reuse a county built there before
    .venv/bin/python bench/activities_demo.py --repeat 3

The base county is built once (that is the slow part; `_setup.demo_county`: with --var-dir
into SQLite there, migrated and reused on the next run; without, into a fresh database, the
PostgreSQL one of DATABASE_URL when set); the step is then run again on it after deleting what
a previous run wrote, and its time, row counts and rows per second are printed, with the
compliance roll-up for the county (the organization page's panel) timed too.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import itertools

from _setup import demo_county  # also puts this worktree first on sys.path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--var-dir", default="", help="keep (or reuse) the built county here")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    backend = demo_county(args.var_dir).backend

    from django.contrib.auth import get_user_model
    from django.db import transaction

    from dangjian.activities import demo as activities_demo
    from dangjian.activities import periods, selectors
    from dangjian.activities.models import Activity, Attendance
    from dangjian.core.dates import today
    from dangjian.core.extensions import DemoContext
    from dangjian.members.models import Member, Membership
    from dangjian.organizations.choices import BRANCH_KINDS, OrgKind
    from dangjian.organizations.models import Organization

    REFERENCE_DAY = today()

    county = Organization.objects.get(kind=OrgKind.LOCAL_COMMITTEE)
    branches = list(Organization.objects.filter(kind__in=BRANCH_KINDS).order_by("path"))
    by_branch: dict[int, list[Member]] = {}
    members = Member.objects.in_bulk()
    for member_id, org_id in Membership.objects.filter(ended_on__isnull=True).values_list(
        "member_id", "organization_id"
    ):
        by_branch.setdefault(org_id, []).append(members[member_id])
    builder = get_user_model().objects.filter(is_superuser=True).first()
    assert builder is not None, "no superuser: build the county first"
    print(f"database            {backend}")
    print(f"cores               {os.cpu_count()}")
    print(f"branches            {len(branches)}")
    print(f"members             {len(members)}")
    for run in range(args.repeat):
        with transaction.atomic():
            Attendance.objects.all().delete()
            Activity.objects.all().delete()
        marks: list[tuple[str, float]] = []

        def mark(step: str, marks: list[tuple[str, float]] = marks) -> None:
            marks.append((step, time.perf_counter()))

        context = DemoContext(
            builder=builder,
            reference_day=REFERENCE_DAY,
            county=county,
            branches=branches,
            members_by_branch=by_branch,
            progress=mark,
        )
        started = time.perf_counter()
        with transaction.atomic():
            marks.append(("计划", started))
            activities_demo.run(context)
        seconds = time.perf_counter() - started
        phases = [*marks, ("end", time.perf_counter())]
        for (step, at), (_next, until) in itertools.pairwise(phases):
            print(f"  {step:<24} {until - at:6.2f} s")
        rows = Activity.objects.count() + Attendance.objects.count()
        print(
            f"run {run + 1}: step {seconds:5.2f} s (budget 8 s: {seconds / 8:.2f} of it); "
            f"{Activity.objects.count()} activities, {Attendance.objects.count()} attendance rows, "
            f"{rows / seconds:,.0f} rows/s"
        )
    for label, period in (
        ("quarter", periods.quarter_of(REFERENCE_DAY - __import__("datetime").timedelta(days=1))),
        ("year", periods.year(REFERENCE_DAY.year)),
    ):
        started = time.perf_counter()
        result = selectors.compliance_rollup(county, period, on=REFERENCE_DAY)
        seconds = time.perf_counter() - started
        print(f"compliance {label:<8} {seconds * 1000:7.0f} ms  {result.sentence()}")
        print(f"  branches fully compliant {result.compliant_branches}/{result.branches}")
    started = time.perf_counter()
    missing = selectors.members_without_life(county, REFERENCE_DAY).count()
    print(
        f"no life in 6 months {missing} members ({(time.perf_counter() - started) * 1000:.0f} ms)"
    )


if __name__ == "__main__":
    main()
