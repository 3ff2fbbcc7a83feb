"""The summed report's exports: the same workbook and PDF as the own annual report
(dangjian.reports.exports), of the report the rollup page shows."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from dangjian.accounts.models import User
from dangjian.accounts.scope import scope_for
from dangjian.audit.choices import AuditAction
from dangjian.audit.services import audit_record
from dangjian.exchange import trust
from dangjian.organizations.models import Organization
from dangjian.reports import exports

from . import selectors

KINDS = ("xlsx", "pdf")


def rollup_report_export(
    *, actor: User, organization: Organization, as_of: dt.date, kind: str
) -> bytes:
    """The summed report (own data plus the children's current packages) as .xlsx or .pdf,
    figures exactly as on the page; audited like the own report's exports."""
    if kind not in KINDS:
        raise ValueError(kind)
    if not trust.can_manage_trust(actor) or not scope_for(actor).can_manage_path(organization.path):
        raise PermissionDenied
    report, states = selectors.rollup_report(organization, as_of)
    received = [s.child.issuer for s in states if s.current is not None]
    audit_record(
        actor=actor,
        action=AuditAction.EXPORT,
        target=organization,
        summary=_("导出 %(org)s 统计汇总(%(kind)s,截至 %(day)s,含 %(n)d 个下级系统)")
        % {"org": organization.name, "kind": kind, "day": as_of.isoformat(), "n": len(received)},
        detail={"as_of": as_of.isoformat(), "format": kind, "children": received},
    )
    if kind == "xlsx":
        return exports.report_xlsx(report)
    return exports.report_pdf(report, filled_by=str(actor))
