"""Care, service, commendations and discipline: records, archive entries, effects, scope."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from dangjian.care import selectors, services
from dangjian.care.models import (
    Assistance,
    AssistanceKind,
    CareFundEntry,
    Commendation,
    CommendationTitle,
    Discipline,
    DisciplineKind,
    Hardship,
    HardshipKind,
    Level,
    VolunteerService,
)
from dangjian.members.choices import ArchiveKind, MemberStatus
from dangjian.members.models import Member, Membership


def test_hardship_marks_the_member_and_goes_into_the_archive(county: Any) -> None:
    services.record_for_member(
        actor=county.east_secretary,
        record=Hardship(
            member=county.li, kind=HardshipKind.ILLNESS, since=dt.date(2026, 3, 1), note="术后康复"
        ),
    )
    li = Member.objects.get(pk=county.li.pk)
    assert li.in_hardship
    assert li.archive.filter(kind=ArchiveKind.CARE, summary__contains="因病致困").exists()


def test_assistance_from_the_fund_is_spent_from_the_ledger(county: Any) -> None:
    services.fund_income(
        actor=county.east_secretary,
        organization=county.east_village,
        on=dt.date(2026, 1, 5),
        amount=Decimal("2000"),
        description="党员自愿捐款",
    )
    services.record_for_member(
        actor=county.east_secretary,
        record=Assistance(
            member=county.li,
            on=dt.date(2026, 2, 1),
            kind=AssistanceKind.VISIT,
            amount=Decimal("500"),
            description="春节慰问",
            given_by="支部书记",
            from_fund=True,
        ),
    )
    assert services.fund_balance(county.east_village) == Decimal("1500")
    assert CareFundEntry.objects.get(amount=Decimal("-500")).assistance is not None
    with pytest.raises(ValidationError):
        services.fund_income(
            actor=county.east_secretary,
            organization=county.east_village,
            on=dt.date(2026, 1, 5),
            amount=Decimal("0"),
            description="x",
        )


def test_expulsion_removes_the_member(county: Any) -> None:
    services.record_for_member(
        actor=county.east_admin,
        record=Discipline(
            member=county.wang,
            kind=DisciplineKind.EXPULSION,
            on=dt.date(2026, 9, 1),
            decided_by="县纪委",
            document_no="纪发〔2026〕3号",
        ),
    )
    wang = Member.objects.get(pk=county.wang.pk)
    assert wang.status == MemberStatus.LEFT
    assert Membership.objects.get(member=wang, is_latest=True).ended_on == dt.date(2026, 9, 1)
    assert wang.archive.filter(kind=ArchiveKind.DISCIPLINE).exists()


def test_discipline_counts_for_the_report(county: Any) -> None:
    for member, kind in (
        (county.li, DisciplineKind.WARNING),
        (county.sun, DisciplineKind.SERIOUS_WARNING),
    ):
        actor = county.east_admin if member == county.li else county.west_admin
        services.record_for_member(
            actor=actor,
            record=Discipline(
                member=member, kind=kind, on=dt.date(2026, 5, 1), decided_by="乡镇纪委"
            ),
        )
    assert selectors.discipline_counts(county.county, 2026)["people"] == 2
    assert selectors.discipline_counts(county.east, 2026)["people"] == 1
    assert selectors.discipline_counts(county.county, 2025)["people"] == 0


def test_commendations_volunteer_hours_and_community(county: Any) -> None:
    services.record_for_member(
        actor=county.east_secretary,
        record=Commendation(
            member=county.zhang,
            title=CommendationTitle.MEMBER,
            level=Level.COUNTY,
            on=dt.date(2026, 7, 1),
        ),
    )
    for hours in ("2.5", "4"):
        services.record_for_member(
            actor=county.east_secretary,
            record=VolunteerService(
                member=county.zhang,
                on=dt.date(2026, 8, 1),
                activity="防汛值守",
                hours=Decimal(hours),
            ),
        )
    services.commend_organization(
        actor=county.east_admin,
        record=Commendation(
            organization=county.east_village,
            title=CommendationTitle.ORGANIZATION,
            level=Level.COUNTY,
            on=dt.date(2026, 7, 1),
        ),
    )
    counts = selectors.commendation_counts(county.county, 2026)
    assert counts == {CommendationTitle.MEMBER: 1, CommendationTitle.ORGANIZATION: 1}
    assert county.zhang.archive.filter(kind=ArchiveKind.CARE).count() == 2


def test_only_the_branch_records_and_dates_are_checked(county: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.record_for_member(
            actor=county.west_admin,
            record=Hardship(member=county.li, kind=HardshipKind.LIVING, since=dt.date(2026, 1, 1)),
        )
    with pytest.raises(ValidationError):
        services.record_for_member(
            actor=county.east_secretary,
            record=Hardship(member=county.li, kind=HardshipKind.LIVING, since=dt.date(2999, 1, 1)),
        )
    assert not Hardship.objects.exists()


def test_pages(client: Client, county: Any) -> None:
    client.force_login(county.east_secretary)
    page = client.get(f"/care/member/{county.li.pk}/assistance")
    assert page.status_code == 200
    response = client.post(
        f"/care/member/{county.li.pk}/assistance",
        {
            "on": "2026-02-01",
            "kind": "VISIT",
            "description": "走访慰问",
            "amount": "0",
            "given_by": "支部书记",
        },
    )
    assert response.status_code == 302
    assert "走访慰问" in client.get(county.li.get_absolute_url()).content.decode()
    assert client.get(f"/care/fund/{county.east_village.pk}").status_code == 200
    client.force_login(county.west_admin)
    assert client.get(f"/care/member/{county.li.pk}/assistance").status_code == 404
    assert client.get(f"/care/fund/{county.east_village.pk}").status_code == 404
    assert Assistance.objects.count() == 1
