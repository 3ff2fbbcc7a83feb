"""The report page, its links, exports, snapshots and comparison, for users in and out of scope."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from html import unescape
from typing import Any

import pypdfium2 as pdfium
import pytest
from django.core.management import call_command
from django.urls import reverse
from python_calamine import CalamineWorkbook

from dangjian.audit.choices import AuditAction
from dangjian.audit.models import AuditEvent
from dangjian.core.dates import today
from dangjian.members import services as member_services
from dangjian.members.choices import Education, Ethnicity, MemberStatus, Occupation, Sex
from dangjian.reports import services
from dangjian.reports.models import ReportSnapshot
from dangjian.reports.report import Report, report_compute
from dangjian.site.testing import build_member

pytestmark = pytest.mark.django_db

EAST_NAMES = ("东镇党委", "东村党支部", "南村党支部")


def text(response: Any) -> str:
    return response.content.decode()


def report_url(org: Any, **query: str) -> str:
    url = reverse("reports:report", args=[org.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


# --- the page and its scope ------------------------------------------------------------------------


def test_report_page_shows_the_summary_tables_and_charts(client, county):
    """An administrator of the township sees its summary, tables and the chart data."""
    client.force_login(county.east_admin)
    response = client.get(report_url(county.east))
    assert response.status_code == 200
    body = text(response)
    assert "共有基层党组织3个(其中:党委1个、党总支0个、党支部2个);共有党员5名。" in body
    assert "男4名,占80.0%;女1名,占20.0%" in body
    assert 'data-table="age"' in body
    assert 'data-chart="pyramid"' in body
    assert "vendor/echarts/echarts.min.js" in body
    found = re.search(r'id="report-charts" type="application/json">(.*?)</script>', body)
    assert found is not None
    charts = json.loads(found.group(1))
    assert sum(charts["pyramid"]["men"]) + sum(charts["pyramid"]["women"]) == 5
    assert "西村党支部" not in body


@pytest.mark.parametrize("username", ["west_admin", "member_user"])
def test_out_of_scope_report_is_404(client, county, username):
    """Another township's administrator and a member get a 404 that names nothing."""
    client.force_login(getattr(county, username))
    for url in (
        report_url(county.east),
        reverse("reports:export", args=[county.east.pk, "xlsx"]),
        reverse("reports:export", args=[county.east.pk, "pdf"]),
        reverse("reports:compare", args=[county.east.pk]) + "?first=2024&second=2025",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        for name in EAST_NAMES:
            assert name not in text(response)


def test_observer_reads_but_cannot_freeze(client, county):
    client.force_login(county.east_observer)
    response = client.get(report_url(county.east))
    assert response.status_code == 200
    assert reverse("reports:snapshot_create", args=[county.east.pk]) not in text(response)
    response = client.post(
        reverse("reports:snapshot_create", args=[county.east.pk]), {"year": 2025}
    )
    assert response.status_code == 403
    assert not ReportSnapshot.objects.exists()


def test_index_goes_to_the_users_top_organization(client, county):
    client.force_login(county.east_admin)
    response = client.get(reverse("reports:index"))
    assert response.url == report_url(county.east)


def test_bad_date_says_what_to_fix_and_reports_today(client, county):
    client.force_login(county.east_admin)
    body = text(client.get(report_url(county.east, as_of="2025-13-01")))
    assert "不是有效日期，请按 2025-12-31 的格式填写" in body
    assert "共有党员5名" in body
    future = text(client.get(report_url(county.east, as_of="2999-01-01")))
    assert "统计截止日不能晚于今天" in future


def test_past_date_report_counts_the_roster_of_that_day(client, county):
    """As of 2026-01-01 the probationary member who joined 2026-06-01 was not yet there."""
    client.force_login(county.east_admin)
    body = text(client.get(report_url(county.east, as_of="2026-01-01")))
    assert "共有党员4名" in body
    assert "数字不链接到党员名单" in body


# --- links to the members behind a number -----------------------------------------------------------


def links(body: str) -> dict[str, str]:
    """(table, row, column) → link, from the page."""
    found: dict[str, str] = {}
    for table in re.finditer(r'data-table="(\w+)".*?</table>', body, re.S):
        for row in re.finditer(r'data-row="([^"]+)"(.*?)</tr>', table.group(0), re.S):
            for column, cell in enumerate(
                re.findall(r'<td class="text-end">(.*?)</td>', row.group(2))
            ):
                href = re.search(r'href="([^"]+)"', cell)
                if href:
                    found[f"{table.group(1)}/{row.group(1)}/{column}"] = unescape(href.group(1))
    return found


def listed(client: Any, url: str) -> int:
    body = text(client.get(url))
    found = re.search(r'data-testid="result-count">共 (\d+) 名党员', body)
    assert found is not None
    return int(found.group(1))


def test_every_linked_number_matches_the_member_list(client, county):
    """Each number with a link leads to a member list of exactly that many members."""
    build_member(
        organization=county.south_village,
        name="回族女",
        sex=Sex.FEMALE,
        ethnicity=Ethnicity.HUI,
        birth_date=dt.date(1950, 2, 1),
        joined_on=dt.date(1978, 12, 31),
        education=Education.PRIMARY,
        occupation=Occupation.RETIRED,
    )
    member_services.member_change_status(
        actor=county.east_admin, member=county.li, status=MemberStatus.MOBILE, reason="外出"
    )
    client.force_login(county.east_admin)
    body = text(client.get(report_url(county.east)))
    found = links(body)
    assert len(found) > 20
    report = report_compute(county.east, today())
    # Every link of the members table, and the first three of every other table (each request
    # is a page render; the rest are built by the same function).
    per_table: dict[str, int] = {}
    for key, url in found.items():
        table, row, column = key.split("/")
        per_table[table] = per_table.get(table, 0) + 1
        if table != "members" and per_table[table] > 3:
            continue
        assert listed(client, url) == report.value(table, row, int(column)), (key, url)
    assert "ethnicity=MINORITY" in found["ethnicity/MINORITY/0"]
    assert "joined_to=1978-12-31" in found["joined/1949-10-1978-12/0"]


def test_zero_and_organization_counts_have_no_link(client, county):
    client.force_login(county.east_admin)
    found = links(text(client.get(report_url(county.east))))
    assert not any(
        key.startswith(("organizations/", "branches/", "terms/", "changes/")) for key in found
    )
    assert "age/31-35/0" not in found  # nobody aged 31-35


# --- exports ------------------------------------------------------------------------------------------


def test_xlsx_has_a_sheet_per_table_and_is_audited(client, county):
    client.force_login(county.east_admin)
    response = client.get(reverse("reports:export", args=[county.east.pk, "xlsx"]))
    assert response.status_code == 200
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    report = report_compute(county.east, today())
    assert book.sheet_names == ["综述", *[t.title for t in report.tables]]
    members = book.get_sheet_by_name("党员基本情况").to_python()
    assert members[4][:2] == ["党员总数", 5.0]
    assert "共有党员5名" in str(book.get_sheet_by_name("综述").to_python()[2][0])
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert event.actor == county.east_admin
    assert event.detail["format"] == "xlsx"


def pdf_text(content: bytes) -> tuple[str, int]:
    document = pdfium.PdfDocument(content)
    pages = [document[i] for i in range(len(document))]
    text_all = "".join(p.get_textpage().get_text_range() for p in pages)
    image = pages[0].render(scale=0.5).to_pil()
    assert image.width > 100
    return text_all.replace("\r", "").replace("\n", ""), len(pages)


def test_pdf_renders_chinese_text_and_charts(client, county):
    """The PDF's pages render; their text layer holds the Chinese summary, the chart titles and
    the tables (the charts are vector drawings with their labels)."""
    client.force_login(county.east_admin)
    response = client.get(reverse("reports:export", args=[county.east.pk, "pdf"]))
    assert response["Content-Type"] == "application/pdf"
    content, pages = pdf_text(response.content)
    assert pages >= 2
    for expected in (
        "东镇党委",
        "共有党员5名",
        "年龄结构(按性别)",
        "学历结构",
        "历年党员数",
        "党员基本情况",
        "61岁及以上",
    ):
        assert expected in content, expected


def test_command_prints_the_summary_and_writes_both_files(county, tmp_path):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "report",
        "C0002",
        "--as-of",
        "2026-10-01",
        "--xlsx",
        str(tmp_path / "r.xlsx"),
        "--pdf",
        str(tmp_path / "r.pdf"),
        stdout=out,
        stderr=err,
    )
    assert "共有基层党组织3个" in out.getvalue()
    assert (tmp_path / "r.xlsx").stat().st_size > 1000
    assert "共有党员5名" in pdf_text((tmp_path / "r.pdf").read_bytes())[0]


