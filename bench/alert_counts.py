"""Open alerts by rule on the demo county, and the dues figures a county reads, on two days.

    .venv/bin/python bench/alert_counts.py                      # SQLite in a temporary directory
    DATABASE_URL=postgresql:///dj_alerts?host=/var/run/postgresql .venv/bin/python bench/alert_counts.py

Builds the demo county into a fresh database (`_setup.demo_county`: dated today; its alerts
step runs the engine on that day), counts the open alerts by rule, then runs the engine again on
a later day (default 2026-12-15; give one after today) and counts again, as a county that
stopped entering data would. The dues lines count members with 6 or more consecutive months unpaid as the alert, the county
report and the dashboard see them on that day.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import demo_county


def open_by_rule() -> Counter[str]:
    from dangjian.alerts.models import Alert, AlertStatus

    return Counter(
        Alert.objects.filter(status=AlertStatus.OPEN).values_list("rule", flat=True).iterator()
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "later", nargs="?", type=dt.date.fromisoformat, default=dt.date(2026, 12, 15)
    )
    later = parser.parse_args().later
    county_built = demo_county()
    built = county_built.report
    assert built is not None  # a fresh database: always built
    import time_machine

    from dangjian.alerts.services import alerts_recompute
    from dangjian.dues import selectors as dues
    from dangjian.organizations.models import Organization

    county = Organization.objects.get(parent__isnull=True)
    at_reference = open_by_rule()
    with time_machine.travel(dt.datetime.combine(later, dt.time(12)), tick=False):
        alerts_recompute(root=county, on=later)
        at_later = open_by_rule()
        art9 = dues.members_with_unpaid_months(county, later)
        report = dues.organization_report(county, later.year)
        dashboard = dues.settled_dashboard(county, later)
    print(f"database  {county_built.backend}")
    print(f"| rule | open on {built.day} | open on {later} |")
    print("|---|---:|---:|")
    for rule in sorted(set(at_reference) | set(at_later)):
        print(f"| {rule} | {at_reference[rule]} | {at_later[rule]} |")
    print(f"| total | {sum(at_reference.values())} | {sum(at_later.values())} |")
    print()
    print(f"dues on {later}:")
    print(f"  6+ consecutive months unpaid (alert input)   {len(art9)}")
    print(
        "  county report, members owing 6+ months      "
        f"{sum(1 for r in report.arrears if r.unpaid_months >= 6)}"
    )
    print(f"  county report, members owing anything       {len(report.arrears)}")
    print(f"  dashboard month {dashboard.get('month')}, members owing  {dashboard.get('owing')}")


if __name__ == "__main__":
    main()
