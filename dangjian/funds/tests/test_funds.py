"""Work funds: the ledger of an organization against its standard (members × yuan a year),
allocations and spending by category, the balance, the alert, the report's table; scope."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client, override_settings
from django.urls import reverse

from dangjian.alerts.engine import RULES
from dangjian.audit.models import AuditEvent
from dangjian.core.dates import today
from dangjian.funds import selectors, services
from dangjian.funds.choices import Category, EntryKind

YEAR = today().year
DAY = today()


def record(
    county: Any, organization: Any, kind: str, category: str, amount: str, on: Any = None
) -> Any:
    return services.entry_record(
        actor=county.east_admin,
        organization=organization,
        kind=kind,
        category=category,
        on=on or today(),
        amount=Decimal(amount),
        description="年度党建工作经费",
    )


def test_the_ledger_against_the_standard(county: Any) -> None:
    record(
        county,
        county.east_village,
        EntryKind.ALLOCATION,
        Category.HIGHER_LEVEL,
        "100",
        dt.date(YEAR - 1, 6, 1),
    )
    record(
        county,
        county.east_village,
        EntryKind.SPENDING,
        Category.ACTIVITIES,
        "40",
        dt.date(YEAR - 1, 7, 1),
    )
    record(county, county.east_village, EntryKind.ALLOCATION, Category.HIGHER_LEVEL, "90")
    record(county, county.east_village, EntryKind.SPENDING, Category.EDUCATION, "25.50")
    ledger = selectors.ledger(county.east_village, YEAR, DAY)
    members = 4 if county.zhao.joined_on <= DAY else 3
    assert ledger.members == members
    assert ledger.standard == Decimal(30 * members)
    assert ledger.opening == Decimal(60)
    assert ledger.received_total == Decimal(90)
    assert ledger.spent == {Category.EDUCATION: Decimal("25.50")}
    assert ledger.balance == Decimal("124.50")
    assert ledger.below_standard is (30 * members > 90)
    assert AuditEvent.objects.filter(target_type="funds.fundentry").count() == 4


def test_the_standard_is_a_setting_and_the_boundary_is_exact(county: Any) -> None:
    record(county, county.south_village, EntryKind.ALLOCATION, Category.FINANCE, "30")
    assert not selectors.ledger(county.south_village, YEAR, DAY).below_standard  # 1 × 30: met
    with override_settings(DANGJIAN_RULES={"funds_per_member_yearly": "30.01"}):
        assert selectors.ledger(county.south_village, YEAR, DAY).below_standard


def test_spending_cannot_exceed_the_balance_and_categories_match_the_kind(county: Any) -> None:
    record(county, county.south_village, EntryKind.ALLOCATION, Category.HIGHER_LEVEL, "30")
    with pytest.raises(ValidationError) as refused:
        record(county, county.south_village, EntryKind.SPENDING, Category.CARE, "30.01")
    assert refused.value.error_dict["amount"][0].code == "insufficient_balance"
    record(county, county.south_village, EntryKind.SPENDING, Category.CARE, "30")
    with pytest.raises(ValidationError) as refused:
        record(county, county.south_village, EntryKind.SPENDING, Category.HIGHER_LEVEL, "1")
    assert refused.value.error_dict["category"][0].code == "category"
    with pytest.raises(ValidationError):
        record(county, county.south_village, EntryKind.ALLOCATION, Category.FINANCE, "0")
    with pytest.raises(ValidationError):
        record(county, county.south_village, EntryKind.ALLOCATION, Category.FINANCE, "1.001")
    with pytest.raises(PermissionDenied):
        services.entry_record(
            actor=county.west_admin,
            organization=county.south_village,
            kind=EntryKind.ALLOCATION,
            category=Category.FINANCE,
            on=today(),
            amount=Decimal(1),
            description="x",
        )


def test_the_alert_names_organizations_below_the_standard_from_july(county: Any) -> None:
    last = YEAR - 1
    record(
        county,
        county.east_village,
        EntryKind.ALLOCATION,
        Category.HIGHER_LEVEL,
        "200",
        dt.date(last, 3, 1),
    )
    record(
        county,
        county.south_village,
        EntryKind.ALLOCATION,
        Category.HIGHER_LEVEL,
        "10",
        dt.date(last, 3, 1),
    )
    year_end = dt.date(last, 12, 31)
    assert selectors.ledger(county.south_village, last, year_end).members == 1
    found = {c.subject: c.message for c in RULES["funds"].find(county.county, year_end)}
    south = f"org:{county.south_village.pk}:funds:{last}"
    assert south in found
    assert f"org:{county.east_village.pk}:funds:{last}" not in found  # 200 ≥ 4 × 30
    assert "收到工作经费 10.00 元，低于标准 30.00 元（党员 1 名 × 30 元）" in found[south]
    assert list(RULES["funds"].find(county.county, dt.date(last, 6, 30))) == []


def test_the_report_table_sums_the_subtree(county: Any) -> None:
    from dangjian.reports.report import report_compute

    record(county, county.east_village, EntryKind.ALLOCATION, Category.HIGHER_LEVEL, "120")
    record(county, county.east_village, EntryKind.SPENDING, Category.ACTIVITIES, "20.40")
    record(county, county.south_village, EntryKind.ALLOCATION, Category.FINANCE, "10")
    table = report_compute(county.east, DAY).table("funds")
    assert table is not None
    values = {row.key: row.values[0] for row in table.rows}
    members = 5 if county.zhao.joined_on <= DAY else 4
    assert values["standard"] == 30 * members
    assert values["received"] == 130
    assert values["received-higher_level"] == 120
    assert values["received-finance"] == 10
    assert values["spent"] == 20
    assert values["spent-activities"] == 20
    assert values["balance"] == 110  # 109.60 in whole yuan
    assert values["below"] == 1  # south village: 10 < 30


def test_pages_and_api_in_and_out_of_scope(county: Any) -> None:
    record(county, county.east_village, EntryKind.ALLOCATION, Category.HIGHER_LEVEL, "120")
    client = Client()
    client.force_login(county.east_secretary)
    page = client.get(reverse("funds:ledger", args=[county.east_village.pk]))
    assert page.status_code == 200
    assert "年度党建工作经费" in page.content.decode()
    posted = client.post(
        reverse("funds:ledger", args=[county.east_village.pk]),
        {
            "kind": EntryKind.SPENDING,
            "category": Category.ACTIVITIES,
            "on": today().isoformat(),
            "amount": "20",
            "description": "主题党日",
        },
    )
    assert posted.status_code == 302
    assert selectors.ledger(county.east_village, YEAR).spent_total == Decimal(20)
    assert client.get(reverse("funds:ledger", args=[county.south_village.pk])).status_code == 404
    client.force_login(county.west_admin)
    assert client.get(reverse("funds:ledger", args=[county.east_village.pk])).status_code == 404
    listing = client.get(reverse("funds:index")).content.decode()
    assert "东村" not in listing
    api = client.get(f"/api/v1/funds/{county.east_village.code}?year={YEAR}")
    assert api.status_code == 404
    client.force_login(county.east_admin)
    answer = client.get(f"/api/v1/funds/{county.east_village.code}?year={YEAR}").json()
    assert Decimal(answer["balance"]) == Decimal(100)
    created = client.post(
        f"/api/v1/funds/{county.south_village.code}/entries",
        json.dumps(
            {
                "kind": "ALLOCATION",
                "category": "FINANCE",
                "on": today().isoformat(),
                "amount": "30",
                "description": "财政保障",
            }
        ),
        content_type="application/json",
    )
    assert created.status_code == 201
    assert created.json()["below_standard"] is False
    index = client.get(reverse("funds:index"), {"org": county.east.pk}).content.decode()
    assert "南村党支部" in index
