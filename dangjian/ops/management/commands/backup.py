"""`dangjian backup [PATH]`: one archive of the database and the uploaded files."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from dangjian.ops import backup


class Command(BaseCommand):
    help = "备份数据库和上传的文件到一个归档文件。Back up the database and uploaded files."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "path",
            nargs="?",
            help="归档文件路径（默认 var/backups/dangjian-时间.tar.gz）。",
        )
        parser.add_argument(
            "--format",
            default="auto",
            choices=["auto", "sqlite", "pg_dump", "django-json"],
            help="数据库导出格式（默认自动：SQLite 用 sqlite，PostgreSQL 用 pg_dump，版本不符时 django-json）。",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from django.conf import settings

        path = Path(
            options["path"]
            or Path(settings.VAR_DIR)
            / "backups"
            / f"dangjian-{timezone.now():%Y%m%d-%H%M%S}.tar.gz"
        )
        started = time.perf_counter()
        try:
            result = backup.backup_create(output=path, database_format=options["format"])
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        seconds = time.perf_counter() - started
        manifest = result.manifest
        size = result.path.stat().st_size
        media = sum(1 for name in manifest["files"] if name.startswith("media/"))
        self.stdout.write(
            self.style.SUCCESS(
                f"已备份到 {result.path}（{size / 1048576:.1f} MB，数据库格式 "
                f"{manifest['database_format']}，{media} 个上传文件，用时 {seconds:.1f} 秒）。"
            )
        )
