"""软弱涣散 pages for users in scope and out of scope: the committee decides and closes, the
listed branch reads its case and writes progress, other townships see nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from dangjian.core.dates import today
from dangjian.organizations.models import Organization
from dangjian.rectification import services
from dangjian.rectification.models import Case, CaseStatus, Criterion, Decision

YEAR = 2026
DAY = dt.date(YEAR, 11, 30)


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def review(county: Any) -> Any:
    """East township's review: east village's term ran out, so it is the one candidate."""
    Criterion.objects.exclude(indicator="term_overdue").update(active=False)
    Organization.objects.filter(pk=county.east_village.pk).update(term_ends_on=dt.date(2025, 6, 30))
    return services.review_create(actor=county.east_admin, committee=county.east, year=YEAR, on=DAY)


def test_the_committee_sees_candidates_with_evidence_rule_and_source(
    county: Any, review: Any
) -> None:
    body = signed_in(county.county_admin).get(reverse("rectification:review", args=[review.pk]))
    assert body.status_code == 200
    text = body.content.decode()
    assert "东村党支部" in text
    assert "本届任期至 2025-06-30" in text
    assert "任期届满未按期换届" in text  # the rule
    assert "党章第三十一条" in text  # its source
    assert "南村党支部" not in text  # not a candidate


def test_the_other_township_gets_a_404(county: Any, review: Any) -> None:
    client = signed_in(county.west_admin)
    response = client.get(reverse("rectification:review", args=[review.pk]))
    assert response.status_code == 404
    assert "东村" not in response.content.decode()
    candidate = review.candidates.get()
    assert (
        client.get(reverse("rectification:decide", args=[review.pk, candidate.pk])).status_code
        == 404
    )
    assert "东村" not in client.get(reverse("rectification:list")).content.decode()


def test_deciding_through_the_page_opens_a_case(county: Any, review: Any) -> None:
    candidate = review.candidates.get()
    url = reverse("rectification:decide", args=[review.pk, candidate.pk])
    client = signed_in(county.east_admin)
    refused = client.post(url, {"decision": "LISTED", "reason": "换届逾期"})
    assert refused.status_code == 200
    assert "请指定联系指导干部" in refused.content.decode()
    deadline = (today() + dt.timedelta(days=60)).isoformat()
    done = client.post(
        url,
        {
            "decision": "LISTED",
            "reason": "换届逾期一年以上",
            "cadre": "镇组织委员 陈某",
            "measures": "三个月内完成换届",
            "deadline": deadline,
        },
    )
    assert done.status_code == 302
    candidate.refresh_from_db()
    assert candidate.decision == Decision.LISTED
    assert candidate.case.cadre == "镇组织委员 陈某"


def test_an_observer_cannot_decide(county: Any, review: Any) -> None:
    candidate = review.candidates.get()
    response = signed_in(county.east_observer).post(
        reverse("rectification:decide", args=[review.pk, candidate.pk]),
        {"decision": "NOT_LISTED", "reason": "x"},
    )
    assert response.status_code == 403
    candidate.refresh_from_db()
    assert candidate.decision == Decision.PENDING


@pytest.fixture
def case(county: Any, review: Any) -> Case:
    candidate = services.candidate_decide(
        actor=county.east_admin,
        candidate=review.candidates.get(),
        listed=True,
        reason="换届逾期",
        cadre="镇组织委员 陈某",
        measures="按期换届",
        deadline=today() + dt.timedelta(days=60),
    )
    return candidate.case


def test_the_listed_branch_reads_its_case_and_writes_progress_but_cannot_close(
    county: Any, case: Case
) -> None:
    client = signed_in(county.east_secretary)
    page = client.get(case.get_absolute_url())
    assert page.status_code == 200
    text = page.content.decode()
    assert "镇组织委员 陈某" in text
    assert 'data-testid="note-form"' in text
    assert 'data-testid="close-form"' not in text
    done = client.post(case.get_absolute_url(), {"on": today().isoformat(), "text": "召开党员大会"})
    assert done.status_code == 302
    assert case.notes.get().text == "召开党员大会"
    assert (
        client.post(
            reverse("rectification:close", args=[case.pk]), {"override_reason": "x"}
        ).status_code
        == 403
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN


def test_another_branch_and_township_get_a_404_for_the_case(county: Any, case: Case) -> None:
    west = signed_in(county.west_admin)
    assert west.get(case.get_absolute_url()).status_code == 404
    assert west.post(reverse("rectification:close", args=[case.pk])).status_code == 404
    # The secretary of east village reads its case; nobody of south village would.
    assert (
        "东村党支部"
        not in signed_in(county.west_admin).get(reverse("rectification:list")).content.decode()
    )


def test_closing_is_refused_until_recovered_then_an_override_closes(
    county: Any, case: Case
) -> None:
    client = signed_in(county.east_admin)
    url = reverse("rectification:close", args=[case.pk])
    refused = client.post(url, {"override_reason": ""}, follow=True)
    assert "以下指标尚未恢复，不能销号：换届逾期" in refused.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN
    client.post(url, {"override_reason": "经镇党委会研究：已报批延期换届"})
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert case.override_reason == "经镇党委会研究：已报批延期换届"
    page = client.get(case.get_absolute_url()).content.decode()
    assert "经镇党委会研究：已报批延期换届" in page


def test_the_criteria_page_lists_every_rule_with_its_source(county: Any) -> None:
    text = signed_in(county.east_secretary).get(reverse("rectification:criteria")).content.decode()
    for criterion in Criterion.objects.all():
        assert criterion.source in text
