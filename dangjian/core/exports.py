"""Large exports as background tasks: the page asks, `dangjian worker` writes the file, the page
follows the progress and then offers the download (decision 0265).

An extension point: an app registers a `Producer` (its `kind` and the function that writes the
file) from `AppConfig.ready()`, and its view starts a job with `export_start` when the export is
large (`BACKGROUND_ROWS`); small exports stay synchronous. Core knows nothing of the rows: the
producer reads its own parameters (`job.params`) and the actor's scope again when it runs.

- Only the user who asked sees the job or its file (anyone else: `ExportJob.DoesNotExist`, a 404).
- Starting a job and downloading its file are audited, through the auditor the audit app
  registers (`register_auditor`): core sits below the audit floor.
- No clear file is ever written: the producer writes into a `SealedWriter`, which encrypts
  every `CHUNK` bytes (Fernet) as they come, so memory stays flat and a killed worker leaves only
  sealed bytes. The sealed file is deleted `DANGJIAN_EXPORT_KEEP_HOURS` after it was made
  (`exports_cleanup`, hourly).
- A producer that raises, or a worker that is killed, leaves the job failed with a message,
  never "running" for ever (the same watch as the roster's import jobs).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import struct
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, cast

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import crypto
from . import tasks as core_tasks
from .models import ExportJob, ExportStatus

logger = logging.getLogger(__name__)

# Exports with more rows than this run in the background (the import's threshold, decision 0130).
BACKGROUND_ROWS = 3000
# How often a running export saves its progress (rows) and shows it is alive (seconds).
PROGRESS_EVERY = 2000
HEARTBEAT_SECONDS = 15.0
# The sealed file is written in Fernet tokens of this many clear bytes each.
CHUNK = 1 << 20
_LENGTH = struct.Struct(">I")

INTERRUPTED = gettext_lazy("导出中断，文件没有生成。请重新导出。")
BROKEN = gettext_lazy("导出出错，文件没有生成。请重新导出；再次出错请联系系统管理员。")
NEVER_STARTED = gettext_lazy("后台处理程序一直没有开始这项导出，已取消。请重新导出。")

Progress = Callable[[int], None]


@dataclass(frozen=True)
class Producer:
    """What writes one kind of export: `write(job, stream, progress)` writes the file into the
    binary `stream` (a `SealedWriter`: write and tell, no seek) for `job.created_by` with
    `job.params`, calls `progress(rows_done)` now and then, and
    returns the number of rows written. It raises ValidationError or PermissionDenied with a
    message for the user (the scope may have changed since the job was asked for)."""

    kind: str
    write: Callable[[ExportJob, BinaryIO, Progress], int]


_producers: dict[str, Producer] = {}


def register_producer(producer: Producer) -> None:
    _producers[producer.kind] = producer


Auditor = Callable[..., None]
_auditors: list[Auditor] = []


def register_auditor(auditor: Auditor) -> None:
    """The audit app records starts and downloads:
    `auditor(actor=, summary=, detail=, target_type=, target=)`, an EXPORT event."""
    if auditor not in _auditors:
        _auditors.append(auditor)


def _audit(
    *,
    actor: Any,
    summary: str,
    detail: dict[str, Any],
    target_type: str = "",
    target: ExportJob | None = None,
) -> None:
    if not _auditors:
        # Exports hold personal data: never one that is not audited.
        raise RuntimeError("no export auditor is registered (the audit app registers one)")
    for auditor in _auditors:
        auditor(actor=actor, summary=summary, detail=detail, target_type=target_type, target=target)


def keep_for() -> dt.timedelta:
    return dt.timedelta(hours=float(getattr(settings, "DANGJIAN_EXPORT_KEEP_HOURS", 24)))


# --- asking -----------------------------------------------------------------------------------


def export_start(
    *,
    actor: Any,
    kind: str,
    title: str,
    file_name: str,
    params: dict[str, Any],
    total_rows: int,
    summary: str,
    detail: dict[str, Any],
    target_type: str,
) -> ExportJob:
    """Open a job and queue its task (once the caller's transaction commits); audited.

    `summary`, `detail` and `target_type` say what is exported (the audit event of the
    start); the producer registered under `kind` writes it."""
    if kind not in _producers:
        raise ValueError(f"no export producer {kind!r}")
    with transaction.atomic():
        job = ExportJob.objects.create(
            kind=kind,
            title=title[:200],
            file_name=file_name[-200:],
            params=params,
            created_by=actor,
            total_rows=total_rows,
        )
        _audit(
            actor=actor,
            summary=summary,
            detail={**detail, "export": str(job.public_id), "background": True},
            target_type=target_type,
        )
        transaction.on_commit(lambda: export_job_run.enqueue(job.pk))
    return job


def export_get(*, user: Any, public_id: Any) -> ExportJob:
    """The user's own job (`ExportJob.DoesNotExist` for anyone else's: a 404)."""
    return ExportJob.objects.get(public_id=public_id, created_by_id=user.pk)


def export_list(*, user: Any) -> list[ExportJob]:
    return list(ExportJob.objects.filter(created_by_id=user.pk)[:20])


# --- running ----------------------------------------------------------------------------------


@core_tasks.task()
def export_job_run(job_id: int) -> None:
    """Write an export's file in a worker (the page follows `processed_rows`)."""
    export_run(job_id)


