"""/api/v1/rectification/: the same scope, rules and error codes as the pages."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from dangjian.core.dates import today
from dangjian.organizations.models import Organization
from dangjian.rectification import services
from dangjian.rectification.models import Criterion

URL = "/api/v1/rectification"


@pytest.fixture
def review(county: Any) -> Any:
    Criterion.objects.exclude(indicator="term_overdue").update(active=False)
    Organization.objects.filter(pk=county.east_village.pk).update(term_ends_on=dt.date(2025, 6, 30))
    return services.review_create(
        actor=county.east_admin, committee=county.east, year=2026, on=dt.date(2026, 11, 30)
    )


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, json.dumps(body, default=str), content_type="application/json")


def test_a_review_lists_candidates_with_evidence_and_the_committee_decides(
    client: Client, county: Any, review: Any
) -> None:
    client.force_login(county.east_admin)
    detail = client.get(f"{URL}/reviews/{review.pk}").json()
    (candidate,) = detail["candidates"]
    assert candidate["organization_code"] == county.east_village.code
    term = next(e for e in candidate["evidence"] if e["indicator"] == "term_overdue")
    assert term["met"] is True
    assert term["text"] == "本届任期至 2025-06-30"
    assert "党章第三十一条" in term["source"]
    decided = post(
        client,
        f"{URL}/reviews/{review.pk}/candidates/{candidate['id']}/decision",
        {"listed": True, "reason": "换届逾期"},
    )
    assert decided.status_code == 400
    assert decided.json()["code"] == "required"
    decided = post(
        client,
        f"{URL}/reviews/{review.pk}/candidates/{candidate['id']}/decision",
        {
            "listed": True,
            "reason": "换届逾期",
            "cadre": "陈某",
            "measures": "换届",
            "deadline": today() + dt.timedelta(days=30),
        },
    )
    assert decided.status_code == 200
    case_id = decided.json()["case_id"]
    refused = post(client, f"{URL}/cases/{case_id}/close", {})
    assert refused.status_code == 400
    assert refused.json()["code"] == "not_recovered"
    closed = post(client, f"{URL}/cases/{case_id}/close", {"override_reason": "经研究销号"})
    assert closed.json()["status"] == "CLOSED"
    assert closed.json()["override_reason"] == "经研究销号"


def test_out_of_scope_is_a_404(client: Client, county: Any, review: Any) -> None:
    candidate = review.candidates.get()
    case = services.candidate_decide(
        actor=county.east_admin,
        candidate=candidate,
        listed=True,
        reason="换届逾期",
        cadre="陈某",
        measures="换届",
        deadline=today() + dt.timedelta(days=30),
    ).case
    client.force_login(county.west_admin)
    assert client.get(f"{URL}/reviews/{review.pk}").status_code == 404
    assert client.get(f"{URL}/cases/{case.pk}").status_code == 404
    assert client.get(f"{URL}/cases/").json()["count"] == 0
    assert client.get(f"{URL}/reviews/").json()["count"] == 0
    refused = post(client, f"{URL}/cases/{case.pk}/notes", {"on": today(), "text": "x"})
    assert refused.status_code == 404
    client.force_login(county.east_secretary)  # the listed branch: its case, with a note
    noted = post(client, f"{URL}/cases/{case.pk}/notes", {"on": today(), "text": "召开党员大会"})
    assert noted.status_code == 201
    assert noted.json()["notes"] == [{"on": today().isoformat(), "text": "召开党员大会"}]
    assert client.get(f"{URL}/reviews/{review.pk}").status_code == 404  # the township's review
