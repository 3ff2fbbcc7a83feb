"""The report's tables from the domain apps: recruitment and discipline."""

from __future__ import annotations

import datetime as dt
from typing import Any

from dangjian.care import services as care_services
from dangjian.care.models import Discipline, DisciplineKind
from dangjian.recruitment.tests.helpers import new_applicant
from dangjian.reports.tables import ReportData, discipline_table, recruitment_table


def values(table: Any) -> dict[str, int]:
    return {row.key: row.values[0] for row in table.rows}


def test_recruitment_table_counts_applications_in_the_year(county: Any) -> None:
    new_applicant(county)  # applied 2022-01-10 in 东村
    in_year = values(recruitment_table(ReportData(county.county, dt.date(2022, 12, 31))))
    assert in_year["applied"] == 1
    assert in_year["applicants"] == 1
    assert values(recruitment_table(ReportData(county.west, dt.date(2022, 12, 31))))["applied"] == 0
    assert (
        values(recruitment_table(ReportData(county.county, dt.date(2021, 12, 31))))["applied"] == 0
    )


def test_discipline_table_counts_people_and_rural_members(county: Any) -> None:
    care_services.record_for_member(
        actor=county.east_admin,
        record=Discipline(
            member=county.li,
            kind=DisciplineKind.WARNING,
            on=dt.date(2026, 3, 1),
            decided_by="镇纪委",
        ),
    )
    counts = values(discipline_table(ReportData(county.county, dt.date(2026, 12, 31))))
    assert counts["disciplined"] == 1
    assert counts["disciplined-farmers"] == (1 if county.li.occupation == "FARMER" else 0)
    assert (
        values(discipline_table(ReportData(county.west, dt.date(2026, 12, 31))))["disciplined"] == 0
    )


def test_mobile_table_counts_open_outflows_by_province_on_the_date(county: Any) -> None:
    from dangjian.reports.tables import mobile_table
    from dangjian.transfers import mobile
    from dangjian.transfers.choices import OutflowReason

    outflow = mobile.outflow_create(
        actor=county.east_secretary,
        member=county.wang,
        region_code="440300",
        left_on=dt.date(2026, 1, 5),
        reason=OutflowReason.WORK,
    )
    counts = values(mobile_table(ReportData(county.county, dt.date(2026, 6, 30))))
    assert counts["total"] == 1
    assert counts["province-440000"] == 1
    assert values(mobile_table(ReportData(county.county, dt.date(2026, 1, 4))))["total"] == 0
    assert values(mobile_table(ReportData(county.west, dt.date(2026, 6, 30))))["total"] == 0
    assert outflow.pk


def test_review_table_counts_grades_of_the_year(county: Any) -> None:
    from dangjian.activities.models import ReviewEntry, ReviewRound
    from dangjian.reports.tables import review_table

    review = ReviewRound.objects.create(
        organization=county.east_village, year=2026, excellent_cap_percent=30
    )
    ReviewEntry.objects.create(review=review, member=county.zhang, grade="EXCELLENT")
    ReviewEntry.objects.create(review=review, member=county.li, grade="QUALIFIED")
    counts = values(review_table(ReportData(county.county, dt.date(2026, 12, 31))))
    assert counts == {
        "reviewed": 2,
        "grade-EXCELLENT": 1,
        "grade-QUALIFIED": 1,
        "grade-BASIC": 0,
        "grade-UNQUALIFIED": 0,
    }
    assert values(review_table(ReportData(county.county, dt.date(2025, 12, 31))))["reviewed"] == 0