def export_run(job_id: int) -> ExportJob:
    """Run the job's producer, seal the file and mark the job done; any other ending leaves the
    job failed with a message and no file."""
    runner = f"{core_tasks.this_host()}:{os.getpid()}"
    claimed = ExportJob.objects.filter(pk=job_id, status=ExportStatus.QUEUED).update(
        status=ExportStatus.RUNNING, runner=runner, heartbeat_at=timezone.now()
    )
    job = ExportJob.objects.select_related("created_by").get(pk=job_id)
    if not claimed:
        return job  # already run, failed or expired: a retried task does nothing
    saved = [0, time.monotonic()]

    def progress(done: int) -> None:
        if done - saved[0] >= PROGRESS_EVERY or time.monotonic() - saved[1] > 1:
            saved[0], saved[1] = done, time.monotonic()
            ExportJob.objects.filter(pk=job_id).update(processed_rows=done)

    def beat() -> None:
        ExportJob.objects.filter(pk=job_id, runner=runner).update(heartbeat_at=timezone.now())

    try:
        job.directory.mkdir(parents=True, exist_ok=True)
        with core_tasks.beating(beat, HEARTBEAT_SECONDS):
            with SealedWriter(job.working_path) as stream:
                rows = _producers[job.kind].write(job, cast(BinaryIO, stream), progress)
            size = stream.size
            job.working_path.replace(job.sealed_path)
    except (ValidationError, PermissionDenied) as exc:
        message = "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        return _fail(job, message or str(BROKEN))
    except BaseException:
        # An unexpected error, or the worker told to stop at once: say so, keep no file.
        logger.exception("export %s (%s) did not finish", job.pk, job.kind)
        _fail(job, str(BROKEN))
        raise
    finally:
        job.working_path.unlink(missing_ok=True)
    ExportJob.objects.filter(pk=job_id, status=ExportStatus.RUNNING).update(
        status=ExportStatus.DONE,
        processed_rows=rows,
        total_rows=rows,
        size=size,
        finished_at=timezone.now(),
        message=_("已生成，共 %(n)d 行。") % {"n": rows},
    )
    job.refresh_from_db()
    return job


def _fail(job: ExportJob, message: str) -> ExportJob:
    ExportJob.objects.filter(
        pk=job.pk, status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING]
    ).update(status=ExportStatus.FAILED, message=message, finished_at=timezone.now())
    shutil.rmtree(job.directory, ignore_errors=True)
    job.refresh_from_db()
    return job


def export_fail_if_stale(*, job: ExportJob, now: dt.datetime | None = None) -> bool:
    """Mark failed a running job whose process is gone (killed, or its machine stopped).

    On this machine the process is asked directly; on another, a job that has not beaten for
    DANGJIAN_TASKS_STALE_AFTER seconds is taken for dead. A queued job is left alone (a worker
    may yet start it). Returns True when the job was marked failed."""
    if job.status != ExportStatus.RUNNING or not job.runner:
        return False
    host, _sep, pid = job.runner.rpartition(":")
    alive = core_tasks.process_alive(host, int(pid)) if pid.isdigit() else None
    if alive:
        return False
    last_sign = job.heartbeat_at or job.updated_at
    if alive is None and last_sign >= (now or timezone.now()) - core_tasks.stale_after():
        return False
    marked = ExportJob.objects.filter(
        pk=job.pk, status=ExportStatus.RUNNING, runner=job.runner
    ).update(status=ExportStatus.FAILED, message=str(INTERRUPTED), finished_at=timezone.now())
    if marked:
        logger.warning("export %s: its process %s is gone; marked failed", job.pk, job.runner)
        shutil.rmtree(job.directory, ignore_errors=True)
        job.refresh_from_db()
    return bool(marked)


def exports_fail_stale(now: dt.datetime | None = None) -> int:
    """The worker's sweep every minute: every running export whose process is gone fails."""
    running = ExportJob.objects.filter(status=ExportStatus.RUNNING).exclude(runner="")
    return sum(export_fail_if_stale(job=job, now=now) for job in running)


