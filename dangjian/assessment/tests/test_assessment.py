"""Organization assessment: computed and manual indicators, weighting, grades, audit, scope."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from dangjian.alerts.models import Alert
from dangjian.alerts.services import alerts_recompute
from dangjian.assessment import services
from dangjian.assessment.models import Indicator, Result, Score
from dangjian.audit.models import AuditEvent
from dangjian.organizations.models import Organization
from dangjian.site.testing import build_org


def manual(assessment: Any, organization: Any) -> Score:
    return Score.objects.get(
        round=assessment, organization=organization, indicator__source="manual"
    )


@pytest.mark.django_db
def test_seeded_indicators() -> None:
    assert sorted(Indicator.objects.values_list("source", flat=True)) == [
        "life_compliance",
        "manual",
        "open_alerts",
        "term_on_time",
    ]
    assert sum(i.weight for i in Indicator.objects.all()) == Decimal(100)


def test_round_computes_data_indicators_and_weights_the_total(county: Any) -> None:
    Organization.objects.filter(pk=county.south_village.pk).update(
        term_ends_on=dt.date(2025, 6, 30)
    )
    alerts_recompute(root=county.county)
    assessment = services.round_create(actor=county.east_admin, committee=county.east, year=2026)
    assessed = {s.organization_id for s in Score.objects.filter(round=assessment)}
    assert assessed == {county.east_village.pk, county.south_village.pk}
    south_alerts = Alert.objects.filter(
        organization__path__startswith=county.south_village.path, status="OPEN"
    ).count()
    alerts_score = Score.objects.get(
        round=assessment, organization=county.south_village, indicator__source="open_alerts"
    )
    assert alerts_score.value == Decimal(max(0, 100 - 10 * south_alerts))
    term = Score.objects.get(
        round=assessment, organization=county.south_village, indicator__source="term_on_time"
    )
    assert term.value == Decimal(0)
    # Before the manual score: the total weighs only what has a value: 预警处理 (30), 按期换届
    # (20, scored 0) and 组织生活落实 (30, nothing held: 0).
    result = Result.objects.get(round=assessment, organization=county.south_village)
    life = Score.objects.get(
        round=assessment, organization=county.south_village, indicator__source="life_compliance"
    )
    assert life.value == Decimal(0)
    expected = (Decimal(30) * alerts_score.value) / Decimal(80)
    assert result.total == expected.quantize(Decimal("0.1"), ROUND_HALF_UP)  # as the service
    services.score_enter(
        actor=county.east_admin,
        assessment=assessment,
        organization=county.south_village,
        indicator=Indicator.objects.get(source="manual"),
        value=Decimal(90),
        basis="述职评议良好",
    )
    result.refresh_from_db()
    expected = (Decimal(30) * alerts_score.value + Decimal(20) * 90) / Decimal(100)
    assert result.total == expected.quantize(Decimal("0.1"), ROUND_HALF_UP)
    assert result.grade


def test_manual_scores_keep_who_and_why_and_are_audited(county: Any) -> None:
    assessment = services.round_create(actor=county.east_admin, committee=county.east, year=2026)
    indicator = Indicator.objects.get(source="manual")
    with pytest.raises(ValidationError):
        services.score_enter(
            actor=county.east_admin,
            assessment=assessment,
            organization=county.east_village,
            indicator=indicator,
            value=Decimal(80),
            basis=" ",
        )
    with pytest.raises(ValidationError):
        services.score_enter(
            actor=county.east_admin,
            assessment=assessment,
            organization=county.east_village,
            indicator=indicator,
            value=Decimal(101),
            basis="x",
        )
    with pytest.raises(ValidationError):
        services.score_enter(
            actor=county.east_admin,
            assessment=assessment,
            organization=county.east_village,
            indicator=Indicator.objects.get(source="open_alerts"),
            value=Decimal(100),
            basis="手工改分",
        )
    score = services.score_enter(
        actor=county.east_admin,
        assessment=assessment,
        organization=county.east_village,
        indicator=indicator,
        value=Decimal(85),
        basis="年度述职",
    )
    assert score.entered_by == county.east_admin
    event = AuditEvent.objects.filter(action="UPDATE", target_type="assessment.score").get()
    assert event.detail["basis"] == "年度述职"


def test_grades_follow_configurable_thresholds(county: Any) -> None:
    assessment = services.round_create(actor=county.east_admin, committee=county.east, year=2026)
    indicator = Indicator.objects.get(source="manual")
    rules = {**settings.DANGJIAN_RULES, "assessment_grades": [(95, "好"), (0, "一般")]}
    with override_settings(DANGJIAN_RULES=rules):
        for organization, value in ((county.east_village, 100), (county.south_village, 0)):
            services.score_enter(
                actor=county.east_admin,
                assessment=assessment,
                organization=organization,
                indicator=indicator,
                value=Decimal(value),
                basis="述职",
            )
        results = {r.organization_id: r for r in Result.objects.filter(round=assessment)}
    for result in results.values():
        assert result.grade == ("好" if result.total is not None and result.total >= 95 else "一般")
    assert results[county.south_village.pk].grade == "一般"


def test_finishing_needs_every_score_and_freezes_the_round(county: Any) -> None:
    assessment = services.round_create(actor=county.east_admin, committee=county.east, year=2026)
    with pytest.raises(ValidationError):
        services.round_finish(actor=county.east_admin, assessment=assessment)
    indicator = Indicator.objects.get(source="manual")
    for organization in (county.east_village, county.south_village):
        services.score_enter(
            actor=county.east_admin,
            assessment=assessment,
            organization=organization,
            indicator=indicator,
            value=Decimal(75),
            basis="述职",
        )
    services.round_finish(actor=county.east_admin, assessment=assessment)
    with pytest.raises(ValidationError):
        services.round_compute(actor=county.east_admin, assessment=assessment)


def test_scope(client: Client, county: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.round_create(actor=county.west_admin, committee=county.east, year=2026)
    assessment = services.round_create(actor=county.east_admin, committee=county.east, year=2026)
    client.force_login(county.west_admin)
    assert client.get(f"/assessment/{assessment.pk}").status_code == 404
    assert client.get(f"/assessment/{assessment.pk}/export.xlsx").status_code == 404
    client.force_login(county.east_admin)
    page = client.get(f"/assessment/{assessment.pk}")
    assert "东村党支部" in page.content.decode()
    export = client.get(f"/assessment/{assessment.pk}/export.xlsx")
    assert export.status_code == 200
    assert export.content[:2] == b"PK"
    assert AuditEvent.objects.filter(action="EXPORT").exists()


def test_the_export_is_audited_and_refused_out_of_scope(county: Any) -> None:
    """The .xlsx records who exported which round; a reader outside the committee gets none."""
    assessment = services.round_create(actor=county.east_admin, committee=county.east, year=2026)
    with pytest.raises(PermissionDenied):
        services.round_export(actor=county.west_admin, assessment=assessment)
    assert not AuditEvent.objects.filter(action="EXPORT").exists()
    body = services.round_export(actor=county.east_admin, assessment=assessment)
    assert body[:2] == b"PK"
    event = AuditEvent.objects.get(action="EXPORT")
    assert (event.actor, event.target_id) == (county.east_admin, str(assessment.pk))


def test_members_are_never_ranked() -> None:
    """Scores and results belong to organizations: no assessment record points at a member."""
    from dangjian.assessment import models
    from dangjian.members.models import Member

    related = {f.related_model for m in (models.Score, models.Result) for f in m._meta.get_fields()}
    assert Member not in related
    assert models.Organization in related


def test_life_compliance_source_scores_the_share_of_meetings_held(county: Any) -> None:
    from dangjian.assessment.sources import SOURCES

    scores = SOURCES["life_compliance"].compute([county.east_village, county.south_village], 2025)
    # Nothing was held in 2025 anywhere in the small county.
    assert scores[county.east_village.pk][0] == Decimal(0)
    assert "已开 0 次" in scores[county.east_village.pk][1]


def test_an_assessed_branch_reads_its_own_result_and_no_other(client: Client, county: Any) -> None:
    """The secretary of 东村 cannot open 东镇's round but reads 东村's grade once the round is
    finished (not while it is open), never 南村's; 西镇 reads neither."""
    assessment = services.round_create(actor=county.east_admin, committee=county.east, year=2026)
    indicator = Indicator.objects.get(source="manual")
    for organization in (county.east_village, county.south_village):
        services.score_enter(
            actor=county.east_admin,
            assessment=assessment,
            organization=organization,
            indicator=indicator,
            value=Decimal(90),
            basis="述职",
        )
    client.force_login(county.east_secretary)
    assert "东村党支部" not in client.get("/assessment/").content.decode()  # still open
    services.round_finish(actor=county.east_admin, assessment=assessment)
    own = Result.objects.get(round=assessment, organization=county.east_village)
    body = client.get("/assessment/").content.decode()
    assert 'data-testid="own-results"' in body
    assert "东村党支部 · 2026" in body
    assert f"<strong>{own.grade}</strong>" in body
    assert "南村党支部" not in body
    assert "还没有考核" not in body
    assert client.get(f"/assessment/{assessment.pk}").status_code == 404
    client.force_login(county.west_admin)
    body = client.get("/assessment/").content.decode()
    assert "东村党支部" not in body
    assert "还没有考核" in body
    # The county administrator opens the round itself, so it is not repeated as own results.
    client.force_login(county.county_admin)
    assert 'data-testid="own-results"' not in client.get("/assessment/").content.decode()


