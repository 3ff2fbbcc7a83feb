"""`dangjian roster_cleanup [--days N]`: end import jobs left unfinished and delete their files.

Run it daily (docs/deploy.md). An import's directory holds the uploaded file, the spool and
the error report, all with clear ID numbers: a finished or failed job deletes its own at
once; this removes the rest.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dangjian.roster import services


class Command(BaseCommand):
    help = "作废超期未完成的导入批次并删除其文件。End stale import jobs and delete their files."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help="未完成超过多少天作废（默认 DANGJIAN_IMPORT_KEEP_DAYS）。",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        days = (
            options["days"] if options["days"] is not None else settings.DANGJIAN_IMPORT_KEEP_DAYS
        )
        if days < 1:
            raise CommandError("--days 至少为 1。")
        counts = services.jobs_cleanup(keep_days=days)
        self.stdout.write(
            f"作废 {counts['abandoned']} 个超过 {days} 天未完成的批次，删除 {counts['deleted']} 个目录。"
        )