# --- the file ---------------------------------------------------------------------------------


class SealedWriter:
    """A binary file to write into whose bytes reach the disk only encrypted: every `CHUNK`
    clear bytes become one length-prefixed Fernet token (`unseal` reads them back). It has
    `tell` and no `seek`, which is all the CSV writer and `zipfile` (an .xlsx) need."""

    def __init__(self, path: Path) -> None:
        self._target = path.open("wb")
        self._buffer = bytearray()
        self.size = 0  # clear bytes written

    def write(self, data: bytes | bytearray | memoryview) -> int:
        self._buffer += data
        self.size += len(data)
        while len(self._buffer) >= CHUNK:
            self._emit(bytes(self._buffer[:CHUNK]))
            del self._buffer[:CHUNK]
        return len(data)

    def _emit(self, chunk: bytes) -> None:
        token = crypto.encrypt_bytes(chunk)
        self._target.write(_LENGTH.pack(len(token)))
        self._target.write(token)

    def tell(self) -> int:
        return self.size

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readable(self) -> bool:
        return False

    @property
    def closed(self) -> bool:
        return self._target.closed

    def flush(self) -> None:
        """Clear bytes stay in memory until a chunk is full or the writer is closed."""

    def close(self) -> None:
        if self._target.closed:
            return
        if self._buffer:
            self._emit(bytes(self._buffer))
            self._buffer.clear()
        self._target.close()

    def __enter__(self) -> SealedWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def unseal(sealed: Path) -> Iterator[bytes]:
    """The clear bytes of a sealed file, chunk by chunk."""
    with sealed.open("rb") as source:
        while header := source.read(_LENGTH.size):
            (length,) = _LENGTH.unpack(header)
            yield crypto.decrypt_bytes(source.read(length))


def export_download(*, job: ExportJob, actor: Any) -> Iterator[bytes] | None:
    """The finished file for the user who asked; the download is audited. None when there is
    no file (not finished, failed, or deleted when it expired): the page answers 404."""
    if job.created_by_id != actor.pk:
        raise PermissionDenied
    if job.status != ExportStatus.DONE or not job.sealed_path.exists():
        return None
    _audit(
        actor=actor,
        summary=_("下载导出文件：%(title)s（%(n)d 行）")
        % {"title": job.title, "n": job.total_rows},
        detail={"export": str(job.public_id), "kind": job.kind, "rows": job.total_rows},
        target=job,
    )
    return unseal(job.sealed_path)


def exports_cleanup(now: dt.datetime | None = None) -> dict[str, int]:
    """Delete the files of exports made more than `keep_for()` ago (the job stays, as expired),
    cancel jobs no worker started in that time, and delete every directory no live job names
    (a killed worker's unfinished sealed file among them). Returns the counts."""
    now = now or timezone.now()
    cutoff = now - keep_for()
    expired = ExportJob.objects.filter(status=ExportStatus.DONE, finished_at__lt=cutoff).update(
        status=ExportStatus.EXPIRED, message=str(_("文件已过期删除，请重新导出。"))
    )
    cancelled = ExportJob.objects.filter(status=ExportStatus.QUEUED, created_at__lt=cutoff).update(
        status=ExportStatus.FAILED, message=str(NEVER_STARTED), finished_at=now
    )
    live = {
        str(public_id)
        for public_id in ExportJob.objects.filter(
            status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING, ExportStatus.DONE]
        ).values_list("public_id", flat=True)
    }
    deleted = 0
    root = Path(settings.VAR_DIR) / "exports"
    if root.is_dir():
        for directory in root.iterdir():
            if directory.name not in live:
                shutil.rmtree(directory, ignore_errors=True)
                deleted += 1
    return {"expired": expired, "cancelled": cancelled, "deleted": deleted}


# --- the schedule -----------------------------------------------------------------------------


@core_tasks.task()
def exports_sweep() -> int:
    """Fail the exports whose worker died (checked every minute by the scheduler)."""
    return exports_fail_stale()


@core_tasks.task()
def exports_expire() -> dict[str, int]:
    """Delete the files of old exports (hourly)."""
    return exports_cleanup()


def register() -> None:
    core_tasks.register_periodic(
        core_tasks.Periodic(
            name="core.exports_sweep",
            task=exports_sweep,
            every=dt.timedelta(minutes=1),
            inline=True,
        )
    )
    core_tasks.register_periodic(
        core_tasks.Periodic(
            name="core.exports_expire", task=exports_expire, every=dt.timedelta(hours=1)
        )
    )
