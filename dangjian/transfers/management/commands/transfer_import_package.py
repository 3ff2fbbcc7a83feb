"""`manage.py transfer_import_package FILE --organization CODE --as USER --receipt OUT`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dangjian.organizations.models import Organization
from dangjian.transfers import exchange, package

from ._common import read_file, user_named


class Command(BaseCommand):
    help = (
        "导入其他系统的组织关系转接包，建档并写出签名回执。"
        "Import a transfer package from another deployment and write the signed receipt."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--organization", required=True, help="接收党组织代码")
        parser.add_argument("--as", dest="username", required=True, help="经办人账号")
        parser.add_argument("--receipt", required=True, help="回执写入的文件 (.json)")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = user_named(options["username"])
        try:
            organization = Organization.objects.get(code=options["organization"])
        except Organization.DoesNotExist as exc:
            raise CommandError(f"没有代码为 {options['organization']} 的党组织。") from exc
        try:
            transfer = exchange.transfer_package_import(
                actor=actor, document=read_file(options["file"]), organization=organization
            )
        except PermissionDenied as exc:
            raise CommandError("该账号无权管理接收党组织。") from exc
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        Path(options["receipt"]).write_bytes(package.dumps(transfer.receipt))
        self.stdout.write(
            self.style.SUCCESS(
                f"转接包由 {transfer.counterpart_issuer} 的密钥 {transfer.package_kid} 签名；"
                f"已接收 {transfer.member.name}，编入 {organization.name}；"
                f"回执：{options['receipt']}（请发回 {transfer.counterpart_issuer}）"
            )
        )
