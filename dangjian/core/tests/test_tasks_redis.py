"""The Redis queue (RQ) for several machines: the same tasks, the same worker command.

Runs where Redis answers at 127.0.0.1:6379 (or DANGJIAN_TEST_REDIS); with CI=true it must.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from dangjian.core import tasks
from dangjian.members.models import Member
from dangjian.roster import services
from dangjian.roster.choices import ImportKind, JobStatus
from dangjian.roster.tests.helpers import member_row, write_csv


def _redis() -> Any:
    import redis

    client = redis.Redis.from_url(django_settings.RQ_QUEUES["default"]["URL"], socket_timeout=3)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI") == "true":
            pytest.fail("Redis is not reachable, and CI=true requires it.")
        pytest.skip("Redis is not reachable: the Redis queue tests were skipped.")
    return client


@pytest.fixture
def redis_queue(settings: Any) -> Any:
    client = _redis()
    client.flushdb()  # the test settings' own Redis database (15)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    yield client
    client.flushdb()


@pytest.mark.django_db(transaction=True)
def test_an_import_runs_through_redis(
    redis_queue: Any, tree: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    """Validate and commit a large file as tasks on RQ: nothing is on the database queue, both
    steps wait in Redis until `dangjian worker` (RQ's worker) runs them."""
    assert not tasks.uses_database_queue()
    settings.VAR_DIR = tmp_path / "var"
    monkeypatch.setattr(services, "BACKGROUND_ROWS", 1)
    path = write_csv(tmp_path / "big.csv", [member_row(姓名="红甲"), member_row(姓名="红乙")])
    job = services.job_create(
        actor=tree.east_secretary,
        kind=ImportKind.MEMBERS,
        upload=path,
        organization=tree.east_village,
    )
    assert services.job_validate_start(job) is True
    assert redis_queue.llen("rq:queue:default") == 1
    call_command("worker", "--batch", "--no-schedule", verbosity=0)
    job.refresh_from_db()
    assert (job.status, job.valid_rows) == (JobStatus.VALIDATED, 2)
    services.job_commit_start(job)
    call_command("worker", "--batch", "--no-schedule", verbosity=0)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert Member.objects.filter(name__in=["红甲", "红乙"]).count() == 2
    assert not DBTaskResult.objects.exists()
