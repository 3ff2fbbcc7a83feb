"""`dangjian adduser NAME --org CODE --role ROLE`: a user holding a role at an organization."""

from __future__ import annotations

import getpass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dangjian.accounts import services
from dangjian.accounts.choices import Role
from dangjian.organizations.models import Organization


class Command(BaseCommand):
    help = "新建账号并在党组织授予角色。Create a user with a role at an organization."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--org", required=True, help="党组织代码 organization code")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--display-name", default="")
        parser.add_argument(
            "--password", help="不填则提示输入。Prompted for when omitted (safer than a flag)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            organization = Organization.objects.get(code=options["org"])
        except Organization.DoesNotExist as exc:
            raise CommandError(f"没有代码为 {options['org']} 的党组织。") from exc
        password = options["password"] or getpass.getpass("密码 password: ")
        try:
            user = services.user_create_with_role(
                actor=None,
                username=options["username"],
                password=password,
                organization=organization,
                role=Role(options["role"]),
                display_name=options["display_name"],
            )
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(f"已创建 {user.username}（{organization.name}）。"))
