"""`dangjian import members FILE --org CODE [--dry-run] [--valid-rows-only]`,
`dangjian import organizations FILE`, and `dangjian import job UUID` (run a job started on the
page, as a worker would). See docs/roster-format.md."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dangjian.organizations.models import Organization
from dangjian.roster import services
from dangjian.roster.choices import ImportKind, JobStatus
from dangjian.roster.models import ImportJob
from dangjian.roster.progress import ProgressBar

SHOWN_ERRORS = 50


class Command(BaseCommand):
    help = "导入党员或党组织名册（.xlsx/.csv）。Import a member or organization roster."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=["members", "organizations", "job"])
        parser.add_argument("file", help="文件路径；kind 为 job 时是批次编号。File, or job id.")
        parser.add_argument("--org", help="党组织代码：党组织代码列为空的党员编入此组织。")
        parser.add_argument("--dry-run", action="store_true", help="只检查，不写入。")
        parser.add_argument(
            "--valid-rows-only", action="store_true", help="只导入无误的行（默认全部无误才导入）。"
        )
        parser.add_argument("--user", help="以该账号的权限导入（默认：第一个超级管理员）。")
        parser.add_argument("--errors", help="错误报告保存路径（默认：文件名-错误报告.xlsx）。")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["kind"] == "job":
            self._run_job(options["file"])
            return
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"找不到文件：{path}")
        actor = self._actor(options["user"])
        organization = None
        if options["org"]:
            organization = Organization.objects.filter(code=options["org"]).first()
            if organization is None:
                raise CommandError(f"党组织代码 {options['org']} 不存在。")
        elif options["kind"] == "members":
            raise CommandError("导入党员须用 --org 指定党组织代码。")
        try:
            job = services.job_create(
                actor=actor,
                kind=ImportKind(options["kind"]),
                upload=path,
                organization=organization,
                valid_rows_only=options["valid_rows_only"],
            )
        except Exception as exc:
            raise CommandError(str(exc)) from exc
        self._validate(job)
        job.refresh_from_db()
        if job.status == JobStatus.FAILED:
            raise CommandError(job.message)
        self._report(job, path, options["errors"])
        if options["dry_run"]:
            services.job_discard(job, message="只检查（--dry-run），没有写入。")
            self.stdout.write("只检查（--dry-run），没有写入。")
            return
        if not job.can_commit:
            raise CommandError(
                "有错误，未写入任何数据：修改后重新导入，或加 --valid-rows-only 只导入无误的行。"
            )
        self._commit(job)

    def _actor(self, username: str | None) -> Any:
        users = get_user_model().objects.filter(is_active=True)
        if username:
            user = users.filter(username=username).first()
            if user is None:
                raise CommandError(f"账号 {username} 不存在或已停用。")
            return user
        user = users.filter(is_superuser=True).order_by("pk").first()
        if user is None:
            raise CommandError("没有超级管理员账号：请用 --user 指定以谁的权限导入。")
        return user

    def _validate(self, job: ImportJob) -> None:
        bar = ProgressBar("检查", stream=self.stderr._out)
        services.job_validate(job.pk, progress=bar)
        bar.finish()

    def _commit(self, job: ImportJob) -> None:
        bar = ProgressBar("写入", stream=self.stderr._out)
        job = services.job_commit(job.pk, progress=bar)
        bar.finish()
        if job.status != JobStatus.DONE:
            raise CommandError(job.message)
        self.stdout.write(self.style.SUCCESS(f"{job.message}（批次 {job.public_id}）"))

    def _report(self, job: ImportJob, path: Path, errors_path: str | None) -> None:
        self.stdout.write(
            f"共 {job.total_rows} 行：无误 {job.valid_rows} 行，有误 {job.error_rows} 行。"
        )
        for row, column, message in job.errors[:SHOWN_ERRORS]:
            self.stdout.write(f"  第 {row} 行 {column}：{message}")
        if len(job.errors) > SHOWN_ERRORS:
            self.stdout.write("  ……（其余见错误报告）")
        if job.error_rows:
            target = (
                Path(errors_path) if errors_path else path.with_name(f"{path.stem}-错误报告.xlsx")
            )
            shutil.copyfile(job.report_path, target)
            self.stdout.write(f"错误报告：{target}")

    def _run_job(self, public_id: str) -> None:
        try:
            job = ImportJob.objects.get(public_id=uuid.UUID(public_id))
        except (ValueError, ImportJob.DoesNotExist) as exc:
            raise CommandError(f"批次 {public_id} 不存在。") from exc
        if job.status == JobStatus.VALIDATING:
            self._validate(job)
        elif job.status in (JobStatus.VALIDATED, JobStatus.COMMITTING):
            # A commit interrupted by a dead process left nothing (one transaction): run it again.
            ImportJob.objects.filter(pk=job.pk).update(status=JobStatus.VALIDATED)
            job.refresh_from_db()
            if job.can_commit:
                self._commit(job)
        job.refresh_from_db()
        self.stdout.write(f"批次 {job.public_id}：{job.get_status_display()} {job.message}")
