"""Writes of the unit registry: scoped, validated (the credit code with python-stdnum), audited."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from stdnum.cn import uscc
from stdnum.exceptions import ValidationError as NumberError

from dangjian.accounts.models import User
from dangjian.accounts.scope import scope_for
from dangjian.audit.choices import AuditAction
from dangjian.audit.services import audit_record
from dangjian.core.error_codes import ErrorCode as CoreErrorCode
from dangjian.core.errors import field_error
from dangjian.organizations.choices import OrgKind, UnitKind
from dangjian.organizations.models import Organization

from .error_codes import ErrorCode
from .importing import UnitFileError, read_units
from .models import Instructor, Unit
from .selectors import joint_branch_max_units


def normalized_credit_code(value: str) -> str:
    """The code without spaces or hyphens, upper case, checked (GB 32100 check character);
    an empty value stays empty (a unit may be registered before its code is known)."""
    if not value.strip():
        return ""
    try:
        return str(uscc.validate(value.strip().upper()))
    except NumberError as exc:
        raise field_error(
            "credit_code",
            _("统一社会信用代码有误（应为18位，末位为校验码），请核对营业执照或登记证书。"),
            code=ErrorCode.CREDIT_CODE,
        ) from exc


@transaction.atomic
def unit_create(
    *,
    actor: User,
    area: Organization,
    name: str,
    kind: str,
    credit_code: str = "",
    employees: int | None = None,
    address: str = "",
    organization: Organization | None = None,
) -> Unit:
    scope = scope_for(actor)
    if not scope.can_manage_path(area.path):
        raise PermissionDenied
    if not name.strip():
        raise field_error("name", _("请填写单位名称。"), code=CoreErrorCode.REQUIRED)
    if kind not in UnitKind.values:
        raise field_error("kind", _("请选择单位类别。"), code=CoreErrorCode.INVALID)
    code = normalized_credit_code(credit_code)
    if code and Unit.objects.filter(credit_code=code).exists():
        raise field_error(
            "credit_code", _("该统一社会信用代码已登记。"), code=ErrorCode.CREDIT_CODE_TAKEN
        )
    if organization is not None and not organization.path.startswith(area.path):
        raise field_error(
            "organization",
            _("覆盖的党组织须在属地党组织之下。"),
            code=ErrorCode.ORGANIZATION_OUTSIDE,
        )
    unit = Unit(
        area=area,
        name=name.strip()[:200],
        kind=kind,
        credit_code=code,
        employees=employees,
        address=address.strip()[:300],
        organization=organization,
    )
    unit.full_clean()
    unit.save()
    detail: dict[str, Any] = {
        "kind": kind,
        "organization": organization.pk if organization else None,
    }
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        target=unit,
        summary=_("登记单位 %(name)s") % {"name": unit.name},
        detail=detail,
    )
    return unit


@dataclass
class ImportResult:
    created: int
    updated: int


@transaction.atomic
def units_import(
    *, actor: User, area: Organization, path: Path, default_kind: str = UnitKind.PRIVATE_ENTERPRISE
) -> ImportResult:
    """Import a unit list into the area, all or nothing: any row with an error (or a code
    registered outside the actor's scope) and nothing is written. A unit whose credit code is
    already registered in scope is updated (name, kind, employees, address); its area and its
    organization stay."""
    scope = scope_for(actor)
    if not scope.can_manage_path(area.path):
        raise PermissionDenied
    Organization.objects.select_for_update().filter(pk=area.pk).first()  # one import at a time
    try:
        found = read_units(path, default_kind=default_kind)
    except UnitFileError as exc:
        raise ValidationError(str(exc), code=ErrorCode.IMPORT_FILE) from None
    existing = {
        u.credit_code: u
        for u in Unit.objects.select_for_update()
        .select_related("area")
        .filter(credit_code__in=[r.credit_code for r in found.records])
    }
    errors = [
        _("第 %(row)d 行 %(column)s：%(message)s")
        % {"row": e.row, "column": e.column, "message": e.message}
        for e in found.errors
    ]
    for record in found.records:
        unit = existing.get(record.credit_code)
        if unit is not None and not scope.can_manage_path(unit.area.path):
            errors.append(
                _("第 %(row)d 行：该统一社会信用代码已由其他地区登记（%(area)s）。")
                % {"row": record.row, "area": unit.area.name}
            )
    if errors:
        raise ValidationError([ValidationError(e, code=ErrorCode.IMPORT_ROWS) for e in errors[:50]])
    created: list[Unit] = []
    updated: list[Unit] = []
    for record in found.records:
        unit = existing.get(record.credit_code)
        if unit is None:
            created.append(
                Unit(
                    area=area,
                    name=record.name,
                    credit_code=record.credit_code,
                    kind=record.kind,
                    employees=record.employees,
                    address=record.address,
                )
            )
            continue
        unit.name, unit.kind = record.name, record.kind
        unit.employees, unit.address = record.employees, record.address
        updated.append(unit)
    Unit.objects.bulk_create(created, batch_size=1000)
    Unit.objects.bulk_update(updated, ["name", "kind", "employees", "address"], batch_size=1000)
    audit_record(
        actor=actor,
        action=AuditAction.IMPORT,
        target=area,
        summary=_("导入单位名录：新增 %(c)d 个，更新 %(u)d 个")
        % {"c": len(created), "u": len(updated)},
        detail={"created": len(created), "updated": len(updated)},
    )
    return ImportResult(len(created), len(updated))


@transaction.atomic
def joint_branch_record(*, actor: User, organization: Organization, units: list[Unit]) -> None:
    """Record that a joint branch (联合党支部) covers the given units: each had no organization
    and lies in an area the branch is under (支部工作条例: units with fewer than 3 full members
    may set up a joint branch; RULES.md: at most 5 units as a guideline, so more is refused
    here; docs/decisions/0241)."""
    scope = scope_for(actor)
    if not scope.can_manage_path(organization.path):
        raise PermissionDenied
    if organization.kind != OrgKind.JOINT_BRANCH:
        raise field_error(
            "organization", _("请选择一个联合党支部。"), code=ErrorCode.NOT_JOINT_BRANCH
        )
    if not units:
        raise field_error("units", _("请选择单位。"), code=CoreErrorCode.REQUIRED)
    locked = list(
        Unit.objects.select_for_update()
        .select_related("area")
        .filter(pk__in=[u.pk for u in units])
        .order_by("pk")
    )
    already = Unit.objects.filter(organization=organization).exclude(pk__in=[u.pk for u in locked])
    if already.count() + len(locked) > joint_branch_max_units():
        raise field_error(
            "units",
            _("一个联合党支部覆盖的单位一般不超过 %(n)d 个。") % {"n": joint_branch_max_units()},
            code=ErrorCode.JOINT_TOO_MANY,
        )
    for unit in locked:
        if not scope.can_manage_path(unit.area.path) or not organization.path.startswith(
            unit.area.path
        ):
            raise field_error(
                "organization",
                _("覆盖的党组织须在属地党组织之下。"),
                code=ErrorCode.ORGANIZATION_OUTSIDE,
            )
        if unit.organization_id not in (None, organization.pk):
            raise field_error(
                "units",
                _("%(name)s 已有党组织。") % {"name": unit.name},
                code=ErrorCode.UNIT_COVERED,
            )
    Unit.objects.filter(pk__in=[u.pk for u in locked]).update(organization=organization)
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        target=organization,
        summary=_("联合党支部 %(org)s 覆盖 %(units)s")
        % {"org": organization.name, "units": "、".join(u.name for u in locked)},
        detail={"units": [u.pk for u in locked]},
    )


def _check_phone(phone: str) -> str:
    value = "".join(phone.split()).replace("-", "")
    if value and not (value.isdigit() and 7 <= len(value) <= 12):
        raise field_error("phone", _("联系电话应为手机号或座机号。"), code=CoreErrorCode.INVALID)
    return value


@transaction.atomic
def instructor_create(
    *,
    actor: User,
    area: Organization,
    name: str,
    phone: str = "",
    from_organization: str = "",
    units: list[Unit] | None = None,
) -> Instructor:
    """A 党建指导员 of the area, assigned to units of the area's subtree."""
    scope = scope_for(actor)
    if not scope.can_manage_path(area.path):
        raise PermissionDenied
    if not name.strip():
        raise field_error("name", _("请填写姓名。"), code=CoreErrorCode.REQUIRED)
    instructor = Instructor.objects.create(
        area=area,
        name=name.strip()[:50],
        phone=_check_phone(phone),
        from_organization=from_organization.strip()[:200],
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        target=instructor,
        summary=_("新增党建指导员 %(name)s") % {"name": instructor.name},
    )
    if units:
        instructor_assign(actor=actor, instructor=instructor, units=units)
    return instructor


@transaction.atomic
def instructor_assign(*, actor: User, instructor: Instructor, units: list[Unit]) -> None:
    """Set the units the instructor guides (replacing the previous list)."""
    scope = scope_for(actor)
    locked = Instructor.objects.select_for_update().select_related("area").get(pk=instructor.pk)
    if not scope.can_manage_path(locked.area.path):
        raise PermissionDenied
    chosen = list(Unit.objects.within(locked.area).filter(pk__in=[u.pk for u in units]))
    if len(chosen) != len({u.pk for u in units}):
        raise field_error("units", _("所选单位须在属地党组织范围内。"), code=ErrorCode.UNIT_OUTSIDE)
    locked.units.set(chosen)
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        target=locked,
        summary=_("党建指导员 %(name)s 指导 %(n)d 个单位")
        % {"name": locked.name, "n": len(chosen)},
        detail={"units": sorted(u.pk for u in chosen)},
    )


def units_export_record(*, actor: User, area: Organization, count: int) -> None:
    """Audit an export of the unit list (docs/privacy: exports are audited)."""
    if not scope_for(actor).can_read_path(area.path):
        raise PermissionDenied
    audit_record(
        actor=actor,
        action=AuditAction.EXPORT,
        target=area,
        summary=_("导出单位名录（%(n)d 个单位）") % {"n": count},
        detail={"count": count},
    )
