"""Background work: Django's tasks API, the schedule of periodic tasks, and workers' liveness.

Apps define tasks with `task` from here (today django-tasks' backport; with Django 6 this module
imports `django.tasks` instead, and nothing else changes) in their own `tasks.py`, and register
periodic ones from `AppConfig.ready()` with `register_periodic` (an extension point: core names
no app). `dangjian worker` (core/management/commands/worker.py) runs the queue and, in a thread
beside it, `scheduler_tick` every few seconds: it beats the worker's row, starts the periodic
tasks that are due (each run claimed once, however many workers run) and marks failed the tasks
of workers that died (decision 0130).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DatabaseError, IntegrityError, close_old_connections, connections
from django.utils import timezone
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, TaskResultStatus, task, task_backends
from django_tasks.base import Task

from .models import ScheduledRun, TaskWorker

__all__ = [
    "Periodic",
    "Task",
    "beating",
    "process_alive",
    "register_periodic",
    "scheduler_tick",
    "stale_after",
    "task",
    "tasks_fail_abandoned",
    "this_host",
    "uses_database_queue",
]

logger = logging.getLogger(__name__)


def stale_after() -> dt.timedelta:
    """How long a running task may show no sign of life before it is taken for dead."""
    return dt.timedelta(seconds=int(getattr(settings, "DANGJIAN_TASKS_STALE_AFTER", 600)))


def uses_database_queue() -> bool:
    from django_tasks_db import DatabaseBackend

    return isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend)


# --- the schedule -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Periodic:
    """A task the worker starts on a schedule: daily at `at` (local time) or `every` so often.

    `inline` tasks are cheap checks run in the scheduler thread itself (they must not wait for
    a free worker, and they would fill the queue's table every minute); the others are enqueued
    and run by whichever worker takes them.
    """

    name: str
    task: Task[[], Any]
    at: dt.time | None = None
    every: dt.timedelta | None = None
    inline: bool = False

    def __post_init__(self) -> None:
        if (self.at is None) == (self.every is None):
            raise ValueError(f"periodic task {self.name}: give exactly one of `at` and `every`")

    def occurrence(self, now: dt.datetime, last_run_at: dt.datetime) -> dt.datetime:
        """The latest time at or before `now` the task was due (compared with its last run)."""
        if self.every is not None:
            return last_run_at + self.every
        assert self.at is not None
        local = timezone.localtime(now)
        today = local.replace(hour=self.at.hour, minute=self.at.minute, second=0, microsecond=0)
        return today if today <= local else today - dt.timedelta(days=1)


_periodic: dict[str, Periodic] = {}


def register_periodic(periodic: Periodic) -> None:
    _periodic[periodic.name] = periodic


def periodic_tasks() -> list[Periodic]:
    return sorted(_periodic.values(), key=lambda p: p.name)


def _claim(periodic: Periodic, now: dt.datetime) -> bool:
    """True when this caller is the one to start `periodic` now.

    The first time a daily task is seen it only starts counting (a worker started at noon does
    not run last night's backup); an interval task runs at once. A run is claimed by a
    conditional update, so two workers never both start it.
    """
    mark = ScheduledRun.objects.filter(name=periodic.name).first()
    if mark is None:
        try:
            ScheduledRun.objects.create(name=periodic.name, last_run_at=now)
        except IntegrityError:
            return False  # another worker saw it first
        return periodic.every is not None
    due = periodic.occurrence(now, mark.last_run_at)
    if due > now or mark.last_run_at >= due:
        return False
    return bool(
        ScheduledRun.objects.filter(pk=mark.pk, last_run_at=mark.last_run_at).update(
            last_run_at=now
        )
    )


def schedule_run(now: dt.datetime | None = None) -> list[str]:
    """Start every periodic task that is due; returns their names."""
    now = now or timezone.now()
    started = []
    for periodic in periodic_tasks():
        if not _claim(periodic, now):
            continue
        started.append(periodic.name)
        if periodic.inline:
            try:
                periodic.task.call()
            except Exception:
                logger.exception("periodic task %s failed", periodic.name)
        else:
            periodic.task.enqueue()
    return started


# --- workers' liveness ------------------------------------------------------------------------


def this_host() -> str:
    """This machine as process ids see it: the host name and the process-id namespace (two
    containers may share a host name but never each other's process ids)."""
    try:
        namespace = f"/{os.stat('/proc/self/ns/pid').st_ino}"
    except OSError:
        namespace = ""
    return socket.gethostname() + namespace


def process_alive(host: str, pid: int) -> bool | None:
    """Whether process `pid` on `host` (a `this_host()`) runs: True or False here, None when
    it runs elsewhere (another machine or container cannot be asked)."""
    if host != this_host():
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def worker_beat(*, worker_id: str, started_at: dt.datetime, now: dt.datetime) -> None:
    TaskWorker.objects.update_or_create(
        worker_id=worker_id,
        defaults={"beat_at": now},
        create_defaults={
            "host": this_host(),
            "pid": os.getpid(),
            "started_at": started_at,
            "beat_at": now,
        },
    )


def worker_leave(worker_id: str) -> None:
    TaskWorker.objects.filter(worker_id=worker_id).delete()


def _worker_dead(worker: TaskWorker | None, now: dt.datetime) -> bool:
    if worker is None:
        return True
    alive = process_alive(worker.host, worker.pid)
    if alive is not None:
        return not alive
    return worker.beat_at < now - stale_after()


class WorkerDied(Exception):
    """Recorded as the error of a task whose worker stopped while running it."""


def tasks_fail_abandoned(now: dt.datetime | None = None) -> int:
    """Mark failed the running tasks of the database queue whose worker is gone.

    A worker that is killed (SIGKILL, the machine lost power) cannot mark its task; without this
    the task would show "running" for ever. RQ does the same for its own queue (its registry of
    started jobs moves a dead worker's job to the failed ones).
    """
    if not uses_database_queue():
        return 0
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    workers = {w.worker_id: w for w in TaskWorker.objects.all()}
    failed = 0
    for result in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING):
        worker_id = result.worker_ids[-1] if result.worker_ids else ""
        if not _worker_dead(workers.get(worker_id), now):
            continue
        result.set_failed(WorkerDied(f"worker {worker_id} stopped while running this task"))
        failed += 1
    # Rows of workers gone for good (killed, not stopped) are dropped once their tasks are.
    for worker in workers.values():
        if _worker_dead(worker, now):
            worker.delete()
    return failed


def scheduler_tick(*, worker_id: str, started_at: dt.datetime) -> list[str]:
    """One round of the worker's scheduler thread: beat, sweep the dead, start what is due."""
    now = timezone.now()
    worker_beat(worker_id=worker_id, started_at=started_at, now=now)
    tasks_fail_abandoned(now)
    return schedule_run(now)


# --- a beat while one task runs ---------------------------------------------------------------


@contextmanager
def beating(beat: Callable[[], None], every: float) -> Iterator[None]:
    """Call `beat()` every `every` seconds in a thread while the block runs.

    A long task shows it is alive this way (the roster job's `heartbeat_at`). A beat that fails
    (on SQLite, the task's own long write transaction holds the lock) is skipped, not fatal.
    """
    stop = threading.Event()

    def run() -> None:
        try:
            while not stop.wait(every):
                try:
                    close_old_connections()
                    beat()
                except DatabaseError:
                    logger.warning("task beat skipped", exc_info=True)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, name="task-beat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


# --- housekeeping -----------------------------------------------------------------------------

# Finished tasks of the database queue are kept this long for a look at what ran, then deleted.
RESULTS_KEPT = dt.timedelta(days=14)


@task()
def task_results_prune() -> int:
    """Delete the database queue's finished tasks older than RESULTS_KEPT."""
    if not uses_database_queue():
        return 0
    from django_tasks_db.models import DBTaskResult

    deleted, _by_model = (
        DBTaskResult.objects.finished()
        .filter(finished_at__lt=timezone.now() - RESULTS_KEPT)
        .delete()
    )
    return deleted


def register() -> None:
    register_periodic(
        Periodic(name="core.task_results_prune", task=task_results_prune, at=dt.time(4, 0))
    )
