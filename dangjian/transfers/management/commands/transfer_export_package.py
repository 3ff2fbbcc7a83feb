"""`manage.py transfer_export_package ID --as USER --output FILE`: the signed transfer package."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dangjian.transfers import exchange, package
from dangjian.transfers.models import Transfer

from ._common import user_named


class Command(BaseCommand):
    help = "导出转往其他系统的组织关系转接包（已签名）。Export a signed transfer package."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("transfer", type=int, help="转接编号（本系统 ID）")
        parser.add_argument("--as", dest="username", required=True, help="经办人账号")
        parser.add_argument("--output", required=True, help="写入的文件 (.json)")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = user_named(options["username"])
        try:
            transfer = Transfer.objects.get(pk=options["transfer"])
            document = exchange.transfer_package_export(actor=actor, transfer=transfer)
        except Transfer.DoesNotExist as exc:
            raise CommandError("没有这项转接。") from exc
        except PermissionDenied as exc:
            raise CommandError("该账号无权导出这项转接。") from exc
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        Path(options["output"]).write_bytes(package.dumps(document))
        self.stdout.write(self.style.SUCCESS(f"已导出转接包：{options['output']}"))
