"""A large roster import through the task queue (`dangjian worker`) against a thread of the
calling process (what decision 0030 did before the queue): wall time and load average.

    .venv/bin/python bench/task_queue.py --size 30000                     # SQLite
    DATABASE_URL=postgresql:///dj_queue_bench?host=/var/run/postgresql .venv/bin/python bench/task_queue.py

One fresh database (bench/_setup.py), a county with 200 branches (roster_import.build_county), two generated rosters of
--size rows (different ID numbers). Each is validated and committed in full: one in a thread
(the old path: the same job functions, as 0030's `_in_thread` ran them), one as two tasks run by a
`dangjian worker` process started beforehand (its start-up is not counted; the time from
enqueue to the job's end is, polled every 0.5 s as the page polls every second). The 1-minute
load average is read before and after each. On a shared machine the figures are a lower bound.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from roster_import import build_county, generate


def _wait(job: Any, until: set[str]) -> None:
    while True:
        job.refresh_from_db()
        if job.status in until:
            return
        time.sleep(0.5)


def _in_thread(step: Callable[[int], Any], job_id: int) -> None:
    from django.db import close_old_connections, connections

    def run() -> None:
        close_old_connections()
        try:
            step(job_id)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=30000)
    args = parser.parse_args()
    from _setup import fresh_database

    backend = fresh_database()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from dangjian.roster import services
    from dangjian.roster.choices import ImportKind, JobStatus

    actor, county = build_county()
    directory = Path(tempfile.mkdtemp(prefix="queue-bench-"))
    # One roster of twice the size, split in two: no ID number is in both halves.
    both = directory / "roster.csv"
    generate(both, 2 * args.size)
    header, *lines = both.read_text(encoding="utf-8").splitlines(keepends=True)
    files = {"thread": directory / "roster-thread.csv", "queue": directory / "roster-queue.csv"}
    files["thread"].write_text(header + "".join(lines[: args.size]), encoding="utf-8")
    files["queue"].write_text(header + "".join(lines[args.size :]), encoding="utf-8")

    rows = []
    # The thread: the old path, in this process.
    job = services.job_create(
        actor=actor,
        kind=ImportKind.MEMBERS,
        upload=files["thread"],
        organization=county,
        valid_rows_only=True,
    )
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    _in_thread(services.job_validate, job.pk)
    validated = time.perf_counter()
    _in_thread(lambda pk: services.job_commit(pk), job.pk)
    done = time.perf_counter()
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.message
    thread_valid = job.valid_rows
    rows.append(("thread", validated - started, done - validated, load_before, os.getloadavg()[0]))

    # The queue: a worker process beside this one.
    worker = subprocess.Popen(
        [sys.executable, "-m", "dangjian.cli", "worker", "--no-schedule", "-v", "0"],
        env=os.environ.copy(),
    )
    try:
        time.sleep(5)  # the worker's start-up is not what is measured
        job = services.job_create(
            actor=actor,
            kind=ImportKind.MEMBERS,
            upload=files["queue"],
            organization=county,
            valid_rows_only=True,
        )
        load_before = os.getloadavg()[0]
        started = time.perf_counter()
        assert services.job_validate_start(job) is True
        _wait(job, {JobStatus.VALIDATED, JobStatus.FAILED})
        validated = time.perf_counter()
        assert services.job_commit_start(job) is True
        _wait(job, {JobStatus.DONE, JobStatus.FAILED})
        done = time.perf_counter()
        assert job.status == JobStatus.DONE, job.message
        rows.append(
            ("queue", validated - started, done - validated, load_before, os.getloadavg()[0])
        )
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=120)

    job.refresh_from_db()
    print(
        f"database {backend}, {args.size} rows a file (valid: thread {thread_valid}, "
        f"queue {job.valid_rows}), {os.cpu_count()} cores"
    )
    print("| path | validate s | commit s | total s | load before | load after |")
    print("|---|---:|---:|---:|---:|---:|")
    for mode, validate, commit, before, after in rows:
        print(
            f"| {mode} | {validate:.1f} | {commit:.1f} | {validate + commit:.1f} "
            f"| {before:.2f} | {after:.2f} |"
        )


if __name__ == "__main__":
    main()
