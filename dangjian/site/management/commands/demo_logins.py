"""`dangjian demo_logins`: print the demo users and their password."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from dangjian.site import demo


class Command(BaseCommand):
    help = "列出示范账号。Print the demo logins."

    def handle(self, *args: Any, **options: Any) -> None:
        rows = demo.demo_logins()
        if not rows:
            self.stdout.write("没有示范账号（数据库不是由 dangjian demo 生成的）。No demo logins.")
            return
        self.stdout.write("")
        self.stdout.write("示范账号 / demo logins — http://127.0.0.1:8000")
        self.stdout.write(f"  密码 / password: {demo.DEMO_PASSWORD}")
        for username, display, role in rows:
            self.stdout.write(f"  {username:<10} {role:<12} {display}")
        self.stdout.write("")
