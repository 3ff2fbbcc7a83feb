"""`dangjian restore PATH --yes`: replace the database and uploaded files with a backup's."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dangjian.ops import backup


class Command(BaseCommand):
    help = "从备份归档恢复数据库和上传的文件（覆盖现有数据）。Restore from a backup archive."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="dangjian backup 生成的归档文件。")
        parser.add_argument("--yes", action="store_true", help="确认覆盖现有数据。")
        parser.add_argument(
            "--check", action="store_true", help="只校验归档是否完好，不恢复。Verify only."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        if options["check"]:
            import tempfile

            with tempfile.TemporaryDirectory() as work:
                try:
                    manifest = backup.backup_check(path, Path(work))
                except backup.BackupError as error:
                    raise CommandError(str(error)) from error
            self.stdout.write(
                self.style.SUCCESS(
                    f"归档完好：{manifest['created_at']} 的 {manifest['engine']} 备份，"
                    f"{len(manifest['files'])} 个文件校验一致。"
                )
            )
            return
        if not options["yes"]:
            self.stdout.write(
                "恢复会用备份覆盖当前数据库和上传的文件（原有上传文件会移到旁边的目录保留）。"
            )
            self.stdout.write(
                "先停止网站和后台任务，再加 --yes 执行。Stop the server, then add --yes."
            )
            return
        started = time.perf_counter()
        try:
            manifest = backup.backup_restore(archive_path=path)
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        seconds = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"已从 {path} 恢复（{manifest['created_at']} 的备份，用时 {seconds:.1f} 秒）。"
            )
        )
        if manifest["media_moved_to"]:
            self.stdout.write(f"原有上传文件已移到 {manifest['media_moved_to']}。")
        self.stdout.write("如数据库结构比备份新，请运行 dangjian migrate。")
