"""`manage.py transfer_import_receipt FILE --as USER`: the receipt closes an outbound transfer."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dangjian.transfers import exchange

from ._common import read_file, user_named


class Command(BaseCommand):
    help = "导入对方系统的签名回执，办结转出。Import the signed receipt of an outbound transfer."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--as", dest="username", required=True, help="经办人账号")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = user_named(options["username"])
        try:
            transfer = exchange.transfer_receipt_import(
                actor=actor, document=read_file(options["file"])
            )
        except PermissionDenied as exc:
            raise CommandError("该账号无权办理这项转出。") from exc
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"回执有效（{transfer.counterpart_issuer} 的密钥 {transfer.receipt_kid} 签名）："
                f"{transfer.member.name} 的组织关系已转出，转接办结。"
            )
        )
