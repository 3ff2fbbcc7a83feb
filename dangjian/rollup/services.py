"""Statistics up the tree (docs/statistics-package.md).

A deployment exports its annual statistics for an as-of date as one signed package
(`dangjian-statistics/1`): every table of the report, the summary, the digest of the tables and
the counts, the software version; a year's frozen snapshot when there is one. The deployment
above registers its children, imports their packages (refused whole, with nothing written, for
anything wrong with the file or the signature, a sender that is not a registered child, tables
that do not match their digest or counts, a package not newer than the one held) and builds its
own report as the sum of its own data and its children's current packages.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from importlib.metadata import PackageNotFoundError, version
from itertools import zip_longest
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from dangjian.accounts.models import User
from dangjian.accounts.scope import scope_for
from dangjian.audit.choices import AuditAction
from dangjian.audit.services import audit_record
from dangjian.core.error_codes import ErrorCode as CoreErrorCode
from dangjian.exchange import documents, trust
from dangjian.organizations.models import Organization
from dangjian.reports.models import ReportSnapshot
from dangjian.reports.report import Report, report_compute
from dangjian.reports.tables import Row, Table

from .error_codes import ErrorCode
from .models import ChildDeployment, StatisticsPackage, StatisticsRound

PACKAGE_FORMAT = "dangjian-statistics/1"


def software_version() -> str:
    try:
        return version("dangjian")
    except PackageNotFoundError:  # running from a checkout that is not installed
        return "0.1.0"


def _what() -> str:
    return pgettext("the subject of a sentence", "统计包")


def tables_digest(tables: list[dict[str, Any]]) -> str:
    """SHA-256 of the canonical JSON of the tables (docs/statistics-package.md)."""
    return hashlib.sha256(documents.canonical({"tables": tables})).hexdigest()


def _report_of(organization: Organization, as_of: dt.date) -> tuple[Report, bool]:
    """The year's frozen snapshot when as_of is its 31 December, else the report computed now."""
    if (as_of.month, as_of.day) == (12, 31):
        snapshot = ReportSnapshot.objects.filter(organization=organization, year=as_of.year).first()
        if snapshot is not None:
            return Report.from_dict(snapshot.data), True
    return report_compute(organization, as_of), False


def package_payload(report: Report, *, frozen: bool, exported_at: dt.datetime) -> dict[str, Any]:
    tables = [t.as_dict() for t in report.tables]
    return {
        "as_of": report.as_of.isoformat(),
        "exported_at": exported_at.isoformat(),
        "software_version": software_version(),
        "organization": {"name": report.organization_name, "code": report.organization_code},
        "tables": tables,
        "summary": report.summary,
        "snapshot": {
            "sha256": tables_digest(tables),
            "members": report.value("members", "total"),
            "organizations": report.value("organizations", "total", 0),
            "frozen": frozen,
        },
    }


@transaction.atomic
def statistics_package_export(
    *, actor: User, organization: Organization, as_of: dt.date
) -> dict[str, Any]:
    """The signed statistics package of the organization's subtree as of a date."""
    if not trust.can_manage_trust(actor) or not scope_for(actor).can_manage_path(organization.path):
        raise PermissionDenied
    report, frozen = _report_of(organization, as_of)
    document = documents.sign(
        PACKAGE_FORMAT, package_payload(report, frozen=frozen, exported_at=timezone.now())
    )
    audit_record(
        actor=actor,
        action=AuditAction.EXPORT,
        target=organization,
        summary=_("导出 %(org)s 统计包（截至 %(day)s）")
        % {"org": organization.name, "day": as_of.isoformat()},
        detail={"sha256": documents.digest(document), "kid": document["kid"]},
    )
    return document


def _incomplete() -> ValidationError:
    return ValidationError(
        _("统计包的内容不完整或格式不对，已拒绝，未做任何改动。"), code=CoreErrorCode.INCOMPLETE
    )


def _tables(raw: Any) -> list[Table]:
    if not isinstance(raw, list) or not raw:
        raise _incomplete()
    try:
        tables = [Table.from_dict(t) for t in raw]
    except (KeyError, TypeError, AttributeError) as exc:
        raise _incomplete() from exc
    for table in tables:
        for row in table.rows:
            if not isinstance(row.values, list) or not all(
                type(v) is int and v >= 0 for v in row.values
            ):
                raise _incomplete()
    return tables


