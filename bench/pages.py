"""Time the main pages against the full demo county and print medians and query counts.

    .venv/bin/python bench/pages.py                      # SQLite in a temporary directory
    DATABASE_URL=postgresql:///dj_bench?host=/var/run/postgresql .venv/bin/python bench/pages.py

Builds the demo county into a fresh database (`_setup.demo_county`, as bench/demo_build.py
does), signs in as the county administrator and as a township administrator, and requests each
page 15 times through Django's test client (no network, no browser): the figures are server time per page.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import demo_county

ROUNDS = 15


def main() -> None:
    argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    ).parse_args()  # no options: --help only
    import logging

    logging.disable(logging.WARNING)  # the expected 404s would flood the output
    backend = demo_county().backend

    from django.conf import settings
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import override_settings

    from dangjian.members.models import Member, Membership
    from dangjian.organizations.models import Organization

    settings.ALLOWED_HOSTS = ["testserver"]
    county = Organization.objects.get(depth=0)
    township = Organization.objects.get(name="梅江镇党委")
    member = Member.objects.filter(
        pk__in=Membership.objects.filter(organization__path__startswith=township.path).values(
            "member_id"
        )
    ).first()
    assert member is not None
    id_number = member.id_number
    pages = [
        ("home", "/"),
        ("organization tree", "/orgs/"),
        ("organization page (county)", f"/reports/organizations/{county.pk}/"),
        ("organization page (township)", f"/reports/organizations/{township.pk}/"),
        ("member list, page 1", "/members/"),
        ("member list, page 40", "/members/?page=40"),
        ("search 'zs' (initials)", "/members/?q=zs"),
        ("search 'zhang' (pinyin)", "/members/?q=zhang"),
        ("search by ID number", f"/members/?q={id_number}"),
        ("filter: 61+, junior high", "/members/?age_band=61-&education_band=JUNIOR_HIGH_AND_BELOW"),
        ("member page", f"/members/{member.pk}/"),
    ]
    print(f"database {backend}; {Member.objects.count()} members; {ROUNDS} requests per page")
    with override_settings(DEBUG=True):  # DEBUG collects the queries to count them
        for username in ("county", "township"):
            client = Client()
            client.force_login(demo_user(username))
            print(f"\nas {username}")
            print(f"  {'page':<32} {'median ms':>9} {'max ms':>7} {'queries':>7}")
            for label, path in pages:
                timings = []
                queries = 0
                for _round in range(ROUNDS):
                    reset_queries()
                    started = time.perf_counter()
                    response = client.get(path)
                    timings.append((time.perf_counter() - started) * 1000)
                    queries = len(connection.queries)
                status = response.status_code
                note = "" if status == 200 else f"  (HTTP {status}: out of scope)"
                print(
                    f"  {label:<32} {statistics.median(timings):9.1f} {max(timings):7.1f} "
                    f"{queries:7d}{note}"
                )


def demo_user(username: str) -> Any:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


if __name__ == "__main__":
    main()
