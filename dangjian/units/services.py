"""Writes of the unit registry: scoped, validated (the credit code with python-stdnum), audited."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
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
from dangjian.organizations.choices import UnitKind
from dangjian.organizations.models import Organization

from .error_codes import ErrorCode
from .models import Unit


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
