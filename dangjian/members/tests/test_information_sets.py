"""家庭成员 and 出国出境 on the member, and the 党建带团建 figures: archive, audit, scope, encryption."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.urls import reverse

from dangjian.audit.choices import AuditAction
from dangjian.audit.models import AuditEvent
from dangjian.members import selectors, services
from dangjian.members.choices import (
    ArchiveKind,
    FamilyRelation,
    PoliticalStatus,
    Sex,
    TripPurpose,
)
from dangjian.members.models import ArchiveEntry, FamilyMember, TripAbroad
from dangjian.reports.tables import ReportData, league_table
from dangjian.site.testing import build_member

pytestmark = pytest.mark.django_db

RELATIVE = "欧阳秀英"


def _raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return str(cursor.fetchone()[0])


def test_a_relative_is_encrypted_archived_and_audited_without_the_name(county: Any) -> None:
    """The name is stored encrypted (also in the archive), shown masked in the archive, and
    appears in no audit event; the removal keeps what was recorded."""
    row = services.family_member_add(
        actor=county.east_secretary,
        member=county.zhang,
        relation=FamilyRelation.SPOUSE,
        name=f" {RELATIVE} ",
        birth_date=dt.date(1982, 4, 1),
        political_status=PoliticalStatus.MASSES,
        work_unit="东村小学",
    )
    assert (row.name, row.birth_year, row.name_masked) == (RELATIVE, 1982, "欧***")
    assert RELATIVE not in _raw("members_familymember", "name_encrypted", row.pk)
    entry = ArchiveEntry.objects.get(member=county.zhang, kind=ArchiveKind.FAMILY)
    assert entry.summary == "登记家庭成员（配偶）"
    assert RELATIVE not in _raw("members_archiveentry", "after", entry.pk)
    assert entry.plain_after()["family_name"] == RELATIVE  # what a transfer package carries
    shown = {label: new for label, _old, new in entry.changes()}
    assert shown["家庭成员姓名"] == "欧***"
    assert shown["政治面貌"] == "群众"
    services.family_member_remove(actor=county.east_secretary, family_member=row, reason="录入错误")
    assert not FamilyMember.objects.exists()
    removed = ArchiveEntry.objects.filter(kind=ArchiveKind.FAMILY).order_by("-id").first()
    assert removed is not None
    assert removed.plain_before()["family_name"] == RELATIVE
    events = AuditEvent.objects.filter(target_type="members.familymember")
    assert {e.action for e in events} == {AuditAction.CREATE, AuditAction.DELETE}
    assert not any(RELATIVE in f"{e.summary}{e.detail}" for e in AuditEvent.objects.all())


def test_information_sets_refuse_out_of_scope_and_bad_values(county: Any) -> None:
    """Only a manager of the member's organization writes; the observer and the other township
    get PermissionDenied; impossible values carry the app's codes."""
    for actor in (county.west_admin, county.east_observer):
        with pytest.raises(PermissionDenied):
            services.family_member_add(
                actor=actor, member=county.zhang, relation=FamilyRelation.SON, name="张小"
            )
        with pytest.raises(PermissionDenied):
            services.trip_abroad_add(
                actor=actor,
                member=county.zhang,
                left_on=dt.date(2025, 1, 1),
                destination="日本",
                purpose=TripPurpose.PRIVATE,
            )
        with pytest.raises(PermissionDenied):
            services.mass_organization_year_save(
                actor=actor,
                organization=county.east_village,
                year=2026,
                has_league=True,
                league_members=3,
                has_women_organization=True,
            )
    with pytest.raises(ValidationError) as caught:
        services.family_member_add(
            actor=county.east_secretary,
            member=county.zhang,
            relation=FamilyRelation.SON,
            name="张小",
            birth_year=2001,
            birth_date=dt.date(2002, 1, 1),
        )
    assert caught.value.error_dict["birth_year"][0].code == "family_invalid"
    with pytest.raises(ValidationError) as caught:
        services.trip_abroad_add(
            actor=county.east_secretary,
            member=county.zhang,
            left_on=dt.date(2025, 3, 1),
            returned_on=dt.date(2025, 2, 1),
            destination="日本",
            purpose=TripPurpose.PRIVATE,
        )
    assert caught.value.error_dict["returned_on"][0].code == "trip_invalid"
    assert not ArchiveEntry.objects.filter(kind__in=[ArchiveKind.FAMILY, ArchiveKind.ABROAD])


