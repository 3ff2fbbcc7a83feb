"""Writes of the roster app: import jobs (create, validate, commit) and audited exports.

A job's two steps, `job_validate` and `job_commit`, take the job's primary key so that the web
page, a background task (`tasks.job_step`) or the import command can run them alike
(decision 0130).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, BinaryIO

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangjian.accounts.models import User
from dangjian.accounts.scope import scope_for
from dangjian.audit.choices import AuditAction
from dangjian.audit.services import audit_record
from dangjian.core import exports as core_exports
from dangjian.core import tasks as core_tasks
from dangjian.core.models import ExportJob
from dangjian.members import bulk as member_bulk
from dangjian.organizations.models import Organization
from dangjian.roster.error_codes import ErrorCode

from . import exporting, importing, readers
from .choices import RUNNING_STATUSES, ImportKind, JobStatus, JobStep
from .columns import CellError
from .models import ImportJob
from .organization_import import import_organizations

logger = logging.getLogger(__name__)

# Files with more rows than this are validated and committed in the background.
BACKGROUND_ROWS = 3000
PROGRESS_EVERY = 2000


def job_create(
    *,
    actor: User,
    kind: ImportKind,
    upload: UploadedFile | Path,
    file_name: str = "",
    organization: Organization | None = None,
    valid_rows_only: bool = False,
) -> ImportJob:
    """Store the uploaded file and open a job for it (nothing is checked or written yet)."""
    scope = scope_for(actor)
    if not scope.manages_anything:
        raise PermissionDenied(_("您没有管理任何党组织，不能导入。"))
    if organization is not None and not scope.can_manage_path(organization.path):
        raise PermissionDenied(_("您无权管理该党组织的党员。"))
    name = file_name or upload.name or "upload"
    try:
        readers.file_kind(Path(name))
    except CellError as exc:
        raise ValidationError({"file": str(exc)}) from None
    with transaction.atomic():
        job = ImportJob.objects.create(
            kind=kind,
            created_by=actor,
            organization=organization,
            file_name=Path(name).name[-200:],
            valid_rows_only=valid_rows_only,
        )
        job.directory.mkdir(parents=True, exist_ok=True)
        try:
            if isinstance(upload, Path):
                shutil.copyfile(upload, job.source_path)
            else:
                with job.source_path.open("wb") as handle:
                    for chunk in upload.chunks():
                        handle.write(chunk)
            # The file is checked (size, kind, extent) and counted before the job exists for
            # anyone: a file that cannot be read leaves no job and no file behind.
            job.total_rows = readers.count_rows(job.source_path)
        except CellError as exc:
            shutil.rmtree(job.directory, ignore_errors=True)
            raise ValidationError(
                {"file": ValidationError(str(exc), code=ErrorCode.FILE_UNREADABLE)}
            ) from None
        except BaseException:
            shutil.rmtree(job.directory, ignore_errors=True)
            raise
        job.save(update_fields=["total_rows", "updated_at"])
    return job


def _progress_saver(job_id: int, field: str) -> Callable[[int, int], None]:
    last = [0]

    def save(done: int, total: int) -> None:
        if done - last[0] >= PROGRESS_EVERY or done == total:
            last[0] = done
            ImportJob.objects.filter(pk=job_id).update(**{field: done})

    return save


def job_validate(job_id: int, *, progress: Callable[[int, int], None] | None = None) -> ImportJob:
    """Check every row of the job's file; the job records counts, errors and the report."""
    job = ImportJob.objects.select_related("created_by", "organization").get(pk=job_id)
    job.status = JobStatus.VALIDATING
    job.save(update_fields=["status", "updated_at"])
    saver = _progress_saver(job.pk, "processed_rows")

    def report(done: int, total: int) -> None:
        saver(done, total)
        if progress:
            progress(done, total)

    try:
        rows = readers.iter_rows(job.source_path)
        if job.kind == ImportKind.MEMBERS:
            result = importing.validate_members(
                rows,
                actor=job.created_by,
                default_organization=job.organization,
                directory=job.directory,
                total=job.total_rows,
                progress=report,
                fill_down=not readers.knows_merged_cells(job.source_path),
            )
        else:
            result, _created = import_organizations(
                rows,
                actor=job.created_by,
                directory=job.directory,
                commit=False,
                progress=report,
                total=job.total_rows,
            )
    except (ValidationError, CellError, PermissionDenied) as exc:
        return _fail(job, exc)
    if job.kind == ImportKind.MEMBERS:
        # The preview answers questions about ID numbers: who checked which file is audited.
        audit_record(
            actor=job.created_by,
            action=AuditAction.IMPORT,
            target_type="members.member",
            summary=_("名册导入校验 %(n)d 行（%(file)s）")
            % {"n": result.total_rows, "file": job.file_name},
            detail={
                "job": str(job.public_id),
                "rows": result.total_rows,
                "valid": result.valid_rows,
                "errors": result.error_rows,
                "refused_elsewhere": getattr(result, "refused_elsewhere", 0),
            },
        )
    job.status = JobStatus.VALIDATED
    job.total_rows = job.processed_rows = result.total_rows
    job.valid_rows = result.valid_rows
    job.error_rows = result.error_rows
    job.errors = [[e.row, e.column, e.message] for e in result.errors]
    job.notes = [[n.row, n.column, n.message] for n in result.notes]
    job.organization_ids = sorted(result.organization_ids)
    job.message = ""
    job.save()
    return job


