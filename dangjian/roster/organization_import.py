"""Importing organizations: each row through `organizations.services.organization_create`.

Organizations are few (a county has about a thousand), so every row goes through the same
service as the form, in one transaction with a savepoint per row; a dry run or an
all-or-nothing import with errors rolls the whole transaction back.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from dangjian.accounts.models import User
from dangjian.organizations import services as organization_services
from dangjian.organizations.models import Organization

from . import columns as cols
from .columns import CODE, DATE, ORGANIZATION_COLUMNS, CellError, CodeTable
from .importing import ErrorReport, Progress, RowError, Validation, _no_progress

_FIELD_HEADERS = {c.key: c.header for c in ORGANIZATION_COLUMNS}


def import_organizations(
    rows: Iterator[list[Any]],
    *,
    actor: User,
    directory: Path,
    commit: bool,
    valid_rows_only: bool = False,
    progress: Progress = _no_progress,
    total: int = 0,
) -> tuple[Validation, int]:
    """Check (and with `commit`, create) every row; returns what was found and how many were made."""
    directory.mkdir(parents=True, exist_ok=True)
    result = Validation(report=directory / "errors.xlsx")
    try:
        headers = next(rows)
    except StopIteration:
        raise ValidationError(_("文件是空的：第一行应是表头，第二行起是党组织。")) from None
    try:
        positions = cols.map_headers(ORGANIZATION_COLUMNS, list(headers))
    except CellError as exc:
        raise ValidationError(str(exc)) from None
    tables = {c.key: CodeTable.build(c) for c in ORGANIZATION_COLUMNS if c.kind == CODE}
    report = ErrorReport(result.report, list(headers))  # type: ignore[arg-type]
    created = 0
    with transaction.atomic():
        by_code: dict[str, Organization] = {}
        row_number = 1
        for cells in rows:
            row_number += 1
            if not any(c not in (None, "") for c in cells):
                continue
            result.total_rows += 1
            errors = _create_row(cells, positions, tables, by_code, actor)
            if errors:
                row_errors = [RowError(row_number, column, message) for column, message in errors]
                result.error_rows += 1
                result.add_errors(row_errors)
                report.add(row_number, cells, row_errors)
            else:
                result.valid_rows += 1
            progress(result.total_rows, total)
        keep = commit and (result.error_rows == 0 or valid_rows_only)
        if keep:
            created = result.valid_rows
        else:
            transaction.set_rollback(True)
    report.close()
    if result.total_rows == 0:
        raise ValidationError(_("文件中没有党组织：第一行是表头，请从第二行起填写。"))
    return result, created


def _create_row(
    cells: list[Any],
    positions: dict[str, int],
    tables: dict[str, CodeTable],
    by_code: dict[str, Organization],
    actor: User,
) -> list[tuple[str, str]]:
    errors: list[tuple[str, str]] = []
    values: dict[str, Any] = {}
    for column in ORGANIZATION_COLUMNS:
        position = positions.get(column.key)
        raw = cells[position] if position is not None and position < len(cells) else None
        try:
            if column.kind == DATE:
                value: Any = cols.parse_date(raw)
            else:
                text = cols.as_text(raw)
                value = tables[column.key].parse(text) if column.kind == CODE and text else text
                if column.max_length and len(text) > column.max_length:
                    raise CellError(_("最多 %(n)d 个字，请精简。") % {"n": column.max_length})
        except CellError as exc:
            errors.append((column.header, str(exc)))
            continue
        if column.required and value in (None, ""):
            errors.append((column.header, _("必填，请填写。")))
        if value not in (None, ""):
            values[column.key] = value
    if errors:
        return errors
    parent_code = values.pop("parent_code")
    parent = by_code.get(parent_code) or Organization.objects.filter(code=parent_code).first()
    if parent is None:
        return [
            (
                "上级组织代码",
                _("上级组织代码 %(code)s 不存在：请先建上级组织，或把它排在本行之前。")
                % {"code": parent_code},
            )
        ]
    if Organization.objects.filter(code=values["code"]).exists():
        return [("组织代码", _("组织代码 %(code)s 已被使用。") % {"code": values["code"]})]
    try:
        with transaction.atomic():
            organization = organization_services.organization_create(
                actor=actor, parent=parent, fields=values
            )
    except PermissionDenied:
        return [("上级组织代码", _("您无权在 %(org)s 下建立党组织。") % {"org": parent.name})]
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            return [
                (_FIELD_HEADERS.get(field, ""), messages[0])
                for field, messages in exc.message_dict.items()
            ]
        return [("", exc.messages[0])]
    by_code[organization.code] = organization
    return []
