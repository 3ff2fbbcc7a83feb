"""软弱涣散 reviews: candidates from the indicators with evidence, decisions with reasons, cases
closed only when the indicators recover or on a recorded override; scope and audit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dangjian.audit.models import AuditEvent
from dangjian.core.dates import today
from dangjian.members.choices import PositionTitle
from dangjian.members.services import position_assign
from dangjian.organizations.models import Organization
from dangjian.rectification import services
from dangjian.rectification.error_codes import ErrorCode
from dangjian.rectification.indicators import INDICATORS
from dangjian.rectification.models import Candidate, CaseStatus, Criterion, Decision
from dangjian.rectification.selectors import evidence_lines, year_figures

YEAR = 2026
DAY = dt.date(YEAR, 11, 30)


def only(*indicators: str) -> None:
    Criterion.objects.exclude(indicator__in=indicators).update(active=False)


def overdue(organization: Organization, ends: dt.date) -> None:
    Organization.objects.filter(pk=organization.pk).update(term_ends_on=ends)


def secretary(county: Any) -> None:
    """East village gets a secretary: its leadership is complete."""
    position_assign(
        actor=county.east_admin,
        organization=county.east_village,
        member=county.zhang,
        title=PositionTitle.SECRETARY,
        started_on=dt.date(2024, 1, 1),
    )


def listed(county: Any, candidate: Candidate, **overrides: Any) -> Candidate:
    arguments = {
        "actor": county.east_admin,
        "candidate": candidate,
        "listed": True,
        "reason": "班子不健全，换届逾期",
        "cadre": "组织委员 陈某",
        "measures": "补选书记，按期换届",
        "deadline": today() + dt.timedelta(days=90),
    }
    arguments.update(overrides)
    return services.candidate_decide(**arguments)


@pytest.mark.django_db
def test_every_default_criterion_has_an_indicator_a_rule_and_a_source() -> None:
    criteria = list(Criterion.objects.all())
    assert {c.indicator for c in criteria} == set(INDICATORS)
    assert all(c.rule.strip() and c.source.strip() for c in criteria)


def test_candidates_are_ranked_by_criteria_met_with_their_evidence(county: Any) -> None:
    only("term_overdue", "leadership")
    secretary(county)
    overdue(county.south_village, dt.date(2025, 6, 30))
    review = services.review_create(
        actor=county.east_admin, committee=county.east, year=YEAR, on=DAY
    )
    candidates = list(review.candidates.order_by("rank"))
    # East village has a secretary and its term is not recorded: not a candidate.
    assert [c.organization_id for c in candidates] == [county.south_village.pk]
    south = candidates[0]
    assert south.criteria_met == 2
    met = {e["indicator"]: e for e in south.evidence if e["met"]}
    assert met["term_overdue"]["detail"] == {"ends": "2025-06-30"}
    assert met["leadership"]["detail"] == {"no_secretary": 1, "no_committee": 0}
    lines = evidence_lines(south.evidence)
    term = next(line for line in lines if line.indicator == "term_overdue")
    assert term.text == "本届任期至 2025-06-30"
    assert "党章第三十一条" in term.source
    assert AuditEvent.objects.filter(action="CREATE", target_type="rectification.review").exists()


def test_a_term_ending_on_the_review_day_is_not_overdue(county: Any) -> None:
    """Boundaries on both sides: the term runs out on the day (not overdue) or the day before."""
    only("term_overdue")
    overdue(county.south_village, DAY)
    overdue(county.east_village, DAY - dt.timedelta(days=1))
    review = services.review_create(
        actor=county.east_admin, committee=county.east, year=YEAR, on=DAY
    )
    assert list(review.candidates.values_list("organization_id", flat=True)) == [
        county.east_village.pk
    ]


def test_ranking_puts_more_criteria_first(county: Any) -> None:
    only("term_overdue", "leadership")
    overdue(county.east_village, dt.date(2025, 1, 1))
    overdue(county.south_village, dt.date(2025, 1, 1))
    secretary(county)  # east village then meets one criterion, south village two
    review = services.review_create(
        actor=county.east_admin, committee=county.east, year=YEAR, on=DAY
    )
    assert list(review.candidates.order_by("rank").values_list("organization_id", "rank")) == [
        (county.south_village.pk, 1),
        (county.east_village.pk, 2),
    ]


def test_average_age_is_the_members_average_on_the_day(county: Any) -> None:
    only("aging")
    Criterion.objects.filter(indicator="aging").update(threshold=Decimal(0))
    review = services.review_create(
        actor=county.east_admin, committee=county.east, year=YEAR, on=DAY
    )
    south = review.candidates.get(organization=county.south_village)
    aging = next(e for e in south.evidence if e["indicator"] == "aging")
    assert aging["value"] == str(county.qian.age_on(DAY)) + ".0"  # 钱七 alone
    east = review.candidates.get(organization=county.east_village)
    ages = [m.age_on(DAY) for m in (county.zhang, county.li, county.wang, county.zhao)]
    expected = (Decimal(sum(ages)) / 4).quantize(Decimal("0.1"))
    assert next(e for e in east.evidence if e["indicator"] == "aging")["value"] == str(expected)


def test_a_second_review_of_the_year_and_an_out_of_scope_committee_are_refused(
    county: Any,
) -> None:
    services.review_create(actor=county.east_admin, committee=county.east, year=YEAR, on=DAY)
    with pytest.raises(ValidationError) as refused:
        services.review_create(actor=county.east_admin, committee=county.east, year=YEAR, on=DAY)
    assert refused.value.error_dict["year"][0].code == ErrorCode.REVIEW_EXISTS
    with pytest.raises(PermissionDenied):
        services.review_create(actor=county.west_admin, committee=county.east, year=YEAR)
    with pytest.raises(PermissionDenied):
        services.review_create(actor=county.east_observer, committee=county.east, year=YEAR)


def test_a_decision_needs_a_reason_and_listing_needs_cadre_measures_and_deadline(
    county: Any,
) -> None:
    only("term_overdue")
    overdue(county.south_village, dt.date(2025, 6, 30))
    overdue(county.east_village, dt.date(2025, 6, 30))
    review = services.review_create(
        actor=county.east_admin, committee=county.east, year=YEAR, on=DAY
    )
    south = review.candidates.get(organization=county.south_village)
    with pytest.raises(ValidationError) as refused:
        listed(county, south, reason=" ")
    assert refused.value.error_dict["reason"][0].code == "required"
    with pytest.raises(ValidationError) as refused:
        listed(county, south, cadre="")
    assert "cadre" in refused.value.error_dict
    with pytest.raises(ValidationError) as refused:
        listed(county, south, deadline=today() - dt.timedelta(days=1))
    assert "deadline" in refused.value.error_dict
    with pytest.raises(PermissionDenied):
        listed(county, south, actor=county.west_admin)
    with pytest.raises(PermissionDenied):
        listed(county, south, actor=county.east_secretary)  # a branch does not list itself
    listed(county, south)
    south.refresh_from_db()
    assert south.decision == Decision.LISTED
    assert south.case.cadre == "组织委员 陈某"
    with pytest.raises(ValidationError) as refused:
        listed(county, south)
    assert refused.value.code == ErrorCode.ALREADY_DECIDED
    east = review.candidates.get(organization=county.east_village)
    with pytest.raises(ValidationError) as refused:
        services.review_finish(actor=county.east_admin, review=review)
    assert refused.value.code == ErrorCode.UNDECIDED
    services.candidate_decide(
        actor=county.east_admin, candidate=east, listed=False, reason="换届已报批，3月完成"
    )
    east.refresh_from_db()
    assert east.decision == Decision.NOT_LISTED
    assert not hasattr(east, "case")
    services.review_finish(actor=county.east_admin, review=review)
    assert AuditEvent.objects.filter(target_type="rectification.case", action="CREATE").count() == 1
    assert AuditEvent.objects.filter(
        target_type="rectification.candidate", detail__reason="换届已报批，3月完成"
    ).exists()


def test_a_case_closes_only_when_the_indicators_recover(county: Any) -> None:
    only("term_overdue")
    overdue(county.south_village, dt.date(2025, 6, 30))
    review = services.review_create(
        actor=county.east_admin, committee=county.east, year=YEAR, on=DAY
    )
    case = listed(county, review.candidates.get()).case
    with pytest.raises(ValidationError) as refused:
        services.case_close(actor=county.east_admin, case=case, on=DAY)
    assert refused.value.code == ErrorCode.NOT_RECOVERED
    assert "换届逾期" in refused.value.messages[0]
    # The branch held its election: the new term runs to 2029.
    overdue(county.south_village, dt.date(2029, 6, 30))
    case.organization.refresh_from_db()
    with pytest.raises(PermissionDenied):
        services.case_close(actor=county.west_admin, case=case, on=DAY)
    closed = services.case_close(actor=county.east_admin, case=case, on=DAY)
    assert closed.status == CaseStatus.CLOSED
    assert closed.override_reason == ""
    assert [(e["indicator"], e["recovered"]) for e in closed.closing_evidence] == [
        ("term_overdue", True)
    ]
    assert year_figures(county.east, YEAR).closed_recovered == 1
    with pytest.raises(ValidationError) as refused:
        services.case_close(actor=county.east_admin, case=closed, on=DAY)
    assert refused.value.code == ErrorCode.CASE_CLOSED


def test_an_override_closes_a_case_and_is_recorded(county: Any) -> None:
    only("term_overdue")
    overdue(county.south_village, dt.date(2025, 6, 30))
    review = services.review_create(
        actor=county.east_admin, committee=county.east, year=YEAR, on=DAY
    )
    case = listed(county, review.candidates.get()).case
    closed = services.case_close(
        actor=county.east_admin, case=case, override_reason="村已撤并，党组织随之调整", on=DAY
    )
    assert closed.override_reason == "村已撤并，党组织随之调整"
    event = AuditEvent.objects.get(target_type="rectification.case", action="APPROVE")
    assert event.detail == {"override_reason": "村已撤并，党组织随之调整"}
    figures = year_figures(county.county, YEAR)
    assert (figures.listed, figures.closed, figures.closed_overridden, figures.open) == (1, 1, 1, 0)


def test_the_listed_branch_writes_progress_notes(county: Any) -> None:
    only("term_overdue")
    overdue(county.east_village, dt.date(2025, 6, 30))
    review = services.review_create(
        actor=county.east_admin, committee=county.east, year=YEAR, on=DAY
    )
    case = listed(county, review.candidates.get()).case
    note = services.case_note_add(
        actor=county.east_secretary, case=case, on=today(), text="召开党员大会，启动换届"
    )
    assert note.written_by == county.east_secretary
    with pytest.raises(ValidationError):
        services.case_note_add(actor=county.east_secretary, case=case, on=today(), text=" ")
    with pytest.raises(ValidationError):
        services.case_note_add(
            actor=county.east_secretary, case=case, on=today() + dt.timedelta(days=1), text="x"
        )
    with pytest.raises(PermissionDenied):
        services.case_note_add(actor=county.west_admin, case=case, on=today(), text="x")
    with pytest.raises(PermissionDenied):
        services.case_close(actor=county.east_secretary, case=case, override_reason="自己销号")


def test_recompute_keeps_decided_candidates_and_drops_recovered_pending_ones(county: Any) -> None:
    only("term_overdue")
    overdue(county.south_village, dt.date(2025, 6, 30))
    overdue(county.east_village, dt.date(2025, 6, 30))
    review = services.review_create(
        actor=county.east_admin, committee=county.east, year=YEAR, on=DAY
    )
    listed(county, review.candidates.get(organization=county.south_village))
    overdue(county.south_village, dt.date(2029, 1, 1))
    overdue(county.east_village, dt.date(2029, 1, 1))
    services.review_recompute(actor=county.east_admin, review=review, on=DAY)
    remaining = review.candidates.all()
    assert [c.organization_id for c in remaining] == [county.south_village.pk]  # decided: kept
    assert remaining[0].criteria_met == 1


def test_the_annual_report_table_counts_the_year(county: Any) -> None:
    from dangjian.reports.report import report_compute

    only("term_overdue")
    overdue(county.south_village, dt.date(2025, 6, 30))
    overdue(county.east_village, dt.date(2025, 6, 30))
    review = services.review_create(
        actor=county.east_admin, committee=county.east, year=YEAR, on=DAY
    )
    listed(county, review.candidates.get(organization=county.south_village))
    report = report_compute(county.county, DAY)
    table = next(t for t in report.tables if t.key == "rectification")
    values = {row.key: row.values[0] for row in table.rows}
    assert values["candidates"] == 2
    assert values["listed"] == 1
    assert values["pending"] == 1
    assert values["open"] == 1
    assert values["closed"] == 0
    # The west township's report has none of it; nor has the year before.
    west = next(t for t in report_compute(county.west, DAY).tables if t.key == "rectification")
    assert all(row.values == [0] for row in west.rows)
    before = report_compute(county.county, dt.date(YEAR - 1, 12, 31))
    assert all(
        r.values == [0] for r in next(t for t in before.tables if t.key == "rectification").rows
    )
