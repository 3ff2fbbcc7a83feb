"""Transfers and mobile members: the cost of each workflow step, of a signed package, and of
the mobile-member lists, on a fresh database. Prints figures and ratios; not a timed test.

    .venv/bin/python bench/transfers.py --transfers 200 --outflows 5000
    DATABASE_URL=postgresql:///dj_bench_transfers?host=/var/run/postgresql .venv/bin/python bench/transfers.py

The machine may be shared: compare the ratios more than the absolute figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import fresh_database


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--transfers", type=int, default=200, help="transfers walked through")
    parser.add_argument("--outflows", type=int, default=5000, help="mobile members created")
    parser.add_argument("--archive", type=int, default=200, help="archive entries in a package")
    args = parser.parse_args()
    backend = fresh_database()

    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from dangjian.core.dates import today
    from dangjian.members import services as member_services
    from dangjian.members.idnumbers import make_id_number
    from dangjian.members.models import ArchiveEntry
    from dangjian.organizations.choices import OrgKind
    from dangjian.site.testing import build_org, member_record, system_user
    from dangjian.transfers import exchange, package, selectors, services
    from dangjian.transfers.choices import OutflowReason, TransferKind
    from dangjian.transfers.models import Outflow

    call_command("migrate", verbosity=0)
    actor = system_user()
    county = build_org(name="县委", kind=OrgKind.LOCAL_COMMITTEE)
    town = build_org(name="镇党委", kind=OrgKind.PARTY_COMMITTEE, parent=county)
    branches = [build_org(name=f"第{i}党支部", parent=town) for i in range(10)]
    people = max(args.transfers, args.outflows)
    entries = [
        member_services.NewMember(
            organization=branches[i % len(branches)],
            data=member_record(
                name=f"党员{i}", birth_date=dt.date(1960, 1, 1) + dt.timedelta(days=i)
            ),
            id_number=make_id_number("110101", dt.date(1960, 1, 1) + dt.timedelta(days=i), 7, "1"),
            started_on=dt.date(2020, 1, 1),
        )
        for i in range(people)
    ]
    members = member_services.member_bulk_create(actor=actor, entries=entries)
    print(f"backend: {backend}; {people} members in {len(branches)} branches")

    steps: dict[str, list[float]] = {}
    queries: dict[str, int] = {}
    for i, member in enumerate(members[: args.transfers]):
        target = branches[(i + 1) % len(branches)]
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            transfer = services.transfer_create(
                actor=actor, member=member, kind=TransferKind.WITHIN, to_organization=target
            )
        steps.setdefault("create", []).append(time.perf_counter() - started)
        queries["create"] = len(captured)
        walk: list[tuple[str, Callable[..., Any]]] = [
            ("submit", services.transfer_submit),
            ("approve", services.transfer_approve),
            ("issue", functools.partial(services.transfer_issue, dues_paid_until="2026-09")),
            ("receive", services.transfer_receive),
        ]
        for name, step in walk:
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as captured:
                step(actor=actor, transfer=transfer)
            steps.setdefault(name, []).append(time.perf_counter() - started)
            queries[name] = len(captured)
    print(f"\nworkflow, {args.transfers} transfers (median ms, queries per step):")
    for name, times in steps.items():
        print(f"  {name:8} {statistics.median(times) * 1000:7.2f} ms  {queries[name]:3d} queries")
    total = sum(statistics.median(t) for t in steps.values())
    print(f"  whole workflow ≈ {total * 1000:.1f} ms per transfer")

    # A package for a member with a long archive.
    member = members[-1]
    ArchiveEntry.objects.bulk_create(
        [
            ArchiveEntry(member=member, kind="UPDATED", summary=f"变更 {i}")
            for i in range(args.archive)
        ]
    )
    outbound = services.transfer_create(
        actor=actor,
        member=member,
        kind=TransferKind.OUTBOUND,
        counterpart_issuer="CN-OTHER",
        counterpart_organization="某党支部",
    )
    services.transfer_submit(actor=actor, transfer=outbound)
    services.transfer_approve(actor=actor, transfer=outbound)
    services.transfer_issue(actor=actor, transfer=outbound, dues_paid_until="2026-09")
    started = time.perf_counter()
    document = exchange.transfer_package_export(actor=actor, transfer=outbound)
    exported = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(20):
        package.verify_document(document, package.PACKAGE_FORMAT)
    verified = (time.perf_counter() - started) / 20
    size = len(package.dumps(document))
    print(
        f"\npackage with {args.archive + 1}+ archive entries: {size / 1024:.1f} KiB, "
        f"export {exported * 1000:.1f} ms, verify {verified * 1000:.2f} ms "
        f"(export/verify {exported / verified:.0f}×)"
    )

    # Mobile members: the lists alerts and pages read.
    on = today()
    Outflow.objects.bulk_create(
        [
            Outflow(
                member=m,
                home_organization=branches[i % len(branches)],
                region_code=["440300", "350200", "330200"][i % 3],
                left_on=on - dt.timedelta(days=400),
                reason=OutflowReason.WORK,
                last_contact_on=on - dt.timedelta(days=30 + (i % 300)),
            )
            for i, m in enumerate(members[: args.outflows])
        ],
        batch_size=2000,
    )
    reset_queries()
    timings = []
    for _ in range(10):
        started = time.perf_counter()
        quiet = selectors.mobile_members_not_heard_from(county, on).count()
        timings.append(time.perf_counter() - started)
    by_province = []
    for _ in range(10):
        started = time.perf_counter()
        selectors.outflow_counts_by_province(user=actor)
        by_province.append(time.perf_counter() - started)
    print(
        f"\n{args.outflows} mobile members: not heard from in 6 months = {quiet}; "
        f"count {statistics.median(timings) * 1000:.2f} ms; by province "
        f"{statistics.median(by_province) * 1000:.2f} ms"
    )


if __name__ == "__main__":
    main()
