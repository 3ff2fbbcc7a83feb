"""Roster pages for an in-scope and an out-of-scope user."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from python_calamine import CalamineWorkbook

from dangjian.audit.choices import AuditAction
from dangjian.audit.models import AuditEvent
from dangjian.members.models import Member
from dangjian.roster import services
from dangjian.roster.choices import ImportKind, JobStatus
from dangjian.roster.models import ImportJob

from .helpers import member_row, write_csv


def _upload(client: Any, tmp_path: Path, rows: list[dict[str, Any]], org: Any, **extra: Any) -> Any:
    path = write_csv(tmp_path / "名册.csv", rows)
    upload = SimpleUploadedFile("名册.csv", path.read_bytes(), content_type="text/csv")
    data = {"kind": "members", "organization": org.pk, "file": upload, **extra}
    return client.post(reverse("roster:import"), data)


def test_import_page_for_managers_only(client: Any, tree: Any) -> None:
    client.force_login(tree.east_secretary)
    response = client.get(reverse("roster:import"))
    assert response.status_code == 200
    assert "东村党支部" in response.content.decode()
    assert "西村党支部" not in response.content.decode()
    for user in (tree.east_observer, tree.member_user):
        client.force_login(user)
        assert client.get(reverse("roster:import")).status_code == 404


def test_nav_shows_import_to_managers(client: Any, tree: Any) -> None:
    client.force_login(tree.east_secretary)
    assert reverse("roster:import") in client.get(reverse("members:list")).content.decode()
    client.force_login(tree.east_observer)
    assert reverse("roster:import") not in client.get(reverse("members:list")).content.decode()


def test_upload_preview_commit(client: Any, tree: Any, tmp_path: Path) -> None:
    client.force_login(tree.east_secretary)
    rows = [member_row(姓名="页面导入"), member_row(姓名="坏行", 学历="未知")]
    response = _upload(client, tmp_path, rows, tree.east_village, valid_rows_only="on")
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == job.get_absolute_url()
    page = client.get(job.get_absolute_url()).content.decode()
    assert "第 3 行" in page
    assert "不是有效的学历" in page
    assert "导入无误的 1 行" in page
    partial = client.get(job.get_absolute_url(), headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in partial
    assert "第 3 行" in partial
    report = client.get(reverse("roster:job_errors", args=[job.public_id]))
    assert report.status_code == 200
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(report.streaming_content)))
    assert sheet.get_sheet_by_index(0).to_python()[1][0] == "坏行"
    response = client.post(reverse("roster:job_commit", args=[job.public_id]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert Member.objects.filter(name="页面导入").exists()
    assert not Member.objects.filter(name="坏行").exists()


def test_all_or_nothing_page_offers_no_commit(client: Any, tree: Any, tmp_path: Path) -> None:
    client.force_login(tree.east_secretary)
    _upload(
        client,
        tmp_path,
        [member_row(姓名="好"), member_row(姓名="坏", 学历="?")],
        tree.east_village,
    )
    job = ImportJob.objects.get()
    page = client.get(job.get_absolute_url()).content.decode()
    assert "确认导入" not in page
    assert "下载错误报告" in page
    client.post(reverse("roster:job_commit", args=[job.public_id]))
    assert not Member.objects.filter(name="好").exists()


def test_upload_to_another_branch_is_refused(client: Any, tree: Any, tmp_path: Path) -> None:
    client.force_login(tree.east_secretary)
    response = _upload(client, tmp_path, [member_row()], tree.west_village)
    assert response.status_code == 200  # the form: west_village is not a choice
    assert not ImportJob.objects.exists()


def test_another_users_job_is_404(client: Any, tree: Any, tmp_path: Path) -> None:
    client.force_login(tree.east_secretary)
    _upload(client, tmp_path, [member_row(学历="?")], tree.east_village)
    job = ImportJob.objects.get()
    client.force_login(tree.west_admin)
    for name in ("roster:job", "roster:job_errors"):
        assert client.get(reverse(name, args=[job.public_id])).status_code == 404
    assert client.post(reverse("roster:job_commit", args=[job.public_id])).status_code == 404


def test_background_job_shows_progress_then_result(client: Any, tree: Any, tmp_path: Path) -> None:
    """What the background thread runs, run here in the test's thread: the page polls until done."""
    path = write_csv(tmp_path / "a.csv", [member_row(姓名="后台")])
    job = services.job_create(
        actor=tree.east_secretary,
        kind=ImportKind.MEMBERS,
        upload=path,
        organization=tree.east_village,
    )
    client.force_login(tree.east_secretary)
    partial = client.get(job.get_absolute_url(), headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 1s"' in partial
    assert "正在校验" in partial
    services.job_validate(job.pk)
    partial = client.get(job.get_absolute_url(), headers={"HX-Request": "true"}).content.decode()
    assert "every 1s" not in partial
    assert "确认导入 1 行" in partial


@pytest.mark.parametrize("kind", ["members", "organizations"])
def test_templates_have_instructions_and_drop_downs(client: Any, tree: Any, kind: str) -> None:
    client.force_login(tree.east_secretary)
    response = client.get(reverse("roster:template", args=[kind]))
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    assert "填写说明" in workbook.sheet_names
    assert "示例" in workbook.sheet_names
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert "<dataValidation" in archive.read("xl/worksheets/sheet1.xml").decode()


def test_export_page_in_and_out_of_scope(client: Any, county: Any) -> None:
    client.force_login(county.east_secretary)
    response = client.get(reverse("roster:export"), {"format": "csv", "category": "FULL"})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "张三" in text
    assert "赵六" not in text
    assert "孙八" not in text
    assert AuditEvent.objects.filter(
        action=AuditAction.EXPORT, actor=county.east_secretary
    ).exists()
    response = client.get(reverse("roster:export"), {"org": county.west_village.pk})
    assert response.status_code == 404
    client.force_login(county.west_admin)
    data = b"".join(client.get(reverse("roster:export"), {"format": "csv"}).streaming_content)
    assert "张三" not in data.decode("utf-8-sig")


def test_export_xlsx_download(client: Any, county: Any) -> None:
    client.force_login(county.county_admin)
    response = client.get(reverse("roster:export"), {"format": "xlsx"})
    rows = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content)))
    assert len(rows.get_sheet_by_index(0).to_python()) == 1 + 6


def test_member_list_links_to_the_export_with_its_filters(client: Any, county: Any) -> None:
    client.force_login(county.east_secretary)
    page = client.get(reverse("members:list"), {"category": "FULL", "sex": "1"}).content.decode()
    assert f"{reverse('roster:export')}?category=FULL&amp;sex=1&amp;format=xlsx" in page


def test_the_template_examples_import_cleanly(tree: Any, tmp_path: Path) -> None:
    """The 示例 sheet of the member template is itself a valid file (its rows pass the checks)."""
    from dangjian.roster import exporting
    from dangjian.roster.importing import validate_members

    target = tmp_path / "template.xlsx"
    exporting.write_template(target, "members")
    sheet = CalamineWorkbook.from_path(str(target)).get_sheet_by_name("示例").to_python()
    sheet[2][20] = "C0003"  # the second example leaves the organization to the page's choice
    result = validate_members(
        iter(sheet),
        actor=tree.county_admin,
        default_organization=None,
        directory=tmp_path / "job",
    )
    assert result.errors == []
    assert result.valid_rows == 2
