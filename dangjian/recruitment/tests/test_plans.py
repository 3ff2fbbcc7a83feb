"""The yearly recruitment plan against the actual: admissions with the seed's mix, the pipeline,
warnings from the warning day, the annual report's table; scope and audit."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client, override_settings
from django.urls import reverse

from dangjian.audit.models import AuditEvent
from dangjian.members.choices import Education
from dangjian.organizations.choices import UnitKind
from dangjian.organizations.models import Organization
from dangjian.recruitment import selectors, services
from dangjian.recruitment.tests.helpers import PATH, new_applicant, walk

YEAR = PATH[17].year  # the standard path is approved on 2023-11-20
TARGETS = {
    "admitted": 4,
    "under_45_percent": 75,
    "educated_percent": 50,
    "migrant_workers": 1,
    "two_new": 1,
}


def plan(county: Any, **targets: int) -> Any:
    return services.plan_save(
        actor=county.east_admin,
        committee=county.east,
        year=YEAR,
        targets=TARGETS | targets,
    )


@pytest.fixture
def admitted(county: Any) -> list[Any]:
    """Three admitted in 2023 in east village: born 1998 (25), 1978 (45 on approval day:
    still 45周岁以下) and 1977 (46); a 初中 graduate; one migrant worker. One more candidate."""
    people = [
        new_applicant(county, name="甲", migrant_worker=True),
        new_applicant(county, name="乙", birth_date=dt.date(1978, 11, 20)),
        new_applicant(
            county, name="丙", birth_date=dt.date(1977, 11, 19), education=Education.JUNIOR_HIGH
        ),
    ]
    for person in people:
        walk(county, person, 17)
    walk(county, new_applicant(county, name="丁"), 7)
    return people


def test_progress_counts_the_mix_of_the_years_admissions(county: Any, admitted: Any) -> None:
    progress = selectors.plan_progress(county.east, YEAR, dt.date(YEAR, 12, 31))
    assert progress.admitted == 3
    assert progress.under_45 == 2  # 45 on the day counts, 46 does not
    assert progress.educated == 2
    assert progress.migrant_workers == 1
    assert progress.two_new == 0
    assert progress.candidates == 1
    assert progress.share(progress.under_45) == 67
    # Before the approval day nobody was admitted yet; the west township has none.
    assert selectors.plan_progress(county.east, YEAR, dt.date(YEAR, 11, 19)).admitted == 0
    assert selectors.plan_progress(county.west, YEAR, dt.date(YEAR, 12, 31)).admitted == 0


def test_a_two_new_unit_counts_by_the_branch_unit_kind(county: Any, admitted: Any) -> None:
    Organization.objects.filter(pk=county.east_village.pk).update(
        unit_kind=UnitKind.PRIVATE_ENTERPRISE
    )
    assert selectors.plan_progress(county.east, YEAR, dt.date(YEAR, 12, 31)).two_new == 3


def test_warnings_start_on_the_warning_day(county: Any, admitted: Any) -> None:
    saved = plan(county)
    august = selectors.plan_progress(county.east, YEAR, dt.date(YEAR, 8, 31))
    assert selectors.plan_warnings(saved, august) == []
    december = selectors.plan_progress(county.east, YEAR, dt.date(YEAR, 12, 1))
    warnings = {w.code: w.text for w in selectors.plan_warnings(saved, december)}
    assert set(warnings) == {"admitted", "under_45", "two_new"}
    assert warnings["admitted"] == "已发展 3 名，计划 4 名，尚差 1 名"
    assert warnings["under_45"] == "45周岁以下 2 名，计划占比不低于 75%（3 名）"
    with override_settings(DANGJIAN_RULES={"recruitment_plan_warn_month": 12}):
        assert selectors.plan_warnings(saved, december) != []
        november = selectors.plan_progress(county.east, YEAR, dt.date(YEAR, 11, 30))
        assert selectors.plan_warnings(saved, november) == []


def test_warning_says_when_the_candidates_cannot_close_the_gap(county: Any, admitted: Any) -> None:
    saved = plan(county, admitted=5)
    december = selectors.plan_progress(county.east, YEAR, dt.date(YEAR, 12, 1))
    text = next(w.text for w in selectors.plan_warnings(saved, december) if w.code == "admitted")
    assert text.endswith("现有发展对象 1 名，全部发展也不能完成计划")


def test_a_plan_is_set_by_an_administrator_of_a_committee_and_audited(county: Any) -> None:
    saved = plan(county)
    again = plan(county, admitted=6)
    assert again.pk == saved.pk
    assert again.admitted == 6
    events = AuditEvent.objects.filter(target_type="recruitment.recruitmentplan")
    assert [e.action for e in events.order_by("pk")] == ["CREATE", "UPDATE"]
    last = events.order_by("pk").last()
    assert last is not None
    assert last.detail["before"]["admitted"] == 4
    with pytest.raises(PermissionDenied):
        services.plan_save(actor=county.west_admin, committee=county.east, year=YEAR, targets={})
    with pytest.raises(PermissionDenied):  # a branch secretary manages, but sets no plan
        services.plan_save(
            actor=county.east_secretary, committee=county.east_village, year=YEAR, targets={}
        )
    with pytest.raises(ValidationError) as refused:
        services.plan_save(
            actor=county.east_admin, committee=county.east_village, year=YEAR, targets={}
        )
    assert refused.value.error_dict["committee"][0].code == "plan_not_committee"
    with pytest.raises(ValidationError):
        plan(county, under_45_percent=101)


def test_the_annual_report_table_against_the_plan(county: Any, admitted: Any) -> None:
    from dangjian.reports.report import report_compute

    plan(county)
    table = report_compute(county.east, dt.date(YEAR, 12, 31)).table("recruitment_plan")
    assert table is not None
    values = {row.key: row.values for row in table.rows}
    assert values["admitted"] == [4, 3]
    assert values["under-45"] == [3, 2]
    assert values["educated"] == [2, 2]
    assert values["migrant-workers"] == [1, 1]
    assert values["two-new"] == [1, 0]
    county_table = report_compute(county.county, dt.date(YEAR, 12, 31)).table("recruitment_plan")
    assert county_table is not None
    assert county_table.row("admitted").values == [0, 3]  # no county plan; the actual counts
    assert county_table.note


def test_plan_pages_in_and_out_of_scope(county: Any, admitted: Any) -> None:
    saved = plan(county)
    client = Client()
    client.force_login(county.east_admin)
    page = client.get(reverse("recruitment:plan", args=[saved.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "东村党支部" in text
    client.force_login(county.west_admin)
    assert client.get(reverse("recruitment:plan", args=[saved.pk])).status_code == 404
    west_listing = client.get(reverse("recruitment:plans"), {"year": YEAR}).content.decode()
    assert "东镇党委" not in west_listing
    client.force_login(county.east_secretary)  # the branch: its own progress, no plan form
    listing = client.get(reverse("recruitment:plans"), {"year": YEAR})
    assert listing.status_code == 200
    body = listing.content.decode()
    assert 'data-testid="plan-form"' not in body
    assert 'data-testid="progress-admitted">3<' in body
    assert client.get(reverse("recruitment:plan", args=[saved.pk])).status_code == 404


def test_the_plan_form_saves_through_the_page(county: Any) -> None:
    client = Client()
    client.force_login(county.east_admin)
    response = client.post(
        reverse("recruitment:plans"),
        {"committee": county.east.pk, "year": YEAR, "admitted": 5, "under_45_percent": 80}
        | {"educated_percent": 60, "migrant_workers": 1, "two_new": 0, "note": ""},
    )
    assert response.status_code == 302
    assert selectors.scoped_plans(county.east_admin).get().admitted == 5


def test_the_api_sets_and_reads_a_plan_in_scope(county: Any, admitted: Any) -> None:
    import json

    client = Client()
    client.force_login(county.east_admin)
    body = {"committee": county.east.code, "year": YEAR} | TARGETS
    saved = client.post(
        "/api/v1/recruitment/plans", json.dumps(body), content_type="application/json"
    )
    assert saved.status_code == 200
    answer = saved.json()
    assert answer["progress"]["admitted"] == 3
    assert answer["warnings"][0] == "已发展 3 名，计划 4 名，尚差 1 名"
    client.force_login(county.west_admin)
    assert client.get(f"/api/v1/recruitment/plans/{answer['id']}").status_code == 404
    assert client.get("/api/v1/recruitment/plans").json()["count"] == 0
    refused = client.post(
        "/api/v1/recruitment/plans", json.dumps(body), content_type="application/json"
    )
    assert refused.status_code == 404


def test_the_alert_names_a_committee_behind_its_plan(county: Any, admitted: Any) -> None:
    from dangjian.alerts.engine import RULES

    plan(county)
    found = list(RULES["recruitment_plan"].find(county.county, dt.date(YEAR, 12, 1)))
    assert [case.subject for case in found] == [f"org:{county.east.pk}:plan:{YEAR}"]
    assert "已发展 3 名，计划 4 名，尚差 1 名" in found[0].message
    assert list(RULES["recruitment_plan"].find(county.county, dt.date(YEAR, 8, 31))) == []
    assert list(RULES["recruitment_plan"].find(county.west, dt.date(YEAR, 12, 1))) == []


def test_the_plan_export_holds_the_page_figures(county: Any, admitted: Any) -> None:
    import io

    from python_calamine import CalamineWorkbook

    saved = plan(county)
    client = Client()
    client.force_login(county.east_admin)
    page = client.get(reverse("recruitment:plan", args=[saved.pk]))
    body = client.get(reverse("recruitment:plan_export", args=[saved.pk])).content
    book = CalamineWorkbook.from_filelike(io.BytesIO(body))
    rows, children = (book.get_sheet_by_index(i).to_python() for i in range(2))
    assert [row[:3] for row in rows[3:]] == [
        [str(label), planned, actual] for label, planned, actual, _s in page.context["rows"]
    ]
    assert rows[4][3] == 67  # 45周岁以下: 2 of 3
    assert [row[1] for row in children[3:]] == [p.admitted for p in page.context["children"]]
    assert AuditEvent.objects.filter(action="EXPORT", target_type="recruitment.recruitmentplan")
    client.force_login(county.west_admin)
    assert client.get(reverse("recruitment:plan_export", args=[saved.pk])).status_code == 404