def test_a_stay_abroad_and_the_return_are_dated_in_the_archive(county: Any) -> None:
    trip = services.trip_abroad_add(
        actor=county.east_secretary,
        member=county.zhang,
        left_on=dt.date(2025, 3, 1),
        destination="新加坡",
        purpose=TripPurpose.OFFICIAL,
        approval="县外办 县外〔2025〕12号",
    )
    services.trip_abroad_return(
        actor=county.east_secretary, trip=trip, returned_on=dt.date(2025, 3, 9)
    )
    trip.refresh_from_db()
    assert trip.returned_on == dt.date(2025, 3, 9)
    out, back = ArchiveEntry.objects.filter(kind=ArchiveKind.ABROAD).order_by("id")
    assert (out.summary, out.effective_on) == ("出国出境：新加坡（因公）", dt.date(2025, 3, 1))
    assert (back.effective_on, back.after) == (dt.date(2025, 3, 9), {"returned_on": "2025-03-09"})
    assert AuditEvent.objects.filter(target_type="members.tripabroad").count() == 2
    services.trip_abroad_remove(actor=county.east_secretary, trip=trip)
    assert not TripAbroad.objects.exists()


def test_the_league_table_counts_the_entered_and_the_roster(county: Any, time_machine: Any) -> None:
    """党建带团建 on 31 December 2026: east village 4 members (赵六 alone 35 or under: 25%),
    south village 1 (no record), west village 1 (孙八, 46: 0%, under the 10% floor)."""
    time_machine.move_to(dt.datetime(2026, 12, 31, 12, tzinfo=dt.UTC))
    for organization, league, women in (
        (county.east_village, (True, 12), True),
        (county.west_village, (False, 2), True),
    ):
        services.mass_organization_year_save(
            actor=county.county_admin,
            organization=organization,
            year=2026,
            has_league=league[0],
            league_members=league[1],
            has_women_organization=women,
        )
    east = selectors.mass_organization_figures(organization=county.east_village, year=2026)
    assert (east.members, east.young_members, east.women_members) == (4, 1, 1)
    assert (east.young_share_percent, east.young_share_low) == ("25.0", False)
    table = league_table(ReportData(county.county, dt.date(2026, 12, 31)))
    assert table is not None
    figures = {row.key: row.values[0] for row in table.rows}
    assert figures == {
        "reporting": 2,
        "with-league": 1,
        "league-members": 14,
        "with-women": 2,
        "members": 6,
        "young": 1,
        "women": 1,
        "low-share": 1,
    }
    assert "16.7%" in table.note
    # A second save corrects the year's record rather than adding one.
    services.mass_organization_year_save(
        actor=county.east_secretary,
        organization=county.east_village,
        year=2026,
        has_league=True,
        league_members=15,
        has_women_organization=False,
    )
    record = selectors.mass_organization_year(organization=county.east_village, year=2026)
    assert record is not None
    assert record.league_members == 15
    assert AuditEvent.objects.filter(target_type="members.massorganizationyear").count() == 3


def test_the_reports_league_table_counts_the_roster_on_the_reports_date(
    county: Any, time_machine: Any
) -> None:
    """The annual report counts 党建带团建's young members and women on its own date, like
    every other table of it (the member page counts them at the year's end or today): a young
    woman who joined the east village on 20 December counts in the year's figures of the
    organization, not in a report as of 19 December."""
    time_machine.move_to(dt.datetime(2026, 12, 31, 12, tzinfo=dt.UTC))
    services.mass_organization_year_save(
        actor=county.county_admin,
        organization=county.east_village,
        year=2026,
        has_league=True,
        league_members=3,
        has_women_organization=False,
    )
    build_member(
        organization=county.east_village,
        name="新团员",
        sex=Sex.FEMALE,
        birth_date=dt.date(2000, 5, 4),
        joined_on=dt.date(2025, 7, 1),
        started_on=dt.date(2026, 12, 20),
    )
    east = selectors.mass_organization_figures(organization=county.east_village, year=2026)
    assert (east.members, east.young_members, east.women_members) == (5, 2, 2)

    def report(on: dt.date) -> dict[str, int]:
        table = league_table(ReportData(county.county, on))
        assert table is not None
        return {row.key: row.values[0] for row in table.rows}

    before, after = report(dt.date(2026, 12, 19)), report(dt.date(2026, 12, 20))
    assert (before["members"], before["young"], before["women"]) == (6, 1, 1)
    assert (after["members"], after["young"], after["women"]) == (7, 2, 2)
    assert before["reporting"] == after["reporting"] == 1


def test_the_member_page_masks_a_relative_until_revealed(client: Client, county: Any) -> None:
    row = services.family_member_add(
        actor=county.east_secretary,
        member=county.zhang,
        relation=FamilyRelation.FATHER,
        name=RELATIVE,
        birth_year=1950,
    )
    url = reverse("members:detail", args=[county.zhang.pk])
    client.force_login(county.east_observer)
    body = client.get(url).content.decode()
    assert "欧***" in body
    assert RELATIVE not in body
    reveal = reverse("members:family_reveal", args=[county.zhang.pk, row.pk])
    assert client.post(reveal).status_code == 403
    client.force_login(county.east_secretary)
    assert RELATIVE in client.post(reveal).content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.REVEAL).count() == 1
    client.force_login(county.west_admin)
    assert client.post(reveal).status_code == 404
    client.force_login(county.member_user)  # 张三 sees his own family in full
    assert RELATIVE in client.get(url).content.decode()
