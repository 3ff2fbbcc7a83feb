"""A branch secretary uploads a roster with errors, reads the preview, downloads the error
report, and imports the valid rows."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from python_calamine import CalamineWorkbook

from dangjian.members.models import Member
from dangjian.roster.tests.helpers import member_row, write_xlsx

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("page", ["phone"], indirect=True)
def test_upload_preview_errors_download_report_and_import(
    page: Any, tree: Any, sign_in: Any, tmp_path: Path, settings: Any
) -> None:
    settings.VAR_DIR = tmp_path / "var"  # the import job's files
    rows = [
        member_row(姓名="网页导入"),
        member_row(姓名="日期有误", 入党日期="明年"),
        member_row(姓名="学历有误", 学历="扫盲班"),
    ]
    upload = write_xlsx(tmp_path / "东村名册.xlsx", rows)
    sign_in(page, "secretary")
    page.goto("/roster/")
    expect(page.get_by_role("heading", name="导入名册")).to_be_visible()
    page.get_by_label("导入到党组织").select_option(label="东村党支部")
    page.get_by_label("文件（.xlsx 或 .csv）").set_input_files(str(upload))
    page.get_by_label(re.compile("只导入无误的行")).check()
    page.get_by_role("button", name="上传并检查").click()

    expect(page).to_have_url(re.compile(r"/roster/jobs/[0-9a-f-]+/$"))
    counts = page.get_by_test_id("counts")
    expect(counts).to_contain_text("3")
    errors = page.get_by_test_id("errors")
    expect(errors).to_contain_text("第 3 行")
    expect(errors).to_contain_text("日期“明年”无法识别")
    expect(errors).to_contain_text("第 4 行")
    expect(errors).to_contain_text("不是有效的学历")

    with page.expect_download() as download_info:
        page.get_by_test_id("error-report").click()
    report = tmp_path / "report.xlsx"
    download_info.value.save_as(report)
    sheet = CalamineWorkbook.from_path(str(report)).get_sheet_by_index(0).to_python()
    assert [r[0] for r in sheet[1:]] == ["日期有误", "学历有误"]
    assert "入党日期" in str(sheet[1][-2])

    page.get_by_role("button", name="导入无误的 1 行").click()
    expect(page.get_by_test_id("job-done")).to_contain_text("已导入 1 条")
    assert Member.objects.filter(name="网页导入").exists()
    assert not Member.objects.filter(name__in=["日期有误", "学历有误"]).exists()
