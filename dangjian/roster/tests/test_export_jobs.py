"""A large roster export is written by the worker, followed on its page and downloaded by the
user who asked, and no one else (decision 0265)."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from python_calamine import CalamineWorkbook

from dangjian.audit.choices import AuditAction
from dangjian.audit.models import AuditEvent
from dangjian.core import exports
from dangjian.core import tasks as core_tasks
from dangjian.core.models import ExportJob, ExportStatus
from dangjian.roster import exporting


def _run_worker() -> None:
    call_command("worker", "--batch", "--no-schedule", verbosity=0)


def _body(response: Any) -> bytes:
    if hasattr(response, "streaming_content"):
        return b"".join(response.streaming_content)
    return b"".join(response)


def _rows(xlsx: bytes) -> list[list[Any]]:
    return CalamineWorkbook.from_filelike(io.BytesIO(xlsx)).get_sheet_by_index(0).to_python()


def _start(client: Any, monkeypatch: pytest.MonkeyPatch, query: str) -> ExportJob:
    monkeypatch.setattr(exports, "BACKGROUND_ROWS", 1)
    response = client.get(f"{reverse('roster:export')}?{query}")
    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == job.get_absolute_url()
    return job


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_a_large_export_runs_in_the_worker_and_only_its_asker_downloads_it(
    county: Any, client: Any, monkeypatch: pytest.MonkeyPatch, file_format: str
) -> None:
    """Queued → done → download, audited at each end; the file is the synchronous export's."""
    client.force_login(county.east_admin)
    job = _start(client, monkeypatch, f"format={file_format}")
    assert (job.status, job.total_rows, job.created_by) == (
        ExportStatus.QUEUED,
        5,
        county.east_admin,
    )
    assert "等待后台处理程序开始" in client.get(job.get_absolute_url()).content.decode()
    _run_worker()
    job.refresh_from_db()
    assert (job.status, job.processed_rows, job.message) == (
        ExportStatus.DONE,
        5,
        "已生成，共 5 行。",
    )
    assert DBTaskResult.objects.get().status == TaskResultStatus.SUCCESSFUL
    page = client.get(job.get_absolute_url(), headers={"HX-Request": "true"}).content.decode()
    assert reverse("exports:file", args=[job.public_id]) in page
    assert "hx-trigger" not in page  # the page stops polling
    background = _body(client.get(reverse("exports:file", args=[job.public_id])))

    monkeypatch.setattr(exports, "BACKGROUND_ROWS", 3000)
    synchronous = _body(client.get(f"{reverse('roster:export')}?format={file_format}"))
    if file_format == "csv":
        assert background == synchronous
        assert "张三" in background.decode("utf-8-sig")
    else:
        assert _rows(background) == _rows(synchronous)
        assert {row[0] for row in _rows(background)[1:]} == {"张三", "李四", "王五", "赵六", "钱七"}
    starts = AuditEvent.objects.filter(action=AuditAction.EXPORT, detail__export=str(job.public_id))
    assert sorted(e.target_type for e in starts) == ["core.exportjob", "members.member"]

    # Anyone else, however wide their scope, finds neither the job nor its file.
    for other in (county.west_admin, county.county_admin):
        client.force_login(other)
        assert client.get(job.get_absolute_url()).status_code == 404
        assert client.get(reverse("exports:file", args=[job.public_id])).status_code == 404
        assert str(job.public_id) not in client.get(reverse("exports:list")).content.decode()


@pytest.mark.django_db
def test_the_page_shows_the_progress_of_a_running_export(
    county: Any, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    client.force_login(county.east_admin)
    job = _start(client, monkeypatch, "format=xlsx")
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportStatus.RUNNING, processed_rows=2, runner=f"{core_tasks.this_host()}:1"
    )
    page = client.get(job.get_absolute_url(), headers={"HX-Request": "true"}).content.decode()
    assert "已写 2 / 5 行" in page
    assert "40%" in page
    assert 'hx-trigger="every 1s"' in page


def _dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


