"""The county edits the criteria (with history and a Chinese error on bad values); the review
and the cases export the figures the pages show, and every export is audited."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from python_calamine import CalamineWorkbook

from dangjian.audit.models import AuditEvent
from dangjian.organizations.models import Organization
from dangjian.rectification import services
from dangjian.rectification.models import Criterion

DAY = dt.date(2026, 11, 30)


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def sheets(body: bytes) -> list[list[list[Any]]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(body))
    return [book.get_sheet_by_index(i).to_python() for i in range(len(book.sheet_names))]


def test_the_county_edits_a_criterion_and_the_change_is_history(county: Any) -> None:
    client = signed_in(county.county_admin)
    criterion = Criterion.objects.get(indicator="dues_rate")
    url = reverse("rectification:criterion", args=[criterion.pk])
    page = client.get(url).content.decode()
    assert criterion.rule in page
    assert "本地做法" in page
    bad = client.post(url, {"threshold": "180", "direction": "BELOW", "active": "on"})
    assert "标准须在 0 到 100 之间" in bad.content.decode()
    done = client.post(
        url, {"threshold": "70", "direction": "BELOW", "active": "on", "note": "县委会议决定"}
    )
    assert done.status_code == 302
    criterion.refresh_from_db()
    assert (criterion.threshold, criterion.note) == (Decimal("70.0"), "县委会议决定")
    history = client.get(reverse("rectification:criteria")).content.decode()
    assert "80.0 → 70" in history
    assert str(county.county_admin) in history
    # A township administrator neither edits nor reaches the page.
    assert signed_in(county.east_admin).get(url).status_code == 404
    with pytest.raises(PermissionDenied):
        services.criterion_update(
            actor=county.east_admin,
            criterion=criterion,
            threshold=Decimal(50),
            direction="BELOW",
            active=True,
            note="",
        )


def test_the_api_changes_a_criterion_or_says_why_not(county: Any) -> None:
    criterion = Criterion.objects.get(indicator="aging")
    url = f"/api/v1/rectification/criteria/{criterion.pk}"
    body = {"threshold": "-1", "direction": "AT_LEAST", "active": False, "note": ""}
    client = signed_in(county.county_admin)
    refused = client.put(url, body, content_type="application/json")
    assert refused.status_code == 400
    assert refused.json()["code"] == "out_of_range"
    body["threshold"] = "62"
    changed = client.put(url, body, content_type="application/json").json()
    assert (changed["threshold"], changed["active"], changed["local_practice"]) == (
        "62.0",
        False,
        True,
    )
    event = AuditEvent.objects.get(target_type="rectification.criterion")
    assert event.detail["changed"]["active"] == [True, False]
    assert (
        signed_in(county.east_admin).put(url, body, content_type="application/json").status_code
        == 403
    )


def test_the_review_and_cases_export_the_page_figures(county: Any) -> None:
    Criterion.objects.exclude(indicator="term_overdue").update(active=False)
    Organization.objects.filter(pk=county.east_village.pk).update(term_ends_on=dt.date(2025, 6, 30))
    review = services.review_create(
        actor=county.east_admin, committee=county.east, year=2026, on=DAY
    )
    candidate = review.candidates.get()
    services.candidate_decide(
        actor=county.east_admin,
        candidate=candidate,
        listed=True,
        reason="换届逾期一年",
        cadre="王干部",
        measures="限期换届",
        deadline=dt.date(2027, 3, 31),
    )
    client = signed_in(county.east_admin)
    listing, evidence = sheets(
        client.get(reverse("rectification:export", args=[review.pk])).content
    )
    assert listing[3][:6] == [1, "东村党支部", 1, "换届逾期", "确定为整顿对象", "换届逾期一年"]
    assert evidence[3][2] == "换届逾期"
    assert evidence[3][6] == "是"
    assert "党章第三十一条" in evidence[3][8]
    (cases,) = sheets(client.get(reverse("rectification:cases_export")).content)
    assert cases[3][:5] == ["东村党支部", 2026, "王干部", "限期换届", dt.date(2027, 3, 31)]
    assert AuditEvent.objects.filter(action="EXPORT", actor=county.east_admin).count() == 2
    # Out of scope: the other township's administrator exports nothing of it.
    other = signed_in(county.west_admin)
    assert other.get(reverse("rectification:export", args=[review.pk])).status_code == 404
    (nothing,) = sheets(other.get(reverse("rectification:cases_export")).content)
    assert len(nothing) == 3  # title, blank, header