def test_command_without_code_reports_the_top_and_rejects_bad_input(county):
    out = io.StringIO()
    call_command("report", stdout=out, stderr=io.StringIO())
    assert "示范县委" in out.getvalue()
    assert "共有党员6名" in out.getvalue()
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="没有组织代码为 NOPE"):
        call_command("report", "NOPE", stdout=io.StringIO())
    with pytest.raises(CommandError, match="格式"):
        call_command("report", "--as-of", "31.12.2025", stdout=io.StringIO())


# --- snapshots ------------------------------------------------------------------------------------


def test_snapshot_stays_frozen_after_corrections(client, county):
    """A frozen year shows the figures of the day it was frozen, whatever is corrected later."""
    snapshot = services.snapshot_freeze(
        actor=county.east_admin, organization=county.east, year=2025
    )
    assert snapshot.as_of == dt.date(2025, 12, 31)
    frozen = Report.from_dict(snapshot.data)
    assert frozen.value("members", "total") == 4  # 赵六 joined in 2026
    assert frozen.value("education", "BACHELOR") == 4
    # Corrections: 王五's education was primary school; a member who joined in 2020 is entered late.
    member_services.member_update(
        actor=county.east_admin,
        member=county.wang,
        changes={"education": Education.PRIMARY},
        id_number=None,
        reason="更正",
    )
    build_member(organization=county.east_village, name="补录", joined_on=dt.date(2020, 7, 1))
    live = report_compute(county.east, dt.date(2025, 12, 31))
    assert (live.value("members", "total"), live.value("education", "BACHELOR")) == (5, 4)
    snapshot.refresh_from_db()
    again = Report.from_dict(snapshot.data)
    assert (again.value("members", "total"), again.value("education", "BACHELOR")) == (4, 4)
    client.force_login(county.east_observer)
    body = text(client.get(snapshot.get_absolute_url()))
    assert "共有党员4名" in body
    assert "封存" in body
    compare = text(
        client.get(reverse("reports:compare", args=[county.east.pk]) + "?first=2025&second=2026")
    )
    rows = re.findall(
        r'<th scope="row" class="fw-normal">党员总数</th><td class="text-end">(\d+)</td><td class="text-end">(\d+)</td><td class="text-end">(-?\d+)</td>',
        compare,
    )
    assert rows == [("4", "6", "2")]
    event = AuditEvent.objects.get(action=AuditAction.CREATE, target_type="reports.reportsnapshot")
    assert event.actor == county.east_admin


