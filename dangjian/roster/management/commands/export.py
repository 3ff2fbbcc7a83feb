"""`dangjian export members [--org CODE] FILE.xlsx|FILE.csv`: the roster in the import layout."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from dangjian.members import selectors as member_selectors
from dangjian.organizations.models import Organization
from dangjian.roster import exporting, services
from dangjian.roster.progress import ProgressBar


class Command(BaseCommand):
    help = "导出党员名册（与导入模板同一格式）。Export the member roster."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=["members"])
        parser.add_argument("file", help="FILE.xlsx 或 FILE.csv")
        parser.add_argument("--org", help="党组织代码：只导出该组织及下级（默认：全部）。")
        parser.add_argument("--all-statuses", action="store_true", help="含已减少的党员。")
        parser.add_argument("--user", help="以该账号的权限导出（默认：第一个超级管理员）。")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if path.suffix.lower() not in (".xlsx", ".csv"):
            raise CommandError("文件名须以 .xlsx 或 .csv 结尾。")
        users = get_user_model().objects.filter(is_active=True)
        if options["user"]:
            actor = users.filter(username=options["user"]).first()
        else:
            actor = users.filter(is_superuser=True).order_by("pk").first()
        if actor is None:
            raise CommandError("找不到导出账号：请用 --user 指定。")
        organization = None
        if options["org"]:
            organization = Organization.objects.filter(code=options["org"]).first()
            if organization is None:
                raise CommandError(f"党组织代码 {options['org']} 不存在。")
        filters = member_selectors.MemberFilters(
            organization=organization, status="ALL" if options["all_statuses"] else ""
        )
        from django.http import Http404

        try:
            queryset = member_selectors.member_list(user=actor, filters=filters)
            total = queryset.count()
        except Http404 as exc:
            raise CommandError("该账号无权查看这个党组织。") from exc
        from dangjian.accounts.scope import scope_for

        scope = scope_for(actor)
        bar = ProgressBar("导出", stream=self.stderr._out)

        def counted(cells: Any) -> Any:
            for done, row in enumerate(cells, start=1):
                if done % 1000 == 0 or done == total:
                    bar(done, total)
                yield row

        cells = counted(exporting.export_cells(exporting.export_queryset(queryset), scope=scope))
        if path.suffix.lower() == ".csv":
            count = exporting.write_csv(path, cells)
        else:
            count = exporting.write_xlsx(path, cells)
        bar.finish()
        services.export_record(
            actor=actor,
            count=count,
            file_format=path.suffix.lower().lstrip("."),
            filters={"org": options["org"] or "", "command": "export"},
            masked=not scope.reveals_all_it_reads,
        )
        self.stdout.write(self.style.SUCCESS(f"已导出 {count} 名党员到 {path}。"))
