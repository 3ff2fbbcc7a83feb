"""Writes of the statistics app: freezing a year's report."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from dangjian.accounts.models import User
from dangjian.accounts.scope import scope_for
from dangjian.audit.choices import AuditAction
from dangjian.audit.services import audit_record
from dangjian.core.dates import today
from dangjian.core.errors import field_error
from dangjian.organizations.models import Organization
from dangjian.reports.error_codes import ErrorCode

from .models import ReportSnapshot
from .report import report_compute


def snapshot_freeze(*, actor: User, organization: Organization, year: int) -> ReportSnapshot:
    """Compute the year's report as of 31 December and store it; once per organization and year."""
    if not scope_for(actor).can_manage_path(organization.path):
        raise PermissionDenied
    as_of = dt.date(year, 12, 31)
    if as_of >= today():
        raise field_error(
            "year",
            _("%(year)d年尚未结束，年终之后才能封存该年度的年报。") % {"year": year},
            code=ErrorCode.YEAR_NOT_OVER,
        )
    if ReportSnapshot.objects.filter(organization=organization, year=year).exists():
        raise field_error(
            "year",
            _("%(year)d年度的年报已封存，不能重复封存。") % {"year": year},
            code=ErrorCode.ALREADY_FROZEN,
        )
    report = report_compute(organization, as_of)
    try:
        with transaction.atomic():
            snapshot = ReportSnapshot.objects.create(
                organization=organization,
                year=year,
                as_of=as_of,
                data=report.as_dict(),
                created_by=actor if getattr(actor, "is_authenticated", False) else None,
            )
            audit_record(
                actor=actor,
                action=AuditAction.CREATE,
                target=snapshot,
                summary=_("封存 %(org)s %(year)d 年度年报")
                % {"org": organization.name, "year": year},
                detail={"year": year, "members": report.value("members", "total")},
            )
    except IntegrityError as exc:  # another request froze the same year a moment earlier
        raise field_error(
            "year",
            _("%(year)d年度的年报已封存，不能重复封存。") % {"year": year},
            code=ErrorCode.ALREADY_FROZEN,
        ) from exc
    return snapshot


def report_export_record(
    *, actor: User, organization: Organization, as_of: dt.date, kind: str
) -> None:
    """Exports are audited like every other export, though the report holds no personal data."""
    audit_record(
        actor=actor,
        action=AuditAction.EXPORT,
        target=organization,
        summary=_("导出 %(org)s 统计年报(%(kind)s,截至 %(day)s)")
        % {"org": organization.name, "kind": kind, "day": as_of.isoformat()},
        detail={"as_of": as_of.isoformat(), "format": kind},
    )