def _fail(job: ImportJob, exc: Exception) -> ImportJob:
    if isinstance(exc, ValidationError):
        message = "；".join(exc.messages)
    else:
        message = str(exc) or _("您无权导入到该党组织。")
    job.status = JobStatus.FAILED
    job.message = message
    job.save(update_fields=["status", "message", "updated_at"])
    job_files_delete(job)
    return job


def job_files_delete(job: ImportJob) -> None:
    """Delete the job's working files: the uploaded file, the spool and the error report all
    hold clear ID numbers. Called when a job ends (done or failed) or is abandoned."""
    shutil.rmtree(job.directory, ignore_errors=True)


def job_discard(job: ImportJob, *, message: str) -> ImportJob:
    """End a validated job without importing (a dry run): its files are deleted now."""
    ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, message=message)
    job.refresh_from_db()
    job_files_delete(job)
    return job


def jobs_cleanup(*, keep_days: int) -> dict[str, int]:
    """End jobs left unfinished for more than `keep_days` days (never committed, or stopped by
    a dead process) and delete every working directory no running job needs: those of ended
    jobs and those no job names. Returns the counts."""
    cutoff = timezone.now() - dt.timedelta(days=keep_days)
    abandoned = 0
    for job in ImportJob.objects.filter(
        status__in=[JobStatus.VALIDATING, JobStatus.VALIDATED, JobStatus.COMMITTING],
        updated_at__lt=cutoff,
    ):
        job.status = JobStatus.FAILED
        job.message = _(
            "超过 %(n)d 天未完成导入，已作废，上传的文件已删除；如需导入请重新上传。"
        ) % {"n": keep_days}
        job.save(update_fields=["status", "message", "updated_at"])
        abandoned += 1
    root = Path(settings.VAR_DIR) / "roster"
    live = {
        str(public_id)
        for public_id in ImportJob.objects.filter(
            status__in=[JobStatus.VALIDATING, JobStatus.VALIDATED, JobStatus.COMMITTING]
        ).values_list("public_id", flat=True)
    }
    deleted = 0
    if root.is_dir():
        for directory in root.iterdir():
            if directory.is_dir() and directory.name not in live:
                shutil.rmtree(directory, ignore_errors=True)
                deleted += 1
    return {"abandoned": abandoned, "deleted": deleted}


def _claim(job: ImportJob) -> None:
    """VALIDATED → COMMITTING, once: a second click or a retried call cannot commit twice."""
    if job.status == JobStatus.VALIDATED and not job.can_commit:
        raise ValidationError(
            _("该文件有 %(n)d 行有误：请修改后重新上传，或选择“只导入无误的行”。")
            % {"n": job.error_rows},
            code=ErrorCode.HAS_ERRORS,
        )
    claimed = ImportJob.objects.filter(pk=job.pk, status=JobStatus.VALIDATED).update(
        status=JobStatus.COMMITTING
    )
    if not claimed:
        raise ValidationError(_("该批次正在导入或已经导入。"), code=ErrorCode.NOT_READY)
    job.status = JobStatus.COMMITTING


