"""`dangjian demo`: build the demo county (28,682 members in 913 grassroots organizations),
dated from today (docs/demo.md); `--small` builds the 2,000-member county the tests use."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dangjian.site import demo


class Command(BaseCommand):
    help = "载入示范县数据（913个基层党组织、28682名党员）。Build the demo county."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="只在数据库为空时载入；已有数据时什么也不做。Only when the database is empty.",
        )
        parser.add_argument(
            "--small",
            action="store_true",
            help="载入小型示范县（60个党支部、2000名党员）。A small county of 2,000 members.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not demo.database_is_empty():
            if options["if_empty"]:
                self.stdout.write(
                    "数据库中已有数据，跳过示范县载入。The database has data; demo skipped."
                )
                return
            raise CommandError(
                "数据库中已有数据。示范县只能载入空数据库（删除 var/dangjian.sqlite3 后重试）。"
            )
        self.stdout.write("正在生成示范县数据 / building the demo county …")
        report = demo.build_demo_county(
            progress=lambda step: self.stdout.write(f"  {step}"),
            size=demo.SMALL if options["small"] else demo.FULL,
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"完成：{report.organizations} 个党组织，{report.members} 名党员，用时 {report.seconds:.1f} 秒。"
            )
        )
