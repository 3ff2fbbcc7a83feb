"""A county's ledger of organizational life is written by the worker (issue 20: 128 s in the
request), for the user who asked only (decision 0265)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from dangjian.activities import services
from dangjian.audit.choices import AuditAction
from dangjian.audit.models import AuditEvent
from dangjian.core import exports
from dangjian.core.models import ExportJob, ExportStatus


@pytest.fixture(autouse=True)
def _exports_in_tmp(settings: Any, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path / "var"


def _sheets(xlsx: bytes) -> list[list[list[Any]]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(xlsx))
    return [book.get_sheet_by_index(i).to_python() for i in range(len(book.sheet_names))]


@pytest.mark.parametrize("fmt", ["xlsx", "pdf"])
def test_a_large_ledger_is_written_in_the_background_like_the_synchronous_one(
    county: Any, client: Any, make_activity: Any, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    meeting = make_activity(topic="学习党章专题会")
    services.activity_record(
        actor=county.east_secretary,
        activity=meeting,
        exceptions={county.li.pk: ("LEAVE", "外出务工")},
    )
    make_activity(organization=county.west_village, topic="西村党员大会")
    url = reverse("activities:ledger", args=[county.east.pk, meeting.on.year, fmt])
    client.force_login(county.east_admin)
    synchronous = client.get(url).content

    monkeypatch.setattr(exports, "BACKGROUND_ROWS", 0)
    response = client.get(url)
    job = ExportJob.objects.get()
    assert response["Location"] == job.get_absolute_url()
    assert (job.total_rows, job.title) == (1, f"东镇党委 {meeting.on.year}年组织生活台账")
    exports.export_run(job.pk)
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE
    background = b"".join(
        client.get(reverse("exports:file", args=[job.public_id])).streaming_content
    )
    if fmt == "xlsx":
        assert _sheets(background) == _sheets(synchronous)
        assert "李四（请假：外出务工）" in str(_sheets(background)[0])
    else:
        assert background.startswith(b"%PDF")
    assert (
        AuditEvent.objects.filter(
            action=AuditAction.EXPORT, target_type="organizations.organization"
        ).count()
        == 2
    )  # the synchronous export and the start of the background one

    client.force_login(county.west_admin)
    assert client.get(job.get_absolute_url()).status_code == 404
    assert client.get(reverse("exports:file", args=[job.public_id])).status_code == 404


def test_an_organization_out_of_scope_starts_no_job(county: Any, client: Any) -> None:
    client.force_login(county.west_admin)
    response = client.get(reverse("activities:ledger", args=[county.east.pk, 2026, "xlsx"]))
    assert response.status_code == 404
    assert not ExportJob.objects.exists()
