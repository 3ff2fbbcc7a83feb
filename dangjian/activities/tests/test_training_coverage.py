"""Training coverage: who has had no training this year, by group (secretaries, party-affairs
staff, members) and organization, against the yearly class hours; report table, pages, API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from dangjian.accounts.choices import Role
from dangjian.accounts.models import RoleAssignment
from dangjian.activities import selectors, services
from dangjian.activities.choices import TrainingForm
from dangjian.members.choices import PositionTitle
from dangjian.members.models import Member
from dangjian.members.services import position_assign

YEAR = 2026
DAY = dt.date(YEAR, 11, 30)


@pytest.fixture
def trained(county: Any) -> Any:
    """张三 secretary of east village (2 hours), 李四 its deputy (32 hours); 王五 and 赵六 and
    south village's 钱七 untrained; 孙八 of the west township trained 8 hours."""
    for member, title in (
        (county.zhang, PositionTitle.SECRETARY),
        (county.li, PositionTitle.DEPUTY_SECRETARY),
    ):
        position_assign(
            actor=county.east_admin,
            organization=county.east_village,
            member=member,
            title=title,
            started_on=dt.date(2024, 1, 1),
        )
    course = services.course_create(
        actor=county.county_admin,
        organization=county.county,
        title="县委党校轮训",
        form=TrainingForm.CENTRAL,
        starts_on=dt.date(YEAR, 3, 1),
        ends_on=dt.date(YEAR, 3, 31),
    )
    services.session_add(
        actor=county.county_admin,
        course=course,
        on=dt.date(YEAR, 3, 2),
        topic="党章",
        hours=Decimal(2),
        participants=[county.zhang, county.li, county.sun],
    )
    services.session_add(
        actor=county.county_admin,
        course=course,
        on=dt.date(YEAR, 3, 3),
        topic="条例",
        hours=Decimal(12),
        participants=[county.li, county.sun],
    )
    for day in (4, 5):
        services.session_add(
            actor=county.county_admin,
            course=course,
            on=dt.date(YEAR, 3, day),
            topic="专题",
            hours=Decimal(9),
            participants=[county.li],
        )
    return course


def test_groups_count_the_trained_the_untrained_and_the_hours_met(
    county: Any, trained: Any
) -> None:
    coverage = selectors.training_coverage(county.east, YEAR, DAY)
    secretaries = coverage.group("SECRETARY")
    assert (secretaries.people, secretaries.trained, secretaries.met) == (1, 1, 0)  # 2 < 32
    staff = coverage.group("STAFF")
    assert (staff.people, staff.trained, staff.met) == (1, 1, 1)  # 李四: exactly 32
    members = coverage.group("MEMBER")
    assert (members.people, members.trained, members.untrained_count) == (5, 2, 3)
    assert [p.name for p in members.untrained] == ["王五", "赵六", "钱七"]  # by organization
    rows = {r.name: r for r in coverage.organizations}
    assert rows["东村党支部"].untrained_members == 2
    assert rows["东村党支部"].secretary_trained is True
    assert rows["南村党支部"].secretary_trained is None  # no secretary
    # Before the first session nobody was trained.
    early = selectors.training_coverage(county.east, YEAR, dt.date(YEAR, 3, 1))
    assert early.group("MEMBER").trained == 0


def test_an_account_with_a_staff_role_counts_as_party_affairs_staff(county: Any) -> None:
    Member.objects.filter(pk=county.wang.pk).update(user=county.east_secretary)
    assert RoleAssignment.objects.filter(user=county.east_secretary, role=Role.SECRETARY).exists()
    staff = selectors.training_coverage(county.east, YEAR, DAY).group("STAFF")
    assert [p.name for p in staff.untrained] == ["王五"]
    # The report's count in the database finds the account too (one side of its UNION).
    counted = {g.group: g.people for g in selectors.training_group_counts(county.east, YEAR, DAY)}
    assert counted["STAFF"] == staff.people == 1


