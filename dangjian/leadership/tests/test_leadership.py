"""The roster of secretaries and party-affairs staff, 述职 results, the 书记 distribution and
its report table, checked against the rows the test writes; pages, API and export in scope."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError

from dangjian.activities import services as activity_services
from dangjian.activities.choices import TrainingForm
from dangjian.audit.models import AuditEvent
from dangjian.leadership import selectors, services
from dangjian.leadership.choices import Duty, DutyGrade
from dangjian.members.choices import PositionTitle
from dangjian.members.services import position_assign

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 11, 30)


@pytest.fixture
def team(county: Any) -> Any:
    """East village: 张三 书记 since 2024 (born 1980), 李四 副书记; south village: 钱七 书记 since
    2015 (born 1960); east township: 王五 专职党务工作者. 张三 trained 3 hours this year; last
    year's 述职: 张三 好, 钱七 较好."""
    for member, org, title, since in (
        (county.zhang, county.east_village, PositionTitle.SECRETARY, dt.date(2024, 1, 1)),
        (county.li, county.east_village, PositionTitle.DEPUTY_SECRETARY, dt.date(2024, 1, 1)),
        (county.qian, county.south_village, PositionTitle.SECRETARY, dt.date(2015, 6, 1)),
    ):
        position_assign(
            actor=county.east_admin, organization=org, member=member, title=title, started_on=since
        )
    services.staff_post_assign(
        actor=county.east_admin,
        organization=county.east,
        member=county.wang,
        duty=Duty.STAFF_FULL_TIME,
        started_on=dt.date(2026, 2, 1),
    )
    course = activity_services.course_create(
        actor=county.county_admin,
        organization=county.county,
        title="书记轮训",
        form=TrainingForm.CENTRAL,
        starts_on=dt.date(2026, 3, 1),
        ends_on=dt.date(2026, 3, 31),
    )
    activity_services.session_add(
        actor=county.county_admin,
        course=course,
        on=dt.date(2026, 3, 2),
        topic="抓党建",
        hours=Decimal(3),
        participants=[county.zhang],
    )
    for member, org, grade in (
        (county.zhang, county.east_village, DutyGrade.GOOD),
        (county.qian, county.south_village, DutyGrade.FAIRLY_GOOD),
    ):
        services.duty_report_record(
            actor=county.east_admin, organization=org, member=member, year=2025, grade=grade
        )
    return county


def test_the_roster_from_positions_and_staff_posts(team: Any) -> None:
    rows = selectors.roster(team.east, DAY)
    assert [(r.name, r.post, r.tenure_years, r.hours, r.report_grade) for r in rows] == [
        ("王五", "STAFF_FULL_TIME", 0, Decimal(0), ""),
        ("张三", "SECRETARY", 2, Decimal(3), "GOOD"),
        ("李四", "DEPUTY_SECRETARY", 2, Decimal(0), ""),
        ("钱七", "SECRETARY", 11, Decimal(0), "FAIRLY_GOOD"),
    ]
    assert [r.name for r in selectors.roster(team.south_village, DAY)] == ["钱七"]


def test_the_distribution_and_the_report_table_agree_with_the_data(team: Any) -> None:
    from dangjian.reports.report import report_compute

    found = selectors.secretary_distribution(team.county, DAY)
    assert found.secretaries == 2
    assert {k: v for k, v in found.age.items() if v} == {"46-50": 1, "61-": 1}
    assert {k: v for k, v in found.education.items() if v} == {"BACHELOR": 2}
    assert {k: v for k, v in found.tenure.items() if v} == {"1-3": 1, "10-": 1}
    assert found.trained == 1
    assert {k: v for k, v in found.reported.items() if v} == {"GOOD": 1, "FAIRLY_GOOD": 1}
    table = report_compute(team.county, dt.date(2026, 12, 31)).table("secretaries")
    assert table is not None
    values = {row.key: row.values[0] for row in table.rows}
    assert values["total"] == 2
    assert values["age-46-50"] == values["age-61-"] == 1
    assert values["tenure-1-3"] == values["tenure-10-"] == 1
    assert values["education-bachelor"] == 2
    assert values["report-good"] == values["report-fairly_good"] == 1
    assert values["trained"] == 1
    assert sum(v for k, v in values.items() if k.startswith("age-")) == 2


def test_service_rules(team: Any) -> None:
    with pytest.raises(ValidationError) as error:
        services.duty_report_record(
            actor=team.east_admin,
            organization=team.east_village,
            member=team.zhang,
            year=2025,
            grade=DutyGrade.POOR,
        )
    assert error.value.error_dict["year"][0].code == "duplicate"
    with pytest.raises(ValidationError) as error:  # 孙八 is on the west township's roster
        services.staff_post_assign(
            actor=team.county_admin,
            organization=team.east,
            member=team.sun,
            duty=Duty.ORGANIZATION,
            started_on=dt.date(2026, 1, 1),
        )
    assert error.value.error_dict["member"][0].code == "not_member"
    assert team.wang.archive.filter(kind="POSITION_STARTED").exists()


@time_machine.travel(dt.datetime(2026, 11, 30, 10, tzinfo=dt.UTC), tick=False)
def test_pages_export_and_api_in_scope(team: Any, client: Any) -> None:
    from python_calamine import CalamineWorkbook

    client.force_login(team.county_admin)
    page = client.get(f"/leadership/?org={team.east.pk}").content.decode()
    assert "钱七" in page
    assert "专职党务工作者" in page
    response = client.get(f"/leadership/export.xlsx?org={team.east.pk}")
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0)
    assert [row[1] for row in sheet.to_python()[1:]] == ["王五", "张三", "李四", "钱七"]
    assert AuditEvent.objects.filter(action="EXPORT", summary="导出书记和党务干部名册").exists()
    roster = client.get("/api/v1/leadership/C0002/roster").json()
    assert roster["count"] == 4
    assert client.get("/api/v1/leadership/C0001/secretaries").json()["secretaries"] == 2
    reports = client.get("/api/v1/leadership/C0001/reports?year=2025").json()
    assert sorted(r["grade"] for r in reports["items"]) == ["FAIRLY_GOOD", "GOOD"]
    client.force_login(team.west_admin)
    assert client.get(f"/leadership/?org={team.east.pk}").status_code == 404
    assert client.get("/api/v1/leadership/C0002/roster").status_code == 404
    client.force_login(team.east_observer)
    assert client.get(f"/leadership/reports/new/?org={team.east.pk}").status_code == 403
