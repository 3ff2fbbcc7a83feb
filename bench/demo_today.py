"""The demo county seen on a day: build time, open alerts by rule against docs/demo.md.

    .venv/bin/python bench/demo_today.py                  # built today (SQLite, temporary dir)
    .venv/bin/python bench/demo_today.py 2027-12-07       # built with the clock on that day
    .venv/bin/python bench/demo_today.py --small          # the small county the tests build
    DATABASE_URL=postgresql:///dj_demo_bench?host=/var/run/postgresql .venv/bin/python bench/demo_today.py

Builds the demo county into a fresh database (`_setup.demo_county`) with the clock on the day
(time-machine; no day given: today, on the real clock), prints the build time with the load
average, then the open alerts by rule (the demo's alerts step ran the engine on that day) next
to the counts docs/demo.md documents; the tests hold each within 10%. The full county a year ahead is checked here rather than in the suite (a minute to build).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import demo_county


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("day", nargs="?", type=dt.date.fromisoformat, help="default: today")
    parser.add_argument("--small", action="store_true", help="the small county the tests build")
    args = parser.parse_args()
    county = demo_county(small=args.small, on=args.day)
    assert county.report is not None  # a fresh database: always built
    backend, day, seconds = county.backend, county.report.day, county.report.seconds
    from dangjian.alerts.models import Alert, AlertStatus
    from dangjian.site import demo

    counts = Counter(
        Alert.objects.filter(status=AlertStatus.OPEN).values_list("rule", flat=True).iterator()
    )
    expected = {rule: pair[1 if args.small else 0] for rule, pair in demo.DELIBERATE_ALERTS.items()}
    size = "small" if args.small else "full"
    print(f"database {backend}, {size} county built on {day}: {seconds:.1f} s")
    print(f"load average before the build {county.load_before:.2f}, after {os.getloadavg()[0]:.2f}")
    print("| rule | open | documented | off by |")
    print("|---|---:|---:|---:|")
    for rule in sorted(set(counts) | set(expected)):
        documented = expected.get(rule, 0)
        off = (counts[rule] - documented) / documented if documented else float(counts[rule])
        print(f"| {rule} | {counts[rule]} | {documented} | {off:+.0%} |")
    print(f"| total | {sum(counts.values())} | {sum(expected.values())} | |")


if __name__ == "__main__":
    main()
