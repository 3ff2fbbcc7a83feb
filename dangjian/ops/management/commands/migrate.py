"""`migrate`, refusing the read replica: replication brings the primary's schema to it.

Django's own command with one check first. The router already keeps every operation off the
replica (`allow_migrate`), but `migrate --database replica` would still record the migrations
there as applied: on a hot standby that fails half-way with "read-only transaction", and on a
writable copy it would mark migrations applied whose tables were never made.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError
from django.core.management.commands.migrate import Command as DjangoMigrate

from dangjian.ops.routers import REPLICA


class Command(DjangoMigrate):
    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("database") == REPLICA:
            raise CommandError(
                "不能迁移只读副本（replica）：副本通过流复制从主库获得表结构，请迁移主库（default）。"
            )
        super().handle(*args, **options)
