"""`selectors.members_owing` (the dashboard's set-based read) gives exactly the members whose
`dues_accounts` show arrears, and `selectors.organization_report` (read in aggregate, decision
0210) gives every figure the accounts give, on random profiles, ledgers, payments and removals."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from dangjian.dues import rules, selectors, services
from dangjian.dues.choices import DuesCategory
from dangjian.members import services as member_services
from dangjian.members.choices import HowRemoved
from dangjian.members.models import Member, Membership
from dangjian.organizations.models import Organization
from dangjian.site.testing import build_member, system_user

from .conftest import TODAY, generate, pay

MONTHS = rules.months_between(dt.date(2025, 10, 1), dt.date(2026, 11, 1))


def _scenario(county: Any, seed: int) -> None:
    """Random dues history for the county's members, through the services."""
    rng = random.Random(seed)
    actor = system_user()
    members = list(Member.objects.order_by("pk"))
    for member in members:
        if rng.random() < 0.15:
            continue  # no dues profile at all
        for start in sorted(rng.sample(MONTHS[:10], rng.choice((1, 1, 2)))):
            category = rng.choice(
                (DuesCategory.EMPLOYED, DuesCategory.RETIRED, DuesCategory.STUDENT)
            )
            reduced = rng.random() < 0.1
            try:
                with transaction.atomic():
                    services.profile_set(
                        actor=actor,
                        member=member,
                        category=category,
                        base=None
                        if category == DuesCategory.STUDENT
                        else Decimal(rng.choice(("2800", "3200", "5000.01", "12000"))),
                        effective_from=start,
                        reduced_amount=Decimal(rng.choice(("0", "1.00"))) if reduced else None,
                        reduction_decision="支委会决定" if reduced else "",
                        reduction_approved_by="县委组织部" if reduced else "",
                    )
            except ValidationError:
                continue  # before the member joined: the rules refuse it
    # Some months generated (some before the payments, some after), payments of whole months,
    # parts of a month and advance payments, and a member leaving.
    generated = sorted(rng.sample(MONTHS, rng.randint(0, len(MONTHS))))
    if seed % 2:
        generated = MONTHS  # an unbroken ledger: the report's sums in SQL (decision 0210)
    early = generated[: len(generated) // 2]
    generate(county, *early)
    for member in members:
        for _n in range(rng.randint(0, 3)):
            amount = rng.choice(("32.00", "15.00", "7.50", "100.00", "0.50", "400.00"))
            paid_on = dt.date(2026, rng.randint(1, 11), rng.randint(1, 14))
            try:
                with transaction.atomic():
                    pay(member, amount, paid_on)
            except ValidationError:
                continue  # a payment the rules refuse is no history
    generate(county, *generated[len(generated) // 2 :])
    if rng.random() < 0.5:
        member_services.member_remove(
            actor=actor,
            member=rng.choice(members),
            how_removed=HowRemoved.DIED,
            on=dt.date(2026, rng.randint(1, 10), 1),
            reason="病故",
        )


@pytest.mark.parametrize("seed", range(12))
def test_the_aggregate_read_equals_the_accounts(county: Any, frozen: None, seed: int) -> None:
    _scenario(county, seed)
    ids = list(Membership.objects.values_list("member_id", flat=True).distinct())
    for on in (dt.date(2026, 3, 31), dt.date(2026, 6, 15), dt.date(2026, 10, 31), TODAY):
        slow = {m for m, a in selectors.dues_accounts(ids, on=on).items() if a.arrears}
        fast = selectors.members_owing(Membership.objects.values("member_id"), on=on)
        assert fast == slow, (seed, on)
        for organization, month in ((county.county, None), (county.east, 10), (county.west, None)):
            report = selectors.organization_report(organization, 2026, month, on=on)
            assert _figures(report) == _figures_from_accounts(report), (seed, on, organization)


def _figures(report: selectors.Report) -> tuple[Any, ...]:
    return (
        report.due,
        report.members_due,
        [(m, due) for m, due, _collected in report.by_month],
        sorted(map(repr, report.arrears)),
    )


def _figures_from_accounts(report: selectors.Report) -> tuple[Any, ...]:
    """The report's due and arrears with every candidate's account taken (what the report
    computed before decision 0210)."""
    organization, first = report.organization, report.first_month
    period_end = rules.month_end(report.last_month)
    candidates = (
        Membership.objects.within(organization)
        .filter(started_on__lte=period_end)
        .exclude(ended_on__lt=first)
        .values_list("member_id", flat=True)
    )
    names = dict(Organization.objects.under(organization.path).values_list("pk", "name"))
    last_open = min(report.last_month, rules.month_of(report.as_of))
    got = selectors._report_from_accounts(candidates, first, last_open, report.as_of, set(names))
    members = dict(Member.objects.values_list("pk", "name"))
    rows = [
        selectors.account_row(account, members[pk], names[home or 0])
        for pk, (account, home) in got.owing.items()
    ]
    months = rules.months_between(first, report.last_month)
    by_month = [(m, got.due_by_month.get(m, Decimal(0)).quantize(rules.FEN)) for m in months]
    return (
        sum((due for _m, due in by_month), Decimal(0)).quantize(rules.FEN),
        len(got.members_due),
        by_month,
        sorted(map(repr, rows)),
    )


def test_the_aggregate_read_counts_no_query_per_member(county: Any, frozen: None) -> None:
    """The dashboard's dues figure reads the same number of queries for 6 members and 26."""

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            selectors.settled_dashboard(county.county, TODAY)
        return len(captured)

    _scenario(county, 3)
    small = queries()
    for n in range(20):
        member = build_member(organization=county.east_village, name=f"党员{n}")
        services.profile_set(
            actor=system_user(),
            member=member,
            category=DuesCategory.EMPLOYED,
            base=Decimal("3200"),
            effective_from=dt.date(2026, 1, 1),
        )
        pay(member, "32.00", dt.date(2026, 2, 1))
    generate(county, dt.date(2026, 9, 1))
    assert selectors.settled_dashboard(county.county, TODAY)["members"] >= 25
    assert queries() == small


def test_the_report_page_counts_no_query_per_member(client: Any, county: Any, frozen: None) -> None:
    """The county's dues report counted afresh (`?refresh=1`) reads no more queries for 26
    members than for 6, with members whose account is their ledger and members whose account
    needs taking; read from the figure cache (decision 0260) it reads no more than the page
    around it needs, whatever the members."""
    _scenario(county, 3)
    client.force_login(county.county_admin)
    url = f"/dues/org/{county.county.pk}/report/?year=2026"

    def queries(query: str = "&refresh=1") -> tuple[int, Any]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url + query)
        assert response.status_code == 200
        return len(captured), response

    small, _response = queries()
    small_cached, _response = queries("")
    for n in range(20):
        member = build_member(organization=county.east_village, name=f"党员{n}")
        services.profile_set(
            actor=system_user(),
            member=member,
            category=DuesCategory.EMPLOYED,
            base=Decimal("3200"),
            effective_from=dt.date(2026, 1, 1),
        )
        pay(member, "32.00", dt.date(2026, 2, 1))
    generate(county, *MONTHS[3:])
    many, response = queries()
    assert response.context["report"].members_due >= 25
    many_cached, _response = queries("")
    assert many <= small <= 16
    assert many_cached <= small_cached <= 6
