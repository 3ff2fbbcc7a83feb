"""The task queue, the schedule and the liveness of workers (dangjian.core.tasks, decision 0130)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from dangjian.core import tasks
from dangjian.core.models import ScheduledRun, TaskWorker

from .workers import worker_process

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _at(day: int, hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, minute, second, tzinfo=SHANGHAI)


def test_every_nightly_job_is_on_the_schedule() -> None:
    """The worker runs what cron or systemd timers used to: expiry, alerts, backup, warm-up."""
    schedule = {p.name: (p.at, p.every, p.inline) for p in tasks.periodic_tasks()}
    assert schedule == {
        "transfers.expire": (dt.time(1, 30), None, False),
        "alerts.nightly": (dt.time(2, 0), None, False),
        "ops.backup": (dt.time(2, 30), None, False),
        "core.task_results_prune": (dt.time(4, 0), None, False),
        "reports.figures_warm": (None, dt.timedelta(minutes=5), False),
        "dues.report_warm": (None, dt.timedelta(minutes=5), False),
        "roster.jobs_fail_stale": (None, dt.timedelta(minutes=1), True),
        "portal.invitations_fail_abandoned": (None, dt.timedelta(minutes=5), True),
        "core.exports_sweep": (None, dt.timedelta(minutes=1), True),
        "core.exports_expire": (None, dt.timedelta(hours=1), False),
    }


@pytest.mark.django_db
def test_a_daily_task_runs_once_a_day_at_its_time() -> None:
    """First seen at noon: nothing (last night's run is not made up); 01:59 the next night:
    nothing; 02:00: it runs; 02:05: not again; the night after: again."""
    alerts = next(p for p in tasks.periodic_tasks() if p.name == "alerts.nightly")
    seen = []
    for moment in [_at(7, 12), _at(8, 1, 59, 59), _at(8, 2), _at(8, 2, 5), _at(9, 2, 0, 1)]:
        seen.append(tasks._claim(alerts, moment))
    assert seen == [False, False, True, False, True]
    assert ScheduledRun.objects.get(name="alerts.nightly").last_run_at == _at(9, 2, 0, 1)


@pytest.mark.django_db
def test_an_interval_task_runs_at_once_then_every_interval() -> None:
    sweep = next(p for p in tasks.periodic_tasks() if p.name == "roster.jobs_fail_stale")
    start = _at(7, 10)
    moments = [start, start + dt.timedelta(seconds=59), start + dt.timedelta(seconds=60)]
    assert [tasks._claim(sweep, m) for m in moments] == [True, False, True]


@pytest.mark.django_db
def test_of_two_workers_seeing_the_same_mark_only_one_claims_the_run() -> None:
    alerts = next(p for p in tasks.periodic_tasks() if p.name == "alerts.nightly")
    ScheduledRun.objects.create(name="alerts.nightly", last_run_at=_at(7, 2))
    stale_view = ScheduledRun.objects.get(name="alerts.nightly")
    assert tasks._claim(alerts, _at(8, 2, 0, 1)) is True
    # The second worker read the mark before the first updated it: its update finds nothing.
    assert not ScheduledRun.objects.filter(
        pk=stale_view.pk, last_run_at=stale_view.last_run_at
    ).exists()
    assert tasks._claim(alerts, _at(8, 2, 0, 2)) is False


@pytest.mark.django_db(transaction=True)
def test_the_worker_enqueues_and_runs_what_is_due(tree: Any) -> None:
    """At 02:00 the nightly alerts are due: `dangjian worker --batch` enqueues them on the
    database queue and runs them; the backup, not yet due, is not started."""
    for name in ("transfers.expire", "ops.backup", "core.task_results_prune"):
        ScheduledRun.objects.create(name=name, last_run_at=_at(8, 2))
    ScheduledRun.objects.create(name="alerts.nightly", last_run_at=_at(7, 2))
    with time_machine.travel(_at(8, 2, 0, 30), tick=False):
        call_command("worker", "--batch", verbosity=0)
    done = {r.task_path: r.status for r in DBTaskResult.objects.all()}
    assert done == {
        "dangjian.alerts.tasks.alerts_nightly": TaskResultStatus.SUCCESSFUL,
        "dangjian.reports.tasks.figures_warm": TaskResultStatus.SUCCESSFUL,
        "dangjian.dues.tasks.report_warm": TaskResultStatus.SUCCESSFUL,
        "dangjian.core.exports.exports_expire": TaskResultStatus.SUCCESSFUL,
    }
    assert ScheduledRun.objects.get(name="alerts.nightly").last_run_at == _at(8, 2, 0, 30)
    assert not TaskWorker.objects.exists()  # the worker left when it stopped


def _dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


@pytest.mark.django_db
def test_running_tasks_of_dead_workers_are_marked_failed_and_others_are_kept() -> None:
    """Here: a process that is gone fails at once, a live one is kept. Elsewhere: a worker
    whose beat is older than DANGJIAN_TASKS_STALE_AFTER fails, a recent one is kept."""
    now = timezone.now()
    host = tasks.this_host()
    workers = {
        "dead-here": (host, _dead_pid(), now),
        "alive-here": (host, os.getpid(), now - dt.timedelta(days=1)),
        "quiet-elsewhere": ("elsewhere", 1, now - dt.timedelta(seconds=601)),
        "beating-elsewhere": ("elsewhere", 2, now - dt.timedelta(seconds=599)),
    }
    for worker_id, (worker_host, pid, beat) in workers.items():
        TaskWorker.objects.create(
            worker_id=worker_id, host=worker_host, pid=pid, started_at=beat, beat_at=beat
        )
    for worker_id in [*workers, "never-registered"]:
        result = tasks.task_results_prune.enqueue()
        DBTaskResult.objects.filter(id=result.id).update(
            status=TaskResultStatus.RUNNING, started_at=now, worker_ids=[worker_id]
        )
    assert tasks.tasks_fail_abandoned(now) == 3
    status = {r.worker_ids[0]: r.status for r in DBTaskResult.objects.all()}
    assert status == {
        "dead-here": TaskResultStatus.FAILED,
        "alive-here": TaskResultStatus.RUNNING,
        "quiet-elsewhere": TaskResultStatus.FAILED,
        "beating-elsewhere": TaskResultStatus.RUNNING,
        "never-registered": TaskResultStatus.FAILED,
    }
    assert set(TaskWorker.objects.values_list("worker_id", flat=True)) == {
        "alive-here",
        "beating-elsewhere",
    }


@pytest.mark.django_db(transaction=True)
def test_sigterm_stops_the_worker_cleanly(tmp_path: Path) -> None:
    """systemd stops the worker with SIGTERM: it leaves its row and exits 0. Before that, its
    first tick started the interval tasks that were due, and the queue ran the warm-up."""
    warmed = (
        "SELECT status FROM django_tasks_database_dbtaskresult WHERE task_path = "
        "'dangjian.reports.tasks.figures_warm'"
    )
    with worker_process(tmp_path, "--tick", "0.2") as worker:
        worker.wait_for(lambda: worker.query(warmed) == [("SUCCESSFUL",)])
        assert worker.query("SELECT COUNT(*) FROM core_taskworker") == [(1,)]
        worker.signal(signal.SIGTERM)
        assert worker.process.wait(timeout=30) == 0
    assert "后台处理程序已停止" in worker.output()
    assert not TaskWorker.objects.exists()