def _round_page_queries(client: Client, county: Any, year: int) -> int:
    """Queries of the round page for a round of `east` with a manual score on every branch."""
    assessment = services.round_create(actor=county.east_admin, committee=county.east, year=year)
    for score in Score.objects.filter(round=assessment, indicator__source="manual"):
        services.score_enter(
            actor=county.east_admin,
            assessment=assessment,
            organization=score.organization,
            indicator=score.indicator,
            value=Decimal(80),
            basis="述职",
        )
    client.force_login(county.east_admin)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(f"/assessment/{assessment.pk}")
    assert page.status_code == 200
    assert (
        page.content.decode().count('name="score"')
        == Result.objects.filter(round=assessment).count()
    )
    return len(queries)


def test_the_round_page_reads_a_fixed_number_of_queries(client: Client, county: Any) -> None:
    """The county round had 1,657 queries (one per cell for its indicator and who entered it):
    the count must not grow with the organizations assessed."""
    small = _round_page_queries(client, county, 2025)
    for n in range(4):
        build_org(name=f"东{n}村党支部", parent=county.east, code=f"C01{n}0")
    large = _round_page_queries(client, county, 2026)
    assert Result.objects.filter(round__year=2026).count() == 6
    assert large == small


def test_the_round_page_shows_a_page_of_organizations(
    client: Client, county: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A county round lists 900 organizations (545 KB of HTML whole): the page shows
    `ROWS_PER_PAGE` in tree order with the pager, and a score entered on a later page returns
    to it; the .xlsx has them all."""
    from dangjian.assessment import views

    monkeypatch.setattr(views, "ROWS_PER_PAGE", 1)
    assessment = services.round_create(actor=county.east_admin, committee=county.east, year=2026)
    results = list(
        Result.objects.filter(round=assessment)
        .order_by("organization__path")
        .values_list("organization__name", flat=True)
    )
    assert len(results) == 2  # the branches
    client.force_login(county.east_admin)
    first = client.get(f"/assessment/{assessment.pk}").content.decode()
    second = client.get(f"/assessment/{assessment.pk}?page=2").content.decode()
    for body, shown in ((first, results[:1]), (second, results[1:])):
        table = body[body.index('data-testid="assessment-table"') :]
        assert [name for name in results if f">{name}</a>" in table] == shown
    assert "?&page=2" in first
    score = manual(assessment, Organization.objects.get(name=results[1]))
    response = client.post(
        f"/assessment/{assessment.pk}/score",
        {"score": score.pk, "value": "90", "basis": "述职", "page": "2"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/assessment/{assessment.pk}?page=2"
    score.refresh_from_db()
    assert score.value == Decimal(90)