def job_commit_start(job: ImportJob) -> bool:
    """Claim the job for committing, then commit it now or in the background (True)."""
    _claim(job)
    return _job_run(JobStep.COMMIT, job)


def job_commit(
    job_id: int, *, claimed: bool = False, progress: Callable[[int, int], None] | None = None
) -> ImportJob:
    """Write the job's valid rows in one transaction (all or nothing).

    The job's "done" is written in the same transaction as the rows: a process that dies (or a
    step that breaks) before the end leaves neither, so a failed job never hides written rows.
    """
    job = ImportJob.objects.select_related("created_by", "organization").get(pk=job_id)
    if not claimed:
        _claim(job)
    try:
        with transaction.atomic():
            created = _commit_rows(job, progress)
            job.status = JobStatus.DONE
            job.imported_rows = created
            job.message = _("已导入 %(n)d 条。") % {"n": created}
            job.save(update_fields=["status", "imported_rows", "message", "updated_at"])
    except (ValidationError, PermissionDenied) as exc:
        return _fail(job, exc)
    job_files_delete(job)
    return job


def _commit_rows(job: ImportJob, progress: Callable[[int, int], None] | None) -> int:
    if job.kind == ImportKind.MEMBERS:
        validation = importing.Validation(
            total_rows=job.total_rows,
            valid_rows=job.valid_rows,
            error_rows=job.error_rows,
            spool=job.directory / "valid.spool",
            organization_ids=set(job.organization_ids),
        )
        return importing.commit_members(
            validation,
            actor=job.created_by,
            label=member_bulk.ImportLabel(job=str(job.public_id), file_name=job.file_name),
            progress=progress or (lambda done, total: None),
        )
    _result, created = import_organizations(
        readers.iter_rows(job.source_path),
        actor=job.created_by,
        directory=job.directory / "commit",
        commit=True,
        valid_rows_only=job.valid_rows_only,
        total=job.total_rows,
    )
    if created:
        audit_record(
            actor=job.created_by,
            action=AuditAction.IMPORT,
            target_type=Organization._meta.label_lower,
            summary=_("名册导入 %(n)d 个党组织（%(file)s）")
            % {"n": created, "file": job.file_name},
            detail={"count": created, "job": str(job.public_id)},
        )
    return created


def job_validate_start(job: ImportJob) -> bool:
    """Validate the job now for a small file, or as a background task (True)."""
    return _job_run(JobStep.VALIDATE, job)


def _job_run(step: JobStep, job: ImportJob) -> bool:
    """Run the step now for a small file; enqueue it as a task for a large one (decision 0130).

    The task is enqueued once the request's transaction (if any) has committed the job, so a
    worker never looks for a job that does not exist yet.
    """
    if job.total_rows <= BACKGROUND_ROWS:
        _STEPS[step](job.pk)
        return False
    # A step waits in the queue with no runner: the page shows it as waiting for the worker, and
    # the previous step's process (perhaps stopped since) is not taken for this step's.
    ImportJob.objects.filter(pk=job.pk).update(background=True, runner="", heartbeat_at=None)
    from . import tasks  # tasks.py calls this module back

    transaction.on_commit(lambda: tasks.job_step.enqueue(job.pk, step.value))
    return True


_STEPS: dict[JobStep, Callable[[int], Any]] = {
    JobStep.VALIDATE: lambda job_id: job_validate(job_id),
    JobStep.COMMIT: lambda job_id: job_commit(job_id, claimed=True),
}
# How often a running background step shows it is alive.
HEARTBEAT_SECONDS = 15.0


