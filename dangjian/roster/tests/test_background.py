"""A large file runs in a background thread of the web process (decision 0030)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from dangjian.members.models import Member
from dangjian.roster import services
from dangjian.roster.choices import ImportKind, JobStatus
from dangjian.roster.models import ImportJob

from .helpers import member_row, write_csv


def _wait(job: ImportJob, until: set[str], seconds: float = 30) -> ImportJob:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status in until:
            return job
        time.sleep(0.05)
    raise AssertionError(f"job still {job.status} after {seconds} s")


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
