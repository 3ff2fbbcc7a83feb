"""API writes are atomic and bounded: no 500 that wrote, no value the database cannot hold.

Each test here failed on main before the change: an absurd amount was saved and then broke the
member's pages; a failure after the service had written left the payment behind, and a retry
with the same Idempotency-Key recorded it again.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from dangjian.dues import selectors as dues_selectors
from dangjian.dues.models import Payment

PAYMENTS = "/api/v1/dues/payments"


def _post(client: Client, body: dict[str, Any], **headers: str) -> Any:
    return client.post(PAYMENTS, json.dumps(body), content_type="application/json", headers=headers)


def _payment(member: Any, **extra: Any) -> dict[str, Any]:
    return {"member_id": member.pk, "paid_on": "2026-11-15", "method": "CASH", **extra}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("voluntary_amount", "100000000000000000000"),
        ("amount", "1e30"),
        ("voluntary_amount", "NaN"),
        ("voluntary_amount", "Infinity"),
        ("months", 10**12),
        ("paid_on", "0001-01-01"),
        ("paid_on", "9999-12-31"),
    ],
)
def test_an_absurd_value_is_a_400_and_nothing_is_saved(
    client: Client, dues: Any, field: str, value: Any
) -> None:
    client.force_login(dues.east_secretary)
    body = _payment(dues.zhang, amount="32.00") | {field: value}
    response = _post(client, body)
    assert response.status_code == 400, response.content
    assert response.json()["fields"], response.json()
    assert not Payment.objects.exists()
    page = client.get(f"/dues/member/{dues.zhang.pk}/")
    assert page.status_code == 200


def test_a_failure_after_the_write_rolls_it_back_and_a_retry_records_once(
    dues: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fault injected after `payment_record` wrote (as a bug in building the answer would)."""
    client = Client(raise_request_exception=False)
    client.force_login(dues.east_secretary)
    broken = {"on": True}
    real = dues_selectors.member_dues

    def member_dues(member: Any) -> Any:
        if broken["on"]:
            raise RuntimeError("a bug after the write")
        return real(member)

    monkeypatch.setattr(dues_selectors, "member_dues", member_dues)
    body = _payment(dues.zhang, amount="32.00")
    failed = _post(client, body, **{"Idempotency-Key": "pay-once"})
    assert failed.status_code == 500
    assert failed["Content-Type"] == "application/json; charset=utf-8"
    assert failed.json()["code"] == "server_error"
    assert not Payment.objects.exists()
    broken["on"] = False
    retried = _post(client, body, **{"Idempotency-Key": "pay-once"})
    assert retried.status_code == 201, retried.content
    assert Payment.objects.count() == 1


@pytest.mark.parametrize(
    "path", ["/api/v1/activities/99999999999999", "/api/v1/members/-99999999999999999999"]
)
def test_an_identifier_out_of_the_database_range_is_not_a_500(
    client: Client, dues: Any, path: str
) -> None:
    client.force_login(dues.county_admin)
    response = client.get(path)
    assert response.status_code in (400, 404), response.content
    assert set(response.json()) == {"code", "message", "fields"}
