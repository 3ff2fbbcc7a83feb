"""A large file runs as a background task in `dangjian worker` (decision 0130)."""

from __future__ import annotations

import datetime as dt
import os
import signal
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from dangjian.core import tasks as core_tasks
from dangjian.core.tests.workers import worker_process
from dangjian.members.models import Member
from dangjian.roster import importing, services
from dangjian.roster.choices import ImportKind, JobStatus
from dangjian.roster.models import ImportJob

from .helpers import member_row, write_csv


def _run_worker() -> None:
    """What `dangjian worker` does, in this process: run every queued task, then stop."""
    call_command("worker", "--batch", "--no-schedule", verbosity=0)


def _job(tree: Any, path: Path, **kwargs: Any) -> ImportJob:
    return services.job_create(
        actor=tree.east_secretary,
        kind=ImportKind.MEMBERS,
        upload=path,
        organization=tree.east_village,
        **kwargs,
    )


@pytest.mark.django_db(transaction=True)
def test_large_files_validate_and_commit_as_tasks(
    tree: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, client: Any
) -> None:
    """Both steps wait in the queue (the page says so) until the worker runs them."""
    monkeypatch.setattr(services, "BACKGROUND_ROWS", 1)
    path = write_csv(
        tmp_path / "big.csv", [member_row(姓名="后台甲"), member_row(姓名="后台乙", 学历="?")]
    )
    job = _job(tree, path, valid_rows_only=True)
    assert services.job_validate_start(job) is True
    job.refresh_from_db()
    assert job.background
    assert job.is_queued
    assert job.status == JobStatus.VALIDATING
    client.force_login(tree.east_secretary)
    assert "等待后台处理程序" in client.get(job.get_absolute_url()).content.decode()
    _run_worker()
    job.refresh_from_db()
    assert (job.status, job.valid_rows, job.error_rows) == (JobStatus.VALIDATED, 1, 1)
    assert job.processed_rows == 2
    assert job.runner
    assert services.job_commit_start(job) is True
    assert not Member.objects.filter(name="后台甲").exists()
    _run_worker()
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert Member.objects.filter(name="后台甲").exists()
    results = DBTaskResult.objects.order_by("enqueued_at")
    assert [(r.task_path, r.status) for r in results] == [
        ("dangjian.roster.tasks.job_step", TaskResultStatus.SUCCESSFUL)
    ] * 2
    assert [r.args_kwargs["args"][1] for r in results] == ["validate", "commit"]


@pytest.mark.django_db(transaction=True)
def test_a_step_that_breaks_fails_the_job_and_its_task_and_writes_nothing(
    tree: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "BACKGROUND_ROWS", 1)
    job = _job(tree, write_csv(tmp_path / "big.csv", [member_row(姓名="断甲"), member_row()]))
    services.job_validate_start(job)
    _run_worker()
    job.refresh_from_db()
    real = importing.commit_members

    def breaks_after_writing(*args: Any, **kwargs: Any) -> Any:
        real(*args, **kwargs)
        raise RuntimeError("disk gone")

    monkeypatch.setattr(importing, "commit_members", breaks_after_writing)
    services.job_commit_start(job)
    _run_worker()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.message == "后台处理中断，没有写入任何数据。请重新上传文件。"
    failed = DBTaskResult.objects.get(status=TaskResultStatus.FAILED)
    assert failed.exception_class_path == "builtins.RuntimeError"
    assert not Member.objects.filter(name="断甲").exists()


@pytest.mark.django_db(transaction=True)
def test_a_killed_worker_leaves_the_job_failed_and_nothing_half_written(
    tree: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, client: Any
) -> None:
    """SIGKILL in the middle of the commit: the page then says the job failed (re-upload), the
    queue's task is failed too, and not one of the rows was written."""
    monkeypatch.setattr(services, "BACKGROUND_ROWS", 1)
    rows = [
        member_row(姓名=f"杀{i}", birth=dt.date(1960, 1, 1) + dt.timedelta(days=i))
        for i in range(3000)
    ]
    job = _job(tree, write_csv(tmp_path / "big.csv", rows))
    services.job_validate_start(job)
    _run_worker()  # validated here; the commit is what the killed worker runs
    job.refresh_from_db()
    assert job.status == JobStatus.VALIDATED
    assert job.valid_rows == 3000
    services.job_commit_start(job)
    members_before = Member.objects.count()
    written = tmp_path / "written"
    with worker_process(
        tmp_path,
        "--no-schedule",
        env={"DANGJIAN_TEST_PROGRESS": str(written)},
        preload="dangjian.roster.tests.slow_commit",
    ) as worker:
        # Kill once the commit's open transaction holds written rows, before it commits.
        worker.wait_for(lambda: written.exists() and int(written.read_text() or 0) > 0)
        worker.signal(signal.SIGKILL)
        worker.process.wait(timeout=30)
    job.refresh_from_db()
    assert job.status == JobStatus.COMMITTING  # nobody has looked yet
    client.force_login(tree.east_secretary)
    page = client.get(job.get_absolute_url()).content.decode()
    assert "后台处理中断，没有写入任何数据。请重新上传文件。" in page
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert not job.directory.exists()  # its files hold clear ID numbers
    assert Member.objects.count() == members_before
    assert not Member.objects.filter(name__startswith="杀").exists()
    assert core_tasks.tasks_fail_abandoned() == 1
    task = DBTaskResult.objects.get(args_kwargs__args=[job.pk, "commit"])
    assert task.status == TaskResultStatus.FAILED
    assert task.exception_class_path == "dangjian.core.tasks.WorkerDied"


@pytest.mark.django_db
def test_a_job_on_another_machine_is_stale_only_after_the_threshold(
    tree: Any, tmp_path: Path, settings: Any
) -> None:
    """A job run elsewhere cannot be asked about its process: it fails once it has shown no sign
    of life for DANGJIAN_TASKS_STALE_AFTER seconds, not a second before."""
    settings.DANGJIAN_TASKS_STALE_AFTER = 600
    job = _job(tree, write_csv(tmp_path / "a.csv", [member_row()]))
    beat = timezone.now()
    ImportJob.objects.filter(pk=job.pk).update(
        background=True, runner="another-machine:4242", heartbeat_at=beat
    )
    job.refresh_from_db()
    with time_machine.travel(beat + dt.timedelta(seconds=600), tick=False):
        assert services.jobs_fail_stale() == 0
    job.refresh_from_db()
    assert job.status == JobStatus.VALIDATING
    with time_machine.travel(beat + dt.timedelta(seconds=601), tick=False):
        assert services.jobs_fail_stale() == 1
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "重新上传" in job.message


@pytest.mark.django_db
def test_a_queued_job_and_a_live_one_are_not_stale(tree: Any, tmp_path: Path) -> None:
    """Waiting for a worker is not dying; nor is a step whose process runs here."""
    queued = _job(tree, write_csv(tmp_path / "a.csv", [member_row()]))
    ImportJob.objects.filter(pk=queued.pk).update(background=True)
    live = _job(tree, write_csv(tmp_path / "b.csv", [member_row()]))
    old = timezone.now() - dt.timedelta(days=1)
    ImportJob.objects.filter(pk=live.pk).update(
        background=True, runner=f"{core_tasks.this_host()}:{os.getpid()}", heartbeat_at=old
    )
    assert services.jobs_fail_stale() == 0
    assert set(ImportJob.objects.values_list("status", flat=True)) == {JobStatus.VALIDATING}
