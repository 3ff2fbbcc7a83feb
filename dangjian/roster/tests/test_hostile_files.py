"""Hostile or broken files at the roster's doors (page and API): a message, no job, no 500."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from dangjian.core.tests import test_spreadsheets as parts
from dangjian.roster.models import ImportJob


def _sparse_bomb() -> bytes:
    """1.6 KB that declares a value in cell XFD1048576."""
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<dimension ref="A1:XFD1048576"/><sheetData>'
        f'<row r="1">{parts._cell("A1", "姓名")}</row>'
        f'<row r="1048576">{parts._cell("XFD1048576", "y")}</row></sheetData></worksheet>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", parts.CONTENT_TYPES)
        archive.writestr("_rels/.rels", parts.RELS)
        archive.writestr("xl/workbook.xml", parts.WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", parts.WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return buffer.getvalue()


HOSTILE = {
    "sparse bomb": _sparse_bomb(),
    "html as xlsx": "<html><table><tr><td>姓名</td></tr></table></html>".encode(),
    "empty zip as xlsx": b"PK\x05\x06" + b"\x00" * 18,
}


def _nothing_kept() -> None:
    assert not ImportJob.objects.exists()
    roster_files = Path(settings.VAR_DIR) / "roster"
    assert not roster_files.exists() or not any(roster_files.rglob("*.*"))


@pytest.mark.parametrize("case", HOSTILE)
def test_the_api_answers_400_and_keeps_nothing(client: Any, tree: Any, case: str) -> None:
    client.force_login(tree.east_secretary)
    response = client.post(
        "/api/v1/roster/jobs",
        {"file": SimpleUploadedFile("名册.xlsx", HOSTILE[case]), "organization_code": "C0003"},
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "file_unreadable"
    assert "另存为" in str(body) or "超出导入上限" in str(body)
    _nothing_kept()


@pytest.mark.parametrize("case", HOSTILE)
def test_the_import_page_shows_the_message_on_the_form(client: Any, tree: Any, case: str) -> None:
    client.force_login(tree.east_secretary)
    response = client.post(
        "/roster/",
        {
            "kind": "members",
            "organization": tree.east_village.pk,
            "file": SimpleUploadedFile("名册.xlsx", HOSTILE[case]),
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "另存为" in page or "超出导入上限" in page
    _nothing_kept()