@pytest.mark.django_db
def test_an_export_whose_worker_was_killed_shows_failed_not_running(
    county: Any, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker died mid-file (SIGKILL): the page says so, and the clear file is gone."""
    client.force_login(county.east_admin)
    job = _start(client, monkeypatch, "format=csv")
    job.directory.mkdir(parents=True)
    job.working_path.write_text("张三,110101…")
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportStatus.RUNNING, runner=f"{core_tasks.this_host()}:{_dead_pid()}"
    )
    page = client.get(job.get_absolute_url()).content.decode()
    assert "导出中断，文件没有生成。请重新导出。" in page
    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED
    assert not job.directory.exists()
    assert client.get(reverse("exports:file", args=[job.public_id])).status_code == 404


@pytest.mark.django_db
def test_the_sweep_fails_an_export_silent_past_the_limit_on_another_machine(
    county: Any, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    client.force_login(county.east_admin)
    job = _start(client, monkeypatch, "format=csv")
    beat = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportStatus.RUNNING, runner="elsewhere:42", heartbeat_at=beat
    )
    assert exports.exports_fail_stale(now=beat + dt.timedelta(minutes=5)) == 0
    assert exports.exports_fail_stale(now=beat + dt.timedelta(minutes=11)) == 1
    job.refresh_from_db()
    assert (job.status, job.message) == (
        ExportStatus.FAILED,
        "导出中断，文件没有生成。请重新导出。",
    )


@pytest.mark.django_db
def test_a_producer_that_breaks_leaves_the_export_failed_with_its_message(
    county: Any, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    client.force_login(county.east_admin)
    job = _start(client, monkeypatch, "format=xlsx")

    def breaks(*args: Any, **kwargs: Any) -> int:
        raise RuntimeError("disk gone")

    monkeypatch.setattr(exporting, "write_members", breaks)
    with pytest.raises(RuntimeError):
        exports.export_run(job.pk)
    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED
    assert job.message == "导出出错，文件没有生成。请重新导出；再次出错请联系系统管理员。"
    assert not job.directory.exists()
    assert "导出出错" in client.get(job.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_an_export_whose_asker_lost_the_organization_fails_with_a_clear_message(
    county: Any, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    client.force_login(county.east_admin)
    job = _start(client, monkeypatch, f"format=csv&org={county.east_village.pk}")
    job.created_by.roles.all().delete()
    assert exports.export_run(job.pk).status == ExportStatus.FAILED
    job.refresh_from_db()
    assert job.message == "您无权导出该党组织的党员。"


@pytest.mark.django_db
def test_the_file_is_kept_encrypted_and_deleted_when_it_expires(
    county: Any, client: Any, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    client.force_login(county.east_admin)
    job = _start(client, monkeypatch, "format=csv")
    exports.export_run(job.pk)
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE
    assert [p.name for p in job.directory.iterdir()] == ["sealed"]  # no clear working file
    sealed = job.sealed_path.read_bytes()
    assert "张三".encode() not in sealed
    assert b"".join(exports.unseal(job.sealed_path)).decode("utf-8-sig").count("\n") == 6
    stray = Path(settings.VAR_DIR) / "exports" / "left-by-a-killed-worker"
    stray.mkdir()
    assert job.finished_at is not None
    later = job.finished_at + dt.timedelta(hours=25)
    assert exports.exports_cleanup(now=later) == {"expired": 1, "cancelled": 0, "deleted": 2}
    job.refresh_from_db()
    assert job.status == ExportStatus.EXPIRED
    assert not job.directory.exists()
    assert not stray.exists()
    assert client.get(reverse("exports:file", args=[job.public_id])).status_code == 404
    assert "文件已过期删除" in client.get(job.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_a_small_export_stays_synchronous(county: Any, client: Any) -> None:
    client.force_login(county.east_admin)
    response = client.get(f"{reverse('roster:export')}?format=csv")
    assert response.status_code == 200
    assert not ExportJob.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_no_working_file_holds_a_member_in_clear(
    county: Any, client: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, file_format: str
) -> None:
    """Every byte the worker puts on disk is sealed, while it writes and after: the export's own
    file and the .xlsx writer's row file (in the temporary directory) alike."""
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    client.force_login(county.east_admin)
    job = _start(client, monkeypatch, f"format={file_format}")
    real_cells = exporting.export_cells
    looked: list[Path] = []

    def on_disk() -> list[Path]:
        return [p for p in [*temporary.rglob("*"), *job.directory.rglob("*")] if p.is_file()]

    def cells_then_look(rows: Any, *, scope: Any) -> Any:
        # Each member 60 times: far more than any writer's buffer, so a clear working file
        # would hold rows by the time the last one has been handed over.
        for row in real_cells(rows, scope=scope):
            yield from [row] * 60
        looked.extend(on_disk())
        for path in looked:
            assert "张三".encode() not in path.read_bytes(), path

    monkeypatch.setattr(exporting, "export_cells", cells_then_look)
    exports.export_run(job.pk)
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE, job.message
    assert looked  # the files being written were there to look at
    for path in on_disk():
        assert "张三".encode() not in path.read_bytes(), path
    clear = b"".join(exports.unseal(job.sealed_path))
    text = clear.decode("utf-8-sig") if file_format == "csv" else str(_rows(clear))
    assert text.count("张三") >= 60  # the export itself is whole
