"""The roster API: upload, follow and commit a job; scope; a retried create acts once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from dangjian.members.models import Member
from dangjian.roster.models import ImportJob

from .helpers import member_row, write_csv


def _file(tmp_path: Path, rows: list[dict[str, Any]]) -> SimpleUploadedFile:
    path = write_csv(tmp_path / "api.csv", rows)
    return SimpleUploadedFile("api.csv", path.read_bytes(), content_type="text/csv")


def test_upload_follow_commit(client: Any, tree: Any, tmp_path: Path) -> None:
    client.force_login(tree.east_secretary)
    response = client.post(
        "/api/v1/roster/jobs",
        {
            "file": _file(tmp_path, [member_row(姓名="接口"), member_row(学历="?")]),
            "organization_code": "C0003",
            "valid_rows_only": "true",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["valid_rows"], body["error_rows"]) == ("VALIDATED", 1, 1)
    assert body["errors"][0]["row"] == 3
    assert body["errors"][0]["column"] == "学历"
    detail = client.get(f"/api/v1/roster/jobs/{body['id']}")
    assert detail.status_code == 200
    assert detail.json()["can_commit"] is True
    committed = client.post(f"/api/v1/roster/jobs/{body['id']}/commit")
    assert committed.json()["status"] == "DONE"
    assert committed.json()["imported_rows"] == 1
    again = client.post(f"/api/v1/roster/jobs/{body['id']}/commit")
    assert again.status_code == 400
    assert again.json()["code"] == "cannot_commit"
    assert Member.objects.filter(name="接口").count() == 1


def test_out_of_scope(client: Any, tree: Any, tmp_path: Path) -> None:
    client.force_login(tree.east_secretary)
    response = client.post(
        "/api/v1/roster/jobs",
        {"file": _file(tmp_path, [member_row()]), "organization_code": "C0006"},
    )
    assert response.status_code == 403
    client.post(
        "/api/v1/roster/jobs",
        {"file": _file(tmp_path, [member_row()]), "organization_code": "C0003"},
    )
    job = ImportJob.objects.get()
    client.force_login(tree.west_admin)
    assert client.get(f"/api/v1/roster/jobs/{job.public_id}").status_code == 404
    assert client.post(f"/api/v1/roster/jobs/{job.public_id}/commit").status_code == 404


def test_a_retried_upload_creates_one_job(client: Any, tree: Any, tmp_path: Path) -> None:
    client.force_login(tree.east_secretary)
    path = write_csv(tmp_path / "api.csv", [member_row()])
    responses = []
    for _attempt in range(2):
        with path.open("rb") as handle:
            responses.append(
                client.post(
                    "/api/v1/roster/jobs",
                    {"file": handle, "organization_code": "C0003"},
                    headers={"Idempotency-Key": "roster-1"},
                )
            )
    assert responses[0].json()["id"] == responses[1].json()["id"]
    assert ImportJob.objects.count() == 1