@transaction.atomic
def statistics_package_import(
    *, actor: User, document: str | bytes | dict[str, Any]
) -> StatisticsPackage:
    """Import a child's statistics package; a newer one for the same date supersedes."""
    if not trust.can_manage_trust(actor):
        raise PermissionDenied
    verified = documents.verify(document, PACKAGE_FORMAT, what=_what())
    child = ChildDeployment.objects.filter(issuer=verified.issuer).first()
    if child is None:
        raise ValidationError(
            _("统计包由 %(issuer)s 签发，但它不是本系统登记的下级系统，已拒绝。")
            % {"issuer": verified.issuer},
            code=ErrorCode.NOT_A_CHILD,
        )
    payload = verified.payload
    try:
        as_of = dt.date.fromisoformat(str(payload["as_of"]))
        exported_at = dt.datetime.fromisoformat(str(payload["exported_at"]))
        snapshot = payload["snapshot"]
        digest = str(snapshot["sha256"])
        members, organizations = int(snapshot["members"]), int(snapshot["organizations"])
        raw_tables = payload["tables"]
    except (KeyError, TypeError, ValueError) as exc:
        raise _incomplete() from exc
    tables = _tables(raw_tables)
    report = Report(0, "", "", as_of, exported_at, tables)
    if (
        tables_digest(raw_tables) != digest
        or report.value("members", "total") != members
        or report.value("organizations", "total", 0) != organizations
    ):
        raise ValidationError(
            _("统计包的报表与其摘要或合计数不符，已拒绝，未做任何改动。"),
            code=ErrorCode.DIGEST_MISMATCH,
        )
    current = (
        StatisticsPackage.objects.select_for_update()
        .filter(child=child, as_of=as_of, superseded_by__isnull=True)
        .first()
    )
    if StatisticsPackage.objects.filter(sha256=verified.sha256).exists() or (
        current is not None and exported_at <= current.exported_at
    ):
        raise ValidationError(
            _("该统计包不晚于已导入的同一截止日的统计包（重复导入或旧文件），已拒绝。"),
            code=ErrorCode.OLDER,
        )
    package = StatisticsPackage.objects.create(
        child=child,
        kid=verified.kid,
        sha256=verified.sha256,
        as_of=as_of,
        exported_at=exported_at,
        software_version=str(payload.get("software_version", ""))[:40],
        organization_name=str(payload.get("organization", {}).get("name", ""))[:200],
        members=members,
        organizations=organizations,
        snapshot_sha256=digest,
        report={"tables": raw_tables},
        summary=str(payload.get("summary", "")),
        actor=actor if actor.is_authenticated else None,
    )
    if current is not None:
        current.superseded_by = package
        current.save(update_fields=["superseded_by"])
    audit_record(
        actor=actor,
        action=AuditAction.IMPORT,
        target=package,
        summary=_("导入 %(issuer)s 的统计包（%(signed_by)s 签名，截至 %(day)s）")
        % {"issuer": child.issuer, "signed_by": verified.signed_by, "day": as_of.isoformat()},
        detail={"sha256": verified.sha256, "kid": verified.kid, "members": members},
    )
    return package


@transaction.atomic
def round_set(*, actor: User, as_of: dt.date, due_on: dt.date) -> StatisticsRound:
    """Call for the children's statistics as of a date, due on a day (later is "late")."""
    if not trust.can_manage_trust(actor):
        raise PermissionDenied
    round_, _created = StatisticsRound.objects.update_or_create(
        as_of=as_of, defaults={"due_on": due_on}
    )
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        target=round_,
        summary=_("统计报送：截至 %(day)s，%(due)s 前报送")
        % {"day": as_of.isoformat(), "due": due_on.isoformat()},
    )
    return round_


@transaction.atomic
def child_register(*, actor: User, issuer: str, name: str) -> ChildDeployment:
    if not trust.can_manage_trust(actor):
        raise PermissionDenied
    child, _created = ChildDeployment.objects.update_or_create(
        issuer=issuer.strip()[:64], defaults={"name": name.strip()[:200]}
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        target=child,
        summary=_("登记下级系统：%(name)s") % {"name": child.name},
    )
    return child


def add_tables(base: list[Table], others: list[list[Table]]) -> list[Table]:
    """The tables of `base` with the others' numbers added, row by row and column by column
    (rows and tables the base lacks are appended). Every number of the report is a count over
    disjoint subtrees, so the sum is the report of their union."""
    tables = [Table.from_dict(t.as_dict()) for t in base]
    by_key = {t.key: t for t in tables}
    for other in others:
        for table in other:
            mine = by_key.get(table.key)
            if mine is None:
                mine = Table.from_dict({**table.as_dict(), "rows": []})
                tables.append(mine)
                by_key[mine.key] = mine
            rows = {r.key: r for r in mine.rows}
            for row in table.rows:
                if row.key in rows:
                    rows[row.key].values = [
                        a + b for a, b in zip_longest(rows[row.key].values, row.values, fillvalue=0)
                    ]
                else:
                    added = Row(row.key, row.label, list(row.values), None)
                    mine.rows.append(added)
                    rows[row.key] = added
    return tables
