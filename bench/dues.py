"""Measure the dues work on a synthetic county: the demo step, ledger generation, 交至 for
everyone, the art. 9 list and the year report. Prints seconds and rows per second.

    .venv/bin/python bench/dues.py --members 5000          # SQLite in a temporary directory
    DATABASE_URL=postgresql:///dj_bench_dues?host=/var/run/postgresql .venv/bin/python bench/dues.py

The full demo county has 28,682 members (the default); use a smaller --members on a busy machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import fresh_database

BRANCH_SIZE = 34


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=28_682)
    args = parser.parse_args()
    backend = fresh_database()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from dangjian.core.extensions import DemoContext
    from dangjian.dues import demo, rules, selectors, services
    from dangjian.dues.models import LedgerEntry
    from dangjian.members import services as member_services
    from dangjian.members.choices import Occupation
    from dangjian.organizations.choices import OrgKind
    from dangjian.site.testing import build_org, member_record, new_id_number, system_user

    actor = system_user()
    county = build_org(name="县委", kind=OrgKind.LOCAL_COMMITTEE)
    branch_count = max(1, args.members // BRANCH_SIZE)
    branches = [build_org(name=f"第{i + 1}党支部", parent=county) for i in range(branch_count)]
    occupations = [Occupation.FARMER, Occupation.WORKER, Occupation.RETIRED, Occupation.OFFICIAL]
    entries = []
    for i in range(args.members):
        # ID numbers of the builders are unique per birth date for 500 people.
        born = dt.date(1960, 1, 1) + dt.timedelta(days=7 * (i // 500))
        record = member_record(
            occupation=occupations[i % 4], is_retired=i % 4 == 2, birth_date=born
        )
        entries.append(
            member_services.NewMember(
                organization=branches[i % branch_count],
                data=record,
                id_number=new_id_number(record["birth_date"], record["sex"]),
            )
        )
    created = member_services.member_bulk_create(actor=actor, entries=entries)
    by_branch: dict[int, list[Any]] = {}
    for entry, member in zip(entries, created, strict=True):
        by_branch.setdefault(entry.organization.pk, []).append(member)
    reference = dt.date(2026, 10, 1)
    context = DemoContext(
        builder=actor,
        reference_day=reference,
        county=county,
        branches=branches,
        members_by_branch=by_branch,
        progress=lambda _text: None,
    )
    figures: list[tuple[str, float, int]] = []

    def timed(label: str, rows: int, run: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        result = run()
        figures.append((label, time.perf_counter() - started, rows))
        return result

    timed("demo step (a year)", 0, lambda: demo.build(context))
    ledger_rows = LedgerEntry.objects.count()
    figures[-1] = (figures[-1][0], figures[-1][1], ledger_rows)
    october = dt.date(2026, 10, 1)
    timed(
        "ledger_generate month",
        args.members,
        lambda: services.ledger_generate(actor=actor, organization=county, month=october),
    )
    timed(
        "  again (idempotent)",
        args.members,
        lambda: services.ledger_generate(actor=actor, organization=county, month=october),
    )
    ids = [m.pk for m in created]
    timed("dues_paid_until_many", len(ids), lambda: selectors.dues_paid_until_many(ids))
    timed("dues_paid_until one", 1, lambda: selectors.dues_paid_until(created[0]))
    unpaid = timed(
        "members_with_unpaid 6",
        args.members,
        lambda: selectors.members_with_unpaid_months(county, reference),
    )
    report = timed(
        "organization_report year", ledger_rows, lambda: selectors.organization_report(county, 2026)
    )
    timed("member_dues page", 1, lambda: selectors.member_dues(created[-1]))
    print(f"database            {backend}")
    print(f"members             {args.members}  (branches {branch_count})")
    print(f"ledger rows         {ledger_rows}")
    for label, seconds, rows in figures:
        rate = f"{rows / seconds:10.0f} rows/s" if rows and seconds else ""
        print(f"{label:<26} {seconds:7.2f} s {rate}")
    print(f"6+ months unpaid    {len(unpaid)} ({len(unpaid) / args.members:.1%})")
    print(f"year due/collected  {report.due} / {report.collected}")
    print(f"first month         {rules.month_of(reference)}")


if __name__ == "__main__":
    main()
