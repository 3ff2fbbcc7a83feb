"""`dangjian reset_two_factor USERNAME --yes`: a lost phone; the user enrols again at next sign-in."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dangjian.accounts import two_factor
from dangjian.accounts.models import User


class Command(BaseCommand):
    help = "重置用户的两步验证（手机丢失时）。Reset a user's two-factor device."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--yes", action="store_true", help="不再确认。Do not ask.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"没有用户名为 {options['username']} 的账号。")
        if not options["yes"]:
            self.stdout.write(f"将删除 {user} 的验证器和恢复码；加 --yes 执行。Add --yes to run.")
            return
        two_factor.two_factor_reset(actor=None, user=user)
        self.stdout.write(self.style.SUCCESS(f"已重置 {user} 的两步验证，下次登录时重新启用。"))
