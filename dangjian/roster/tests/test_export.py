"""Exports: the import layout, masking per role, audit, formula safety, and the round trip."""

from __future__ import annotations

import csv
import datetime as dt
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from python_calamine import CalamineWorkbook

from dangjian.accounts.scope import scope_for
from dangjian.audit.choices import AuditAction
from dangjian.audit.models import AuditEvent
from dangjian.members import selectors as member_selectors
from dangjian.members import services as member_services
from dangjian.members.choices import Degree, Education, MemberStatus, Occupation, Sex
from dangjian.members.models import Member, Membership
from dangjian.roster import exporting, services
from dangjian.roster.choices import ImportKind, JobStatus
from dangjian.site.testing import build_member

RISKY = {
    "work_unit": '=HYPERLINK("http://x","点我")',
    "post": "+1+1",
    "address": "-2+3",
    "native_place": "@SUM(A1)",
}


def _export(user: Any, path: Path, **filters: Any) -> Path:
    queryset = member_selectors.member_list(
        user=user, filters=member_selectors.MemberFilters(**filters)
    )
    cells = exporting.export_cells(exporting.export_queryset(queryset), scope=scope_for(user))
    if path.suffix == ".csv":
        exporting.write_csv(path, cells)
    else:
        exporting.write_xlsx(path, cells)
    return path


def _records() -> set[tuple[Any, ...]]:
    """Every member with the fields a roster carries, and where and how they were added."""
    rows = set()
    for member in Member.objects.all():
        membership = Membership.objects.get(member=member, is_latest=True)
        rows.add(
            (
                member.name,
                member.id_number,
                member.sex,
                member.ethnicity,
                member.birth_date,
                member.native_place,
                member.education,
                member.degree,
                member.occupation,
                member.work_unit,
                member.post,
                member.phone,
                member.address,
                member.category,
                member.joined_on,
                member.full_member_on,
                member.status,
                member.in_hardship,
                member.is_retired,
                member.is_migrant_worker,
                membership.organization.code,
                membership.started_on,
                membership.how_added,
            )
        )
    return rows


def _vary(county: Any) -> None:
    """Give the county's members the values a round trip could lose."""
    member_services.member_update(
        actor=county.county_admin,
        member=county.zhang,
        changes={
            **RISKY,
            "phone": "+86 138 0000 0000",
            "degree": Degree.BACHELOR,
            "in_hardship": True,
            "is_migrant_worker": True,
        },
    )
    member_services.member_update(
        actor=county.county_admin,
        member=county.li,
        changes={
            "education": Education.MASTER,
            "occupation": Occupation.RETIRED,
            "is_retired": True,
        },
    )
    member_services.member_change_status(
        actor=county.county_admin, member=county.wang, status=MemberStatus.MOBILE
    )


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_round_trip_into_an_empty_database(county: Any, tmp_path: Path, suffix: str) -> None:
    """Export everything, empty the roster, import the export: the same records come back."""
    _vary(county)
    before = _records()
    path = _export(county.county_admin, tmp_path / f"export{suffix}")
    Member.objects.all().delete()
    assert not Member.objects.exists()
    job = services.job_create(
        actor=county.county_admin, kind=ImportKind.MEMBERS, upload=path, organization=county.county
    )
    job = services.job_validate(job.pk)
    assert job.errors == []
    assert job.valid_rows == len(before)
    job = services.job_commit(job.pk)
    assert job.status == JobStatus.DONE
    assert _records() == before


def test_csv_cells_that_could_run_as_formulas_are_quoted(county: Any, tmp_path: Path) -> None:
    _vary(county)
    path = _export(county.county_admin, tmp_path / "x.csv")
    with path.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    zhang = next(r for r in rows if r["*姓名"] == "张三")
    assert zhang["工作单位"] == "'" + RISKY["work_unit"]
    assert zhang["职务"] == "'+1+1"
    assert zhang["家庭住址"] == "'-2+3"
    assert zhang["籍贯"] == "'@SUM(A1)"
    # A phone number is no formula: kept text by an invisible tab, not a visible apostrophe.
    assert zhang["联系电话"] == "\t+86 138 0000 0000"
    assert all(not value.startswith(("=", "+", "-", "@")) for r in rows for value in r.values())


def test_xlsx_writes_risky_text_as_plain_strings(county: Any, tmp_path: Path) -> None:
    _vary(county)
    path = _export(county.county_admin, tmp_path / "x.xlsx")
    with zipfile.ZipFile(path) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml
    assert "<f " not in sheet_xml
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    zhang = next(r for r in rows if r[0] == "张三")
    header = rows[0]
    assert zhang[header.index("工作单位")] == RISKY["work_unit"]
    assert zhang[header.index("职务")] == "+1+1"


def test_export_masks_for_an_observer_and_is_in_scope(county: Any, tmp_path: Path) -> None:
    path = _export(county.east_observer, tmp_path / "x.csv")
    with path.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["*姓名"] for r in rows} == {"张三", "李四", "王五", "赵六", "钱七"}  # not 孙八 (西村)
    zhang = next(r for r in rows if r["*姓名"] == "张三")
    assert "*" in zhang["*公民身份号码"]
    assert zhang["*公民身份号码"] != county.zhang.id_number


def test_export_command_writes_the_roster_and_audits(county: Any, tmp_path: Path) -> None:
    target = tmp_path / "all.xlsx"
    call_command("export", "members", str(target), "--org", "C0002", "--user", "east")
    rows = CalamineWorkbook.from_path(str(target)).get_sheet_by_index(0).to_python()
    assert len(rows) == 1 + 5
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert event.detail["count"] == 5


def test_export_then_import_keeps_an_x_id_number(county: Any, tmp_path: Path) -> None:
    build_member(
        name="末位X",
        organization=county.east_village,
        id_number="11010119900307029X",
        birth_date=dt.date(1990, 3, 7),
        joined_on=dt.date(2010, 7, 1),
        sex=Sex.MALE,
    )
    path = _export(county.county_admin, tmp_path / "x.csv")
    assert "11010119900307029X" in path.read_text(encoding="utf-8-sig")
