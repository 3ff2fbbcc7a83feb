"""`dangjian rotate_keys`: re-encrypt ID numbers under the current key (docs/keys.md)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from dangjian.accounts import two_factor
from dangjian.audit.choices import AuditAction
from dangjian.audit.services import audit_record
from dangjian.members import services


class Command(BaseCommand):
    help = "用当前密钥重新加密身份证号码并重算查找值。Re-encrypt ID numbers under the first key."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--yes", action="store_true", help="不再确认。Do not ask.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["yes"]:
            self.stdout.write(
                "将用 DANGJIAN_FIELD_ENCRYPTION_KEYS 的第一个密钥重新加密全部身份证号码。"
            )
            self.stdout.write("加 --yes 执行。Add --yes to run.")
            return
        count = services.member_rotate_keys()
        devices = two_factor.two_factor_rotate_keys()
        audit_record(
            actor=None,
            action=AuditAction.UPDATE,
            target_type="members.member",
            summary=f"密钥轮换：重新加密 {count} 条身份证号码",
        )
        self.stdout.write(self.style.SUCCESS(f"已重新加密 {count} 名党员的身份证号码。"))
        self.stdout.write(self.style.SUCCESS(f"已重新加密 {devices} 个两步验证密钥。"))
