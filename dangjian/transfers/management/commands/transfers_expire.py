"""`manage.py transfers_expire [--on DATE]`: expire transfers whose letter ran out (nightly)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from dangjian.transfers import services


class Command(BaseCommand):
    help = "将介绍信已过有效期的转接标记为已过期。Expire transfers past their letter's validity."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--on", type=dt.date.fromisoformat, default=None, help="YYYY-MM-DD")

    def handle(self, *args: Any, **options: Any) -> None:
        count = services.transfers_expire_overdue(on=options["on"])
        self.stdout.write(f"已过期的转接：{count} 项。")
