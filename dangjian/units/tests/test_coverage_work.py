"""Coverage work beyond the registry: importing a county's unit list (messy CSV/xlsx, all or
nothing, re-import updates by credit code), joint-branch suggestions and records, 党建指导员
and the official table of organizations by unit kind."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from python_calamine import CalamineWorkbook
from stdnum.cn import uscc

from dangjian.audit.models import AuditEvent
from dangjian.core.dates import today
from dangjian.core.workbooks import new_workbook
from dangjian.members.models import Member
from dangjian.organizations.choices import OrgKind, UnitKind
from dangjian.reports.report import report_compute
from dangjian.site.testing import build_org
from dangjian.units import selectors, services
from dangjian.units.importing import read_units
from dangjian.units.models import Unit


def code(serial: int) -> str:
    body = f"9133010{serial:010d}"
    return body + uscc.calc_check_digit(body)


A, B, C = code(1), code(2), code(3)


def messy_xlsx(path: Path, rows: list[list[Any]]) -> Path:
    """As a county gets it: a merged title row, a blank row, then the header (other spellings)."""
    book = new_workbook(path)
    sheet = book.add_worksheet()
    sheet.merge_range("A1:E1", "某某县市场主体名录（2026年11月）")
    sheet.write_row(2, 0, ["序号", "企业名称", "统一社会信用代码", "企业类型", "住所", "从业人数"])
    for number, row in enumerate(rows, start=1):
        sheet.write_row(2 + number, 0, [number, *row])
    book.close()
    return path


GOOD = [
    [
        "宏达建材有限公司",
        " ".join([A[:6], A[6:12], A[12:].lower()]),
        "有限责任公司(自然人投资或控股)",
        "东镇工业园1号",
        "８５",
    ],
    ["爱心养老服务中心", "".join(chr(ord(c) + 0xFEE0) for c in B), "民办非企业单位", "", ""],
]


def test_a_messy_xlsx_is_read_and_bad_rows_named_in_chinese(tmp_path: Path) -> None:
    path = messy_xlsx(
        tmp_path / "units.xlsx",
        [
            *GOOD,
            ["", C, "", "", ""],
            ["重复公司", A, "", "", ""],
            ["错码公司", A[:-1] + "0", "", "", ""],
        ],
    )
    found = read_units(path)
    assert found.notes == ["表头在第 3 行，上面的 2 行（标题等）不导入。"]
    assert [(r.name, r.credit_code, r.kind, r.employees) for r in found.records] == [
        ("宏达建材有限公司", A, UnitKind.PRIVATE_ENTERPRISE, 85),
        ("爱心养老服务中心", B, UnitKind.SOCIAL_ORGANIZATION, None),
    ]
    assert [(e.row, e.message) for e in found.errors] == [
        (6, "缺少单位名称。"),
        (7, "统一社会信用代码与第 4 行重复。"),
        (8, f"统一社会信用代码“{A[:-1]}0”有误（应为18位，末位为校验码）。"),
    ]


def test_import_is_all_or_nothing_and_reimport_updates_by_code(county: Any, tmp_path: Path) -> None:
    bad = messy_xlsx(tmp_path / "bad.xlsx", [*GOOD, ["", C, "", "", ""]])
    with pytest.raises(ValidationError) as refused:
        services.units_import(actor=county.east_admin, area=county.east, path=bad)
    assert refused.value.error_list[0].code == "import_rows"
    assert "第 6 行" in refused.value.messages[0]
    assert not Unit.objects.exists()
    with pytest.raises(PermissionDenied):
        services.units_import(actor=county.west_admin, area=county.east, path=bad)
    good = messy_xlsx(tmp_path / "good.xlsx", GOOD)
    result = services.units_import(actor=county.east_admin, area=county.east, path=good)
    assert (result.created, result.updated) == (2, 0)
    again = messy_xlsx(
        tmp_path / "again.xlsx",
        [["宏达建材集团有限公司", A, "", "", "120"], ["顺通物流", C, "", "", ""]],
    )
    result = services.units_import(actor=county.east_admin, area=county.east, path=again)
    assert (result.created, result.updated) == (1, 1)
    updated = Unit.objects.get(credit_code=A)
    assert (updated.name, updated.employees, updated.area) == (
        "宏达建材集团有限公司",
        120,
        county.east,
    )
    assert Unit.objects.count() == 3
    # A code another area registered is not the east's to update.
    with pytest.raises(ValidationError) as refused:
        services.units_import(actor=county.west_admin, area=county.west, path=again)
    assert "已由其他地区登记" in refused.value.messages[0]
    assert AuditEvent.objects.filter(action="IMPORT").count() == 2


def test_the_import_page_previews_then_imports(county: Any, tmp_path: Path) -> None:
    client = Client()
    client.force_login(county.east_admin)
    url = f"{reverse('units:import')}?org={county.east.pk}"
    good = f"单位名称,统一社会信用代码,单位类别\n宏达建材,{A},非公有制企业\n"
    csv = f"{good},{B},\n"
    page = client.post(
        url, {"file": SimpleUploadedFile("u.csv", csv.encode("gbk")), "default_kind": "OTHER"}
    )
    assert "缺少单位名称" in page.content.decode()
    assert "units_import" not in client.session
    page = client.post(
        url,
        {
            "file": SimpleUploadedFile("u.csv", good.encode()),
            "default_kind": "OTHER",
        },
    )
    assert page.status_code == 200, page.content.decode()[:500]
    assert 'data-testid="import-commit"' in page.content.decode()
    assert not Unit.objects.exists()
    done = client.post(url, {"action": "commit"})
    assert done.status_code == 302
    assert list(Unit.objects.values_list("name", "kind")) == [
        ("宏达建材", UnitKind.PRIVATE_ENTERPRISE)
    ]
    west = Client()
    west.force_login(county.west_admin)
    assert west.get(url).status_code == 404


SOFFICE = shutil.which("soffice")


def test_a_csv_saved_by_libreoffice_imports(county: Any, tmp_path: Path) -> None:
    if SOFFICE is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice (soffice) is needed: apt-get install libreoffice-calc-nogui")
        pytest.skip("LibreOffice (soffice) is not installed")
    source = messy_xlsx(tmp_path / "list.xlsx", GOOD)
    out = tmp_path / "out"
    subprocess.run(
        [
            SOFFICE,
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76",
            "--outdir",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    found = read_units(out / "list.csv")
    assert found.errors == []
    assert [r.credit_code for r in found.records] == [A, B]


def _units_with_members(county: Any) -> list[Unit]:
    made = [
        services.unit_create(
            actor=county.east_admin,
            area=county.east,
            name=name,
            kind=UnitKind.PRIVATE_ENTERPRISE,
            credit_code=code(10 + n),
        )
        for n, name in enumerate(["甲厂", "乙店", "丙社", "丁厂", "戊店", "己厂"])
    ]
    workers = [county.zhang, county.li, county.wang, county.qian]
    for unit, member in zip(made, workers, strict=False):
        Member.objects.filter(pk=member.pk).update(work_unit=unit.name)
    return made


def test_joint_clusters_hold_at_most_five_and_a_joint_branch_is_recorded(
    county: Any, settings: Any
) -> None:
    made = _units_with_members(county)
    clusters = selectors.joint_clusters(selectors.coverage(county.east))
    assert [[r.unit.name for r in c.rows] for c in clusters] == [["丁厂", "丙社", "乙店", "甲厂"]]
    settings.DANGJIAN_RULES = {**settings.DANGJIAN_RULES, "joint_branch_max_units": 3}
    clusters = selectors.joint_clusters(selectors.coverage(county.east))
    assert [len(c.rows) for c in clusters] == [3, 1]
    settings.DANGJIAN_RULES = {**settings.DANGJIAN_RULES, "joint_branch_max_units": 5}
    joint = build_org(
        name="东镇非公企业联合党支部", kind=OrgKind.JOINT_BRANCH, parent=county.east, code="C0009"
    )
    with pytest.raises(ValidationError) as refused:
        services.joint_branch_record(
            actor=county.east_admin, organization=county.east_village, units=made[:2]
        )
    assert refused.value.error_dict["organization"][0].code == "not_joint_branch"
    with pytest.raises(ValidationError) as refused:
        services.joint_branch_record(actor=county.east_admin, organization=joint, units=made)
    assert refused.value.error_dict["units"][0].code == "joint_too_many"
    with pytest.raises(PermissionDenied):
        services.joint_branch_record(actor=county.west_admin, organization=joint, units=made[:2])
    services.joint_branch_record(actor=county.east_admin, organization=joint, units=made[:2])
    assert set(Unit.objects.filter(organization=joint).values_list("name", flat=True)) == {
        "甲厂",
        "乙店",
    }
    clusters = selectors.joint_clusters(selectors.coverage(county.east))
    assert [[r.unit.name for r in c.rows] for c in clusters] == [["丁厂", "丙社"]]


def test_instructors_are_listed_with_masked_phones_and_their_share(
    county: Any, tmp_path: Path
) -> None:
    made = _units_with_members(county)
    with pytest.raises(ValidationError):
        services.instructor_create(
            actor=county.east_admin, area=county.east, name="陈", phone="abc"
        )
    outside = services.unit_create(
        actor=county.west_admin, area=county.west, name="西厂", kind=UnitKind.OTHER
    )
    with pytest.raises(ValidationError) as refused:
        services.instructor_create(
            actor=county.east_admin, area=county.east, name="陈", units=[outside]
        )
    assert refused.value.error_dict["units"][0].code == "unit_outside"
    services.instructor_create(
        actor=county.east_admin,
        area=county.east,
        name="陈志强",
        phone="139 0571 0021",
        from_organization="县市场监督管理局",
        units=made[:3],
    )
    share = selectors.instructor_coverage(county.east)
    assert (share.units, share.with_instructor, share.rate) == (6, 3, 50)
    assert selectors.instructors_by_unit(county.east)[made[0].pk] == ["陈志强"]
    client = Client()
    client.force_login(county.east_observer)
    page = client.get(f"{reverse('units:instructors')}?org={county.east.pk}").content.decode()
    assert "139******21" in page
    assert "13905710021" not in page
    api = client.get(f"/api/v1/units/{county.east.code}/instructors").json()
    assert api["instructors"][0]["phone_masked"] == "139******21"
    assert api["with_instructor"] == 3
    export = client.get(f"{reverse('units:export')}?org={county.east.pk}")
    assert export.status_code == 200
    saved = tmp_path / "export.xlsx"
    saved.write_bytes(export.getvalue())
    rows = CalamineWorkbook.from_path(str(saved)).get_sheet_by_index(0).to_python()
    assert rows[0][:2] == ["单位名称", "统一社会信用代码"]
    assert rows[1][0] == "丁厂"
    assert AuditEvent.objects.filter(action="EXPORT").count() == 1


def test_the_table_of_organizations_by_unit_kind_counts_the_data(county: Any) -> None:
    made = _units_with_members(county)
    joint = build_org(
        name="东镇非公企业联合党支部",
        kind=OrgKind.JOINT_BRANCH,
        parent=county.east,
        code="C0009",
        unit_kind=UnitKind.PRIVATE_ENTERPRISE,
    )
    services.joint_branch_record(actor=county.east_admin, organization=joint, units=made[:2])
    table = report_compute(county.east, today()).table("unit_organizations")
    assert table is not None
    # 东镇: a committee (乡镇), two village branches (行政村), the joint branch (非公有制企业).
    assert table.row("total").values == [4, 1, 0, 3, 6, 2, 4]
    assert table.row("TOWNSHIP").values == [1, 1, 0, 0, 0, 0, 0]
    assert table.row("VILLAGE").values == [2, 0, 0, 2, 0, 0, 0]
    assert table.row("PRIVATE_ENTERPRISE").values == [1, 0, 0, 1, 6, 2, 4]