def test_the_requirement_is_a_setting(county: Any, trained: Any) -> None:
    with override_settings(DANGJIAN_RULES={"training_hours_required": {"SECRETARY": 2}}):
        coverage = selectors.training_coverage(county.east, YEAR, DAY)
        assert coverage.group("SECRETARY").required == Decimal(2)
        assert coverage.group("SECRETARY").met == 1
        assert coverage.group("MEMBER").required == Decimal(32)


def test_the_annual_report_table(county: Any, trained: Any) -> None:
    from dangjian.reports.report import report_compute

    table = report_compute(county.county, dt.date(YEAR, 12, 31)).table("training_coverage")
    assert table is not None
    assert table.row("group-member").values == [6, 3, 3, 1]  # 孙八 trained 14 hours
    assert table.row("group-secretary").values == [1, 1, 0, 0]
    assert table.row("group-staff").values == [1, 1, 0, 1]


def test_pages_and_api_in_and_out_of_scope(county: Any, trained: Any) -> None:
    client = Client()
    client.force_login(county.east_admin)
    page = client.get(reverse("activities:training_coverage"), {"year": YEAR})
    assert page.status_code == 200
    text = page.content.decode()
    assert "王五" in text
    assert "孙八" not in text
    answer = client.get(f"/api/v1/activities/training/coverage/{county.east.code}?year={YEAR}")
    assert answer.status_code == 200
    assert {g["group"]: g["untrained"] for g in answer.json()["groups"]} == {
        "SECRETARY": 0,
        "STAFF": 0,
        "MEMBER": 3,
    }
    client.force_login(county.west_admin)
    refused = client.get(reverse("activities:training_coverage"), {"org": county.east.pk})
    assert refused.status_code == 404
    assert "王五" not in refused.content.decode()
    api = client.get(f"/api/v1/activities/training/coverage/{county.east.code}?year={YEAR}")
    assert api.status_code == 404


def test_the_export_lists_every_untrained_person_as_the_page_counts(
    county: Any, trained: Any
) -> None:
    import io

    from python_calamine import CalamineWorkbook

    from dangjian.audit.models import AuditEvent

    client = Client()
    client.force_login(county.east_admin)
    page = client.get(reverse("activities:training_coverage"), {"year": YEAR})
    coverage = page.context["coverage"]
    body = client.get(reverse("activities:training_coverage_export"), {"year": YEAR}).content
    book = CalamineWorkbook.from_filelike(io.BytesIO(body))
    groups, people, organizations = (book.get_sheet_by_index(i).to_python() for i in range(3))
    assert [row[3] for row in groups[3:]] == [g.untrained_count for g in coverage.groups]
    assert sorted(row[2] for row in people[3:]) == sorted(
        p.name for g in coverage.groups for p in g.untrained
    )
    assert "孙八" not in {row[2] for row in people[3:]}
    assert [row[2] for row in organizations[3:]] == [
        r.untrained_members for r in coverage.organizations
    ]
    assert AuditEvent.objects.filter(action="EXPORT", actor=county.east_admin).exists()
    client.force_login(county.west_admin)
    refused = client.get(reverse("activities:training_coverage_export"), {"org": county.east.pk})
    assert refused.status_code == 404


@pytest.mark.parametrize(
    "day", [dt.date(YEAR, 1, 1), dt.date(YEAR, 3, 2), dt.date(YEAR, 3, 4), DAY]
)
@pytest.mark.parametrize("required", [1, 2, 14, 32])
def test_group_counts_in_the_database_equal_the_coverage(
    county: Any, trained: Any, day: dt.date, required: int
) -> None:
    """The report's counts (training_group_counts, decision 0277) equal training_coverage's for
    several organizations of the county, on days around the sessions and for several hours
    required."""
    rules = {"training_hours_required": {g: required for g in ("SECRETARY", "STAFF", "MEMBER")}}
    with override_settings(DANGJIAN_RULES=rules):
        for organization in (county.county, county.east, county.east_village, county.south_village):
            old = selectors.training_coverage(organization, YEAR, day)
            new = selectors.training_group_counts(organization, YEAR, day)
            assert [(g.group, g.people, g.trained, g.met, g.required) for g in new] == [
                (g.group, g.people, g.trained, g.met, g.required) for g in old.groups
            ]