def job_step_run(job_id: int, step: JobStep) -> None:
    """Run one step of a job in a worker: record who runs it, beat while it runs, and leave the
    job failed (never running) if the step ends any other way than by finishing."""
    runner = f"{core_tasks.this_host()}:{os.getpid()}"
    ImportJob.objects.filter(pk=job_id).update(runner=runner, heartbeat_at=timezone.now())

    def beat() -> None:
        ImportJob.objects.filter(pk=job_id, runner=runner).update(heartbeat_at=timezone.now())

    try:
        with core_tasks.beating(beat, HEARTBEAT_SECONDS):
            _STEPS[step](job_id)
    except BaseException:
        # An unexpected error, or the worker told to stop at once (a second SIGTERM): the commit's
        # transaction has rolled back; say so rather than show the job running.
        logger.exception("roster job %s: step %s did not finish", job_id, step)
        if ImportJob.objects.filter(pk=job_id, status__in=RUNNING_STATUSES).update(
            status=JobStatus.FAILED, message=str(INTERRUPTED)
        ):
            job_files_delete(ImportJob.objects.get(pk=job_id))
        raise


# The message of a job whose background step stopped before the end.
INTERRUPTED = gettext_lazy("后台处理中断，没有写入任何数据。请重新上传文件。")


def job_fail_if_stale(*, job: ImportJob, now: dt.datetime | None = None) -> bool:
    """Mark failed a background job whose process is gone (killed, or its machine stopped).

    On this machine the process is asked directly; on another, a job that has not beaten for
    DANGJIAN_TASKS_STALE_AFTER seconds is taken for dead. A job still waiting in the queue is
    left alone (a worker may yet start). Returns True when the job was marked failed.
    """
    if not (job.is_running and job.background and job.runner):
        return False
    host, _sep, pid = job.runner.rpartition(":")
    alive = core_tasks.process_alive(host, int(pid)) if pid.isdigit() else None
    if alive:
        return False
    last_sign = job.heartbeat_at or job.updated_at
    if alive is None and last_sign >= (now or timezone.now()) - core_tasks.stale_after():
        return False
    marked = ImportJob.objects.filter(pk=job.pk, status=job.status, runner=job.runner).update(
        status=JobStatus.FAILED, message=str(INTERRUPTED)
    )
    if marked:
        logger.warning("roster job %s: its process %s is gone; marked failed", job.pk, job.runner)
        job.refresh_from_db()
        job_files_delete(job)
    return bool(marked)


def jobs_fail_stale(now: dt.datetime | None = None) -> int:
    """The worker's periodic sweep: every background job whose process is gone fails."""
    running = ImportJob.objects.filter(status__in=RUNNING_STATUSES, background=True).exclude(
        runner=""
    )
    return sum(job_fail_if_stale(job=job, now=now) for job in running)


def export_record(
    *, actor: User, count: int, file_format: str, filters: dict[str, Any], masked: bool
) -> None:
    """Audit a roster export (who exported how many members, with which filters)."""
    audit_record(
        actor=actor,
        action=AuditAction.EXPORT,
        target_type="members.member",
        summary=_("导出党员名册 %(n)d 人（%(fmt)s）") % {"n": count, "fmt": file_format},
        detail={"count": count, "format": file_format, "filters": filters, "masked": masked},
    )


MEMBER_EXPORT = "roster.members"


def member_export_start(
    *, actor: User, params: dict[str, str], file_format: str, count: int, file_name: str
) -> ExportJob:
    """Ask the worker for a large roster export (decision 0265); audited as the export."""
    scope = scope_for(actor)
    return core_exports.export_start(
        actor=actor,
        kind=MEMBER_EXPORT,
        title=_("党员名册（%(n)d 人）") % {"n": count},
        file_name=file_name,
        params={"filters": params, "format": file_format},
        total_rows=count,
        summary=_("导出党员名册 %(n)d 人（%(fmt)s）") % {"n": count, "fmt": file_format},
        detail={
            "count": count,
            "format": file_format,
            "filters": params,
            "masked": not scope.reveals_all_it_reads,
        },
        target_type="members.member",
    )


def member_export_write(job: ExportJob, stream: BinaryIO, progress: Callable[[int], None]) -> int:
    """The producer of a background roster export: the asker's scope as it is now."""
    actor = job.created_by
    queryset = exporting.member_export_queryset(actor, job.params["filters"])
    return exporting.write_members(
        stream,
        queryset,
        scope=scope_for(actor),
        file_format=job.params["format"],
        progress=progress,
    )


def masked_for(actor: User, paths: Iterable[str]) -> bool:
    scope = scope_for(actor)
    return any(not scope.can_reveal_path(p) for p in paths)
