"""The 名册导入导出 part of /api/v1/ (see dangjian.api.v1): upload a roster, follow the job,
commit it. Scope as on the pages: a job belongs to the user who started it (others get 404)."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from dangjian.accounts.http import AuthenticatedHttpRequest
from dangjian.core.api import ErrorOut
from dangjian.organizations.models import Organization
from dangjian.roster.error_codes import ErrorCode

from . import selectors, services
from .choices import ImportKind
from .models import ImportJob

router = Router(tags=["名册导入导出"])


class RowErrorOut(Schema):
    row: int
    column: str
    message: str


class JobOut(Schema):
    id: uuid.UUID
    kind: str
    file_name: str
    status: str
    status_label: str
    total_rows: int
    processed_rows: int
    valid_rows: int
    error_rows: int
    imported_rows: int
    valid_rows_only: bool
    can_commit: bool
    message: str
    errors: list[RowErrorOut]
    notes: list[RowErrorOut]  # what was read other than as written (title rows, merged cells …)


def _out(job: ImportJob) -> JobOut:
    return JobOut(
        id=job.public_id,
        kind=job.kind,
        file_name=job.file_name,
        status=job.status,
        status_label=str(job.get_status_display()),
        total_rows=job.total_rows,
        processed_rows=job.processed_rows,
        valid_rows=job.valid_rows,
        error_rows=job.error_rows,
        imported_rows=job.imported_rows,
        valid_rows_only=job.valid_rows_only,
        can_commit=job.can_commit,
        message=job.message,
        errors=[RowErrorOut(row=r, column=c, message=m) for r, c, m in job.errors[:200]],
        notes=[RowErrorOut(row=r, column=c, message=m) for r, c, m in job.notes[:200]],
    )


@router.post(
    "/jobs",
    response={201: JobOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="上传名册并校验",
)
def job_create(
    request: AuthenticatedHttpRequest,
    file: File[UploadedFile],
    kind: Form[ImportKind] = ImportKind.MEMBERS,
    organization_code: Form[str] = "",
    valid_rows_only: Form[bool] = False,
) -> Status:
    """Store the file and validate it (in the background for large files); nothing is written
    until `commit`."""
    organization = None
    if organization_code:
        organization = Organization.objects.filter(code=organization_code).first()
        if organization is None:
            raise ValidationError(
                {"organization_code": "党组织代码不存在。"}, code=ErrorCode.UNKNOWN_ORGANIZATION
            )
    elif kind == ImportKind.MEMBERS:
        raise ValidationError(
            {"organization_code": "导入党员时请填写党组织代码。"},
            code=ErrorCode.ORGANIZATION_REQUIRED,
        )
    job = services.job_create(
        actor=request.user,
        kind=kind,
        upload=file,
        organization=organization,
        valid_rows_only=valid_rows_only,
    )
    services.job_run(services.job_validate, job)
    job.refresh_from_db()
    return Status(201, _out(job))


@router.get("/jobs/{job_id}", response={200: JobOut, 404: ErrorOut}, summary="导入批次进度与结果")
def job_detail(request: HttpRequest, job_id: uuid.UUID) -> JobOut:
    return _out(selectors.job_get(user=request.user, public_id=job_id))


@router.post(
    "/jobs/{job_id}/commit",
    response={200: JobOut, 400: ErrorOut, 404: ErrorOut},
    summary="确认导入",
)
def job_commit(request: HttpRequest, job_id: uuid.UUID) -> JobOut:
    """Write the valid rows (all or nothing, or only the valid rows if the job says so)."""
    job = selectors.job_get(user=request.user, public_id=job_id)
    if not job.can_commit:
        raise ValidationError(
            "该批次不能导入：已导入、仍在处理，或有错误且未选择只导入无误的行。",
            code=ErrorCode.CANNOT_COMMIT,
        )
    services.job_commit_start(job)
    job.refresh_from_db()
    return _out(job)
