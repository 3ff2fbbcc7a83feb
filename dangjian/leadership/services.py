"""Writes of the leadership app: party-affairs staff posts and 述职 results. Keyword-only, with
the actor; scope-checked, locked, archived (staff posts) and audited."""

from __future__ import annotations

import datetime as dt
import io

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from dangjian.accounts.models import User
from dangjian.accounts.scope import scope_for
from dangjian.audit.choices import AuditAction
from dangjian.audit.services import audit_record
from dangjian.core.dates import today
from dangjian.core.error_codes import ErrorCode as CoreErrorCode
from dangjian.core.errors import field_error
from dangjian.members import services as member_services
from dangjian.members.choices import ArchiveKind
from dangjian.members.models import Member, Membership
from dangjian.organizations.models import Organization

from . import selectors
from .choices import Duty, DutyGrade
from .error_codes import ErrorCode
from .models import DutyReport, StaffPost


def _require_manage(actor: User, organization: Organization) -> None:
    if not scope_for(actor).can_manage_path(organization.path):
        raise PermissionDenied(_("您无权管理该党组织的班子队伍。"))


@transaction.atomic
def staff_post_assign(
    *, actor: User, organization: Organization, member: Member, duty: str, started_on: dt.date
) -> StaffPost:
    """A party-affairs duty (组织委员 …, 党务工作者) for a member on the subtree's roster."""
    _require_manage(actor, organization)
    Member.objects.select_for_update().get(pk=member.pk)
    if duty not in Duty.values:
        raise field_error("duty", _("请选择党务职责。"), code=ErrorCode.DUTY)
    on_roster = (
        Membership.objects.within(organization)
        .filter(member=member, started_on__lte=started_on, ended_on__isnull=True)
        .exists()
    )
    if not on_roster:
        raise field_error(
            "member", _("只能安排本组织（含下级组织）在册的党员。"), code=ErrorCode.NOT_MEMBER
        )
    if StaffPost.objects.filter(
        organization=organization, member=member, duty=duty, ended_on__isnull=True
    ).exists():
        raise field_error("duty", _("该党员已担任此职责。"), code=CoreErrorCode.DUPLICATE)
    post = StaffPost.objects.create(
        organization=organization, member=member, duty=duty, started_on=started_on
    )
    label = Duty(duty).label
    member_services.archive_add(
        member=member,
        actor=actor,
        kind=ArchiveKind.POSITION_STARTED,
        summary=_("任 %(org)s %(duty)s") % {"org": organization.name, "duty": label},
        after={"organization": organization.name, "duty": duty},
        effective_on=started_on,
    )
    audit_record(actor=actor, action=AuditAction.CREATE, target=post, summary=str(post))
    return post


@transaction.atomic
def staff_post_end(*, actor: User, post: StaffPost, ended_on: dt.date) -> StaffPost:
    post = StaffPost.objects.select_for_update().select_related("organization").get(pk=post.pk)
    _require_manage(actor, post.organization)
    if ended_on < post.started_on:
        raise field_error("ended_on", _("免职日期不能早于任职日期。"), code=ErrorCode.ORDER)
    post.ended_on = ended_on
    post.save(update_fields=["ended_on", "updated_at"])
    member_services.archive_add(
        member=post.member,
        actor=actor,
        kind=ArchiveKind.POSITION_ENDED,
        summary=_("免去 %(org)s %(duty)s")
        % {"org": post.organization.name, "duty": post.get_duty_display()},
        before={"organization": post.organization.name, "duty": post.duty},
        effective_on=ended_on,
    )
    audit_record(actor=actor, action=AuditAction.UPDATE, target=post, summary=str(post))
    return post


@transaction.atomic
def duty_report_record(
    *,
    actor: User,
    organization: Organization,
    member: Member,
    year: int,
    grade: str,
    note: str = "",
) -> DutyReport:
    """书记抓基层党建工作述职评议: the result of one secretary for one year (once per year and
    organization). Recorded by the committee that holds the appraisal (it manages the subtree)."""
    _require_manage(actor, organization)
    Member.objects.select_for_update().get(pk=member.pk)
    if not 2000 <= year <= today().year:
        raise field_error("year", _("年度须在 2000 年到今年之间。"), code=ErrorCode.YEAR)
    if grade not in DutyGrade.values:
        raise field_error("grade", _("评议等次只能是好、较好、一般或差。"), code=ErrorCode.GRADE)
    if DutyReport.objects.filter(organization=organization, member=member, year=year).exists():
        raise field_error(
            "year", _("该书记本年度的述职评议结果已登记。"), code=CoreErrorCode.DUPLICATE
        )
    report = DutyReport.objects.create(
        organization=organization,
        member=member,
        year=year,
        grade=grade,
        note=note.strip()[:300],
        recorded_by=actor if actor.is_authenticated else None,
    )
    audit_record(actor=actor, action=AuditAction.CREATE, target=report, summary=str(report))
    return report


def roster_export(*, actor: User, organization: Organization, on: dt.date) -> bytes:
    """The roster and the 书记 distribution as .xlsx (two sheets); the export is audited."""
    if not scope_for(actor).can_read_path(organization.path):
        raise PermissionDenied
    from dangjian.core.workbooks import new_workbook

    rows = selectors.roster(organization, on)
    distribution = selectors.secretary_distribution(organization, on)
    buffer = io.BytesIO()
    book = new_workbook(buffer, in_memory=True)
    bold = book.add_format({"bold": True})
    sheet = book.add_worksheet(_("书记和党务干部"))
    sheet.write_row(
        0,
        0,
        [
            _("党组织"),
            _("姓名"),
            _("职务"),
            _("任职日期"),
            _("任职年限"),
            _("本年培训学时"),
            _("述职年度"),
            _("述职评议"),
        ],
        bold,
    )
    for number, row in enumerate(rows, start=1):
        sheet.write_row(
            number,
            0,
            [
                row.organization,
                row.name,
                row.post_label,
                row.since.isoformat(),
                row.tenure_years,
                float(row.hours),
                row.report_year or "",
                row.report_grade_label,
            ],
        )
    sheet.set_column(0, 0, 28)
    table = book.add_worksheet(_("书记分布"))
    table.write_row(0, 0, [_("书记总数"), distribution.secretaries], bold)
    line = 2
    for title, entries in selectors.label_rows(distribution):
        table.write(line, 0, title, bold)
        line += 1
        for _key, label, count in entries:
            table.write_row(line, 0, [label, count])
            line += 1
        line += 1
    table.set_column(0, 0, 20)
    book.close()
    audit_record(
        actor=actor,
        action=AuditAction.EXPORT,
        target=organization,
        summary=_("导出书记和党务干部名册"),
    )
    return buffer.getvalue()
