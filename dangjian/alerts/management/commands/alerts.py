"""`dangjian alerts [--org CODE] [--on DATE]`: recompute alerts (run nightly; see docs/alerts.md)."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dangjian.alerts.services import alerts_recompute
from dangjian.organizations.models import Organization


class Command(BaseCommand):
    help = "重新计算预警（每晚运行）。Recompute alerts for the tree or one organization."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", help="党组织代码；不填则计算全部。")
        parser.add_argument("--on", help="按哪一天计算（YYYY-MM-DD），默认今天。")

    def handle(self, *args: Any, **options: Any) -> None:
        root = None
        if options["org"]:
            root = Organization.objects.filter(code=options["org"]).first()
            if root is None:
                raise CommandError(f"找不到代码为 {options['org']} 的党组织。")
        on = None
        if options["on"]:
            try:
                on = dt.date.fromisoformat(options["on"])
            except ValueError as exc:
                raise CommandError("日期格式应为 YYYY-MM-DD，例如 2026-11-24。") from exc
        started = time.perf_counter()
        result = alerts_recompute(root=root, on=on)
        self.stdout.write(
            f"新发现 {result.opened}，仍待处理 {result.kept}，已消除 {result.resolved}，暂缓到期 {result.reopened}；"
            f"用时 {time.perf_counter() - started:.1f} 秒。"
        )