def test_snapshot_rules(client, county):
    """Once per year; not for a year not yet over; not by a user who may only read."""
    from django.core.exceptions import PermissionDenied, ValidationError

    services.snapshot_freeze(actor=county.east_admin, organization=county.east, year=2024)
    with pytest.raises(ValidationError, match="已封存"):
        services.snapshot_freeze(actor=county.east_admin, organization=county.east, year=2024)
    with pytest.raises(ValidationError, match="尚未结束"):
        services.snapshot_freeze(
            actor=county.east_admin, organization=county.east, year=today().year
        )
    with pytest.raises(PermissionDenied):
        services.snapshot_freeze(actor=county.east_observer, organization=county.east, year=2023)
    with pytest.raises(PermissionDenied):
        services.snapshot_freeze(actor=county.west_admin, organization=county.east, year=2023)
    client.force_login(county.east_admin)
    response = client.post(
        reverse("reports:snapshot_create", args=[county.east.pk]), {"year": 2024}, follow=True
    )
    assert "2024年度的年报已封存，不能重复封存。" in text(response)
    client.force_login(county.west_admin)
    assert client.get(reverse("reports:snapshot", args=[county.east.pk, 2024])).status_code == 404


def test_freeze_through_the_page(client, county):
    client.force_login(county.east_admin)
    response = client.post(
        reverse("reports:snapshot_create", args=[county.east.pk]), {"year": 2025}
    )
    snapshot = ReportSnapshot.objects.get()
    assert response.url == snapshot.get_absolute_url()
    workbook = client.get(snapshot.get_absolute_url() + "?format=xlsx")
    book = CalamineWorkbook.from_filelike(io.BytesIO(workbook.content))
    sheet = book.get_sheet_by_name("综述").to_python()
    assert "2025-12-31" in str(sheet[0][0])
    assert "年终封存于" in str(sheet[1][0])


# --- API --------------------------------------------------------------------------------------------


def test_api_report_in_and_out_of_scope(client, county):
    client.force_login(county.east_admin)
    response = client.get(
        f"/api/v1/statistics/organizations/{county.east.pk}/report?as_of=2026-10-01"
    )
    assert response.status_code == 200
    data = response.json()
    assert data["summary"].startswith("共有基层党组织3个")
    members = next(t for t in data["tables"] if t["key"] == "members")
    assert members["rows"][0]["values"][0] == 5
    client.force_login(county.west_admin)
    response = client.get(f"/api/v1/statistics/organizations/{county.east.pk}/report")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_api_snapshot_create_is_idempotent_and_errors_are_shaped(client, county):
    client.force_login(county.east_admin)
    url = f"/api/v1/statistics/organizations/{county.east.pk}/snapshots"
    headers = {"HTTP_IDEMPOTENCY_KEY": "freeze-2025-east"}
    first = client.post(url, {"year": 2025}, content_type="application/json", **headers)
    again = client.post(url, {"year": 2025}, content_type="application/json", **headers)
    assert first.status_code == 201, first.content
    assert again.status_code == 201
    assert again.json() == first.json()
    assert ReportSnapshot.objects.count() == 1
    duplicate = client.post(url, {"year": 2025}, content_type="application/json")
    assert duplicate.status_code == 400
    assert duplicate.json()["code"] == "already_frozen"
    assert "已封存" in duplicate.json()["message"]
    listed_ = client.get(url).json()["items"]
    assert [s["year"] for s in listed_] == [2025]
    frozen = client.get(f"{url}/2025").json()
    assert frozen["frozen"] is True
    compare = client.get(
        f"/api/v1/statistics/organizations/{county.east.pk}/compare?first=2025&second=2026"
    ).json()
    assert compare["first_frozen"] is True
    assert compare["rows"][0]["first"] == 4
    client.force_login(county.west_admin)
    assert client.post(url, {"year": 2024}, content_type="application/json").status_code == 404
