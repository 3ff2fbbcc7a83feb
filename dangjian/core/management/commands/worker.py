"""`dangjian worker [--batch] [--no-schedule]`: run the task queue and the schedule.

One process runs the queue in its main thread (the database queue, or RQ on Redis when
DANGJIAN_TASKS_BROKER names a broker) and a scheduler thread beside it: every `--tick` seconds
it beats, marks failed the tasks of workers that died, and starts the periodic tasks that are due
(dangjian.core.tasks, decision 0130). SIGTERM or Ctrl-C lets a running task finish, then stops;
a second one stops at once (the task's transaction rolls back, and the task is marked failed).
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import DatabaseError, close_old_connections, connections
from django.utils import timezone
from django.utils.crypto import get_random_string

from dangjian.core import dbsettings, tasks

logger = logging.getLogger("dangjian.worker")


def _exit_now(signum: int, frame: Any) -> None:
    sys.exit(0)


class Command(BaseCommand):
    help = "运行后台任务队列和定时任务。Run the background task queue and the schedule."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch",
            action="store_true",
            help="运行已排队的任务后退出（测试与一次性运行用）。Run what is queued, then exit.",
        )
        parser.add_argument(
            "--no-schedule", action="store_true", help="不运行定时任务。Queue only."
        )
        parser.add_argument(
            "--interval", type=float, default=1.0, help="队列空闲时的轮询间隔（秒）。"
        )
        parser.add_argument("--tick", type=float, default=15.0, help="定时任务的检查间隔（秒）。")

    def handle(self, *args: Any, **options: Any) -> None:
        self._configure_logging(options["verbosity"])
        # Long counts, one at a time: PostgreSQL's parallel query, off for web requests.
        dbsettings.allow_parallel_queries()
        worker_id = get_random_string(32)
        started_at = timezone.now()
        stop = threading.Event()
        scheduler = None
        # Stop cleanly on SIGTERM from the very start (the queue's own handlers, which let a
        # running task finish, take over once it runs); put the caller's handlers back after.
        previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
        for sig in previous:
            signal.signal(sig, _exit_now)
        try:
            if not options["no_schedule"]:
                # One round before the queue starts: the worker is known alive before it claims
                # a task, and in --batch mode the periodic tasks due now are run too.
                self._tick(worker_id, started_at)
                if not options["batch"]:
                    scheduler = threading.Thread(
                        target=self._schedule,
                        args=(worker_id, started_at, stop, options["tick"]),
                        name="scheduler",
                        daemon=True,
                    )
                    scheduler.start()
            if tasks.uses_database_queue():
                self._run_database_queue(worker_id, options)
            else:
                self._run_rq(worker_id, options)
        except SystemExit as exit_:
            if exit_.code not in (0, None):
                raise
        finally:
            # Leaving takes a moment; a second signal meanwhile (a supervisor's SIGTERM after
            # the terminal's Ctrl-C) must not cut it short.
            for sig in previous:
                signal.signal(sig, signal.SIG_IGN)
            stop.set()
            if scheduler is not None:
                scheduler.join(timeout=30)
            try:
                tasks.worker_leave(worker_id)
            except DatabaseError:
                logger.warning("could not remove the worker's row", exc_info=True)
            self.stdout.write("后台处理程序已停止。")
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            dbsettings.disallow_parallel_queries()

    def _tick(self, worker_id: str, started_at: Any) -> None:
        try:
            started = tasks.scheduler_tick(worker_id=worker_id, started_at=started_at)
        except DatabaseError:
            # SQLite: a long write of a running task holds the lock; try again next tick.
            logger.warning("scheduler tick skipped", exc_info=True)
            return
        for name in started:
            logger.info("started periodic task %s", name)

    def _schedule(
        self, worker_id: str, started_at: Any, stop: threading.Event, tick: float
    ) -> None:
        try:
            while not stop.wait(tick):
                close_old_connections()
                self._tick(worker_id, started_at)
        finally:
            connections.close_all()

    def _run_database_queue(self, worker_id: str, options: dict[str, Any]) -> None:
        from django_tasks_db.management.commands.db_worker import Worker

        worker = Worker(
            queue_names=["*"],
            interval=options["interval"],
            batch=options["batch"],
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        worker.configure_signals()
        worker.run()

    def _run_rq(self, worker_id: str, options: dict[str, Any]) -> None:
        import django_rq

        # SimpleWorker runs each task in this process, as the database queue does: a task
        # killed with its worker is found by RQ's registry of started jobs and marked failed.
        worker = django_rq.get_worker(
            "default",
            job_class="django_tasks_rq.Job",
            worker_class="rq.SimpleWorker",
            name=worker_id,
        )
        worker.work(burst=options["batch"], with_scheduler=False)

    def _configure_logging(self, verbosity: int) -> None:
        level = {0: logging.CRITICAL, 1: logging.INFO}.get(verbosity, logging.DEBUG)
        for name in ("dangjian.worker", "dangjian.core.tasks", "django_tasks", "django_tasks_db"):
            log = logging.getLogger(name)
            log.setLevel(level)
            if not log.handlers:
                log.addHandler(logging.StreamHandler(self.stdout))
                log.propagate = False  # the root's console handler would print it twice
