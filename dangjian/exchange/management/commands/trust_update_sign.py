"""`manage.py trust_update_sign --as USER [--keys FILE …] [--revoke ISSUER:KID[:REASON] …]
--output FILE`: the committee above signs a trust-list update (docs/trust-update.md)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dangjian.exchange import documents, updates


class Command(BaseCommand):
    help = (
        "签发信任列表更新：新增、轮换或吊销下级系统的公钥。"
        "Sign a trust-list update for the deployments below."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as", dest="username", required=True, help="顶级党组织的管理员账号")
        parser.add_argument(
            "--keys", action="append", default=[], help="下级系统的公钥文件 (JSON)，可多个"
        )
        parser.add_argument("--valid-from", default=None, help="这些公钥的生效日期 YYYY-MM-DD")
        parser.add_argument("--valid-until", default=None, help="这些公钥的有效期至 YYYY-MM-DD")
        parser.add_argument(
            "--revoke", action="append", default=[], help="吊销的公钥：签发方:kid[:原因]，可多个"
        )
        parser.add_argument("--output", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"没有账号 {options['username']}。")
        keys = []
        for path in options["keys"]:
            document = json.loads(Path(path).read_text(encoding="utf-8"))
            for key in document.get("keys", []):
                keys.append(
                    {
                        "issuer": document.get("issuer"),
                        "kid": key.get("kid"),
                        "public_key": key.get("public_key"),
                        "valid_from": options["valid_from"],
                        "valid_until": options["valid_until"],
                    }
                )
        revoked = []
        for text in options["revoke"]:
            issuer, _sep, rest = text.partition(":")
            kid, _sep, reason = rest.partition(":")
            if not issuer or not kid:
                raise CommandError(f"--revoke 应写作 签发方:kid[:原因]，而不是 {text}")
            revoked.append({"issuer": issuer, "kid": kid, "reason": reason})
        try:
            document = updates.trust_update_sign(actor=user, keys=keys, revoked=revoked)
        except PermissionDenied as exc:
            raise CommandError("该账号不是顶级党组织的管理员。") from exc
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        Path(options["output"]).write_bytes(documents.dumps(document))
        self.stdout.write(
            self.style.SUCCESS(
                f"已签发信任列表更新：{len(keys)} 个公钥，吊销 {len(revoked)} 个 → {options['output']}"
            )
        )
