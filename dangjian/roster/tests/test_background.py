"""A large file runs in a background thread of the web process (decision 0030)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from dangjian.members.models import Member
from dangjian.roster import services
from dangjian.roster.choices import ImportKind, JobStatus
from dangjian.roster.models import ImportJob

from .helpers import member_row, write_csv


def _wait(job: ImportJob, until: set[str], seconds: float = 30) -> ImportJob:
    """Wait for the job's thread to end, then read its status once. Polling the row meanwhile
    would race the thread's writes: SQLite's shared-cache test database answers a write that
    meets a read of the same table with "database table is locked" instead of waiting."""
    for thread in threading.enumerate():
        if thread.name.endswith("(_in_thread)"):
            thread.join(seconds)
            assert not thread.is_alive(), f"the job's thread is still running after {seconds} s"
    job.refresh_from_db()
    assert job.status in until, f"job is {job.status}"
    return job


@pytest.mark.django_db(transaction=True)
def test_large_files_validate_and_commit_in_a_thread(
    tree: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "BACKGROUND_ROWS", 1)
    path = write_csv(
        tmp_path / "big.csv", [member_row(姓名="后台甲"), member_row(姓名="后台乙", 学历="?")]
    )
    job = services.job_create(
        actor=tree.east_secretary,
        kind=ImportKind.MEMBERS,
        upload=path,
        organization=tree.east_village,
        valid_rows_only=True,
    )
    assert services.job_run(services.job_validate, job) is True
    job = _wait(job, {JobStatus.VALIDATED, JobStatus.FAILED})
    assert job.background
    assert (job.status, job.valid_rows, job.error_rows) == (JobStatus.VALIDATED, 1, 1)
    assert services.job_commit_start(job) is True
    job = _wait(job, {JobStatus.DONE, JobStatus.FAILED})
    assert job.status == JobStatus.DONE
    assert Member.objects.filter(name="后台甲").exists()
