"""`dangjian report [ORG_CODE] [--as-of DATE] [--xlsx FILE] [--pdf FILE]`: the annual report."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dangjian.audit.choices import AuditAction
from dangjian.audit.services import audit_record
from dangjian.core.dates import today
from dangjian.organizations.models import Organization
from dangjian.reports import exports
from dangjian.reports.report import report_compute


class Command(BaseCommand):
    help = (
        "打印统计年报综述并导出 Excel / PDF（不写组织代码即为最上级组织）。"
        "Print the report's summary and write the files."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", nargs="?", help="组织代码；默认为最上级组织。")
        parser.add_argument("--as-of", dest="as_of", help="统计截止日，如 2025-12-31；默认今天。")
        parser.add_argument("--xlsx", type=Path, help="写出 Excel 文件的路径。")
        parser.add_argument("--pdf", type=Path, help="写出 PDF 文件的路径。")

    def handle(self, *args: Any, **options: Any) -> None:
        code = options["code"]
        if code:
            organization = Organization.objects.filter(code=code).first()
            if organization is None:
                raise CommandError(f"没有组织代码为 {code} 的党组织，请检查代码。")
        else:
            roots = list(Organization.objects.filter(parent__isnull=True).order_by("path")[:2])
            if not roots:
                raise CommandError("数据库中还没有党组织。")
            if len(roots) > 1:
                raise CommandError("有多个最上级党组织，请写明组织代码。")
            organization = roots[0]
        as_of = today()
        if options["as_of"]:
            try:
                as_of = dt.date.fromisoformat(options["as_of"])
            except ValueError as exc:
                raise CommandError(
                    f"统计截止日“{options['as_of']}”不是有效日期，请按 2025-12-31 的格式填写。"
                ) from exc
        started = time.perf_counter()
        report = report_compute(organization, as_of)
        seconds = time.perf_counter() - started
        self.stdout.write(f"{organization.name}（{organization.code}），截至 {as_of.isoformat()}：")
        self.stdout.write(report.summary)
        for kind in ("xlsx", "pdf"):
            path: Path | None = options[kind]
            if path is None:
                continue
            content = exports.report_xlsx(report) if kind == "xlsx" else exports.report_pdf(report)
            path.write_bytes(content)
            audit_record(
                actor=None,
                action=AuditAction.EXPORT,
                target=organization,
                summary=f"命令行导出统计年报({kind},截至 {as_of.isoformat()})",
                detail={"as_of": as_of.isoformat(), "format": kind, "file": str(path)},
            )
            self.stdout.write(f"已写出 {path}（{len(content)} 字节）")
        self.stderr.write(f"统计用时 {seconds:.2f} 秒")
