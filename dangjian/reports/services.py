"""Writes of the statistics app: freezing a year's report; counting and keeping the report."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dangjian.accounts.models import User
from dangjian.accounts.scope import scope_for
from dangjian.audit.choices import AuditAction
from dangjian.audit.services import audit_record
from dangjian.core import figures, tasks
from dangjian.core.dates import today
from dangjian.core.errors import field_error
from dangjian.members.models import Membership
from dangjian.organizations.choices import OrgKind
from dangjian.organizations.models import Organization
from dangjian.reports.error_codes import ErrorCode

from .models import ReportRun, ReportSnapshot
from .report import Report, report_compute


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


# --- the annual report, counted once and kept (decision 0275) --------------------------------

# A report is counted in the request itself when its subtree is small: a branch's or a
# general branch's (a few hundred members at most), or any with at most INLINE_MEMBERS members
# (the dashboard's cached count says how many): about a tenth of a second. A larger one (a
# county: 28,682 members, 2 s; a province: 10 s) goes to the queue.
INLINE_MEMBERS = 2000
INLINE_KINDS = frozenset(
    {
        OrgKind.GENERAL_BRANCH,
        OrgKind.BRANCH,
        OrgKind.JOINT_BRANCH,
        OrgKind.TEMPORARY_BRANCH,
        OrgKind.PARTY_GROUP,
    }
)
# Kept counts of other days than today that nobody asked for this long are removed.
RUNS_KEPT = dt.timedelta(days=7)


@dataclass(frozen=True)
class ReportState:
    """What the report page shows: the kept report (None until the first count ends), whether
    it is out of date (a change below since, or older than the figures' maximum age), and the
    run with the latest count's status and progress."""

    run: ReportRun
    report: Report | None
    stale: bool

    @property
    def computed_at(self) -> dt.datetime | None:
        return self.run.computed_at


def _counts_inline(organization: Organization) -> bool:
    """Small enough to count in the request: a branch's kind, or at most INLINE_MEMBERS members
    on the roster (a count that stops after INLINE_MEMBERS + 1 rows, so it stays cheap in a
    province). Reads only, so a report page still reads the replica (decision 0280)."""
    if organization.kind in INLINE_KINDS:
        return True
    on_roster = Membership.objects.within(organization).filter(ended_on__isnull=True).order_by()
    return on_roster[: INLINE_MEMBERS + 1].count() <= INLINE_MEMBERS


def _mark_key(run: ReportRun) -> str:
    return f"report-run:{run.pk}"


def _is_stale(run: ReportRun, path: str, now: dt.datetime) -> bool:
    if run.data is None or run.computed_at is None:
        return True
    if run.computed_at <= now - dt.timedelta(seconds=figures.max_age()):
        return True
    return not figures.is_marked(path, _mark_key(run))


def _abandoned(run: ReportRun, now: dt.datetime) -> bool:
    """A count whose worker died: its process is gone (same machine), or no table was done
    for longer than the queue's stale limit (another machine)."""
    if run.status != ReportRun.Status.RUNNING:
        return False
    if run.runner_pid and tasks.process_alive(run.runner_host, run.runner_pid) is False:
        return True
    beat = run.heartbeat_at or run.started_at or run.requested_at
    return beat < now - tasks.stale_after()


def _fail_abandoned(run: ReportRun) -> None:
    ReportRun.objects.filter(pk=run.pk, status=ReportRun.Status.RUNNING).update(
        status=ReportRun.Status.FAILED,
        message=_("后台统计中断（处理进程已停止），请点“重新统计”。"),
    )
    run.refresh_from_db()


def _enqueue(run: ReportRun, now: dt.datetime) -> None:
    """Queue a new count of `run` unless one is queued or running (claimed by a conditional
    update, so two visitors at once queue one count)."""
    from . import tasks as report_tasks

    claimed = (
        ReportRun.objects.filter(pk=run.pk)
        .exclude(status__in=[ReportRun.Status.QUEUED, ReportRun.Status.RUNNING])
        .update(status=ReportRun.Status.QUEUED, requested_at=now, done=0, total=0, message="")
    )
    if claimed:
        transaction.on_commit(lambda: report_tasks.report_run.enqueue(run.pk))
        run.refresh_from_db()


def report_request(
    *,
    user: User,
    organization: Organization,
    as_of: dt.date,
    language: str,
    refresh: bool = False,
    start: bool = True,
    wait: bool = False,
) -> ReportState:
    """The report for the page (and its exports): the kept count when it is current; else a
    new count, in this request for a small subtree, queued for `dangjian worker` for a larger
    one (the page shows the kept figures meanwhile, or the progress when there are none yet).
    `refresh` asks for a new count even if the kept one is current; `start=False` (the
    page's progress poll) only reads; `wait` (an export) counts in this request when there
    are no kept figures yet, and keeps them for the page. Scoped: a reader of the
    organization.

    A count in the request reads before anything is written, so that on a report page it reads
    the replica like the page did before (a write turns the rest of the request to the
    primary, decision 0280)."""
    scope_for(user).require_read(organization)
    now = timezone.now()
    run = ReportRun.objects.filter(
        organization=organization, as_of=as_of, language=language
    ).first()
    if run is not None and _abandoned(run, now):
        _fail_abandoned(run)
    stale = run is None or _is_stale(run, organization.path, now)
    kept = run is not None and run.data is not None
    # A small subtree is counted on every visit of the page, as its secretary expects to see
    # what they just did (decision 0100); its export reads that count while it is current.
    small = (start or wait) and _counts_inline(organization)
    if (small and ((start and not wait) or stale or refresh)) or (wait and not kept):
        counted = _count(organization, as_of, language)
        run = _keep(organization, as_of, language, counted, now)
        return ReportState(run=run, report=counted, stale=False)
    created = False
    if run is None:
        run, created = ReportRun.objects.get_or_create(
            organization=organization,
            as_of=as_of,
            language=language,
            defaults={"status": ReportRun.Status.DONE, "requested_at": now},
        )
    if (stale or refresh) and (start or created) and not run.is_pending:
        _enqueue(run, now)
    report = Report.from_dict(run.data) if run.data is not None else None
    return ReportState(run=run, report=report, stale=stale)


def _count(
    organization: Organization,
    as_of: dt.date,
    language: str,
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    with translation.override(language):
        return report_compute(organization, as_of, progress)


def _keep(
    organization: Organization, as_of: dt.date, language: str, report: Report, now: dt.datetime
) -> ReportRun:
    """Keep a count made in the request (after it: see report_request)."""
    values = {
        "status": ReportRun.Status.DONE,
        "data": report.as_dict(),
        "computed_at": report.computed_at,
        "requested_at": now,
        "started_at": report.computed_at,
        "heartbeat_at": now,
        "runner_host": "",
        "runner_pid": None,
        "message": "",
    }
    run, _created = ReportRun.objects.update_or_create(
        organization=organization,
        as_of=as_of,
        language=language,
        defaults={**values, "done": F("total")},
        create_defaults={**values, "done": 0, "total": 0},
    )
    figures.mark(organization.path, _mark_key(run))
    run.refresh_from_db()
    return run


def report_run_compute(run_id: int) -> ReportRun:
    """Count the run's report (the worker's task, or the warm-up): the progress after each
    table, then the figures and when counting began; on an error the run ends failed with the
    reason on the page, and the kept figures stay."""
    run = ReportRun.objects.select_related("organization").get(pk=run_id)
    organization = run.organization
    started = timezone.now()
    ReportRun.objects.filter(pk=run.pk).update(
        status=ReportRun.Status.RUNNING,
        started_at=started,
        heartbeat_at=started,
        runner_host=tasks.this_host(),
        runner_pid=os.getpid(),
        done=0,
        total=0,
        message="",
    )
    # Marked before counting: a change committed while the tables are counted drops the
    # marker, and the new figures are then out of date at once rather than taken as current.
    figures.mark(organization.path, _mark_key(run))

    def progress(done: int, total: int) -> None:
        ReportRun.objects.filter(pk=run.pk).update(
            done=done, total=total, heartbeat_at=timezone.now()
        )

    try:
        report = _count(organization, run.as_of, run.language, progress)
    except Exception as exc:
        figures.unmark(organization.path, _mark_key(run))
        ReportRun.objects.filter(pk=run.pk).update(
            status=ReportRun.Status.FAILED,
            message=(_("统计失败：%(error)s") % {"error": exc})[:300],
        )
        raise
    ReportRun.objects.filter(pk=run.pk).update(
        status=ReportRun.Status.DONE,
        data=report.as_dict(),
        computed_at=report.computed_at,
        heartbeat_at=timezone.now(),
        message="",
    )
    run.refresh_from_db()
    return run


def report_runs_warm(organizations: list[Organization], *, language: str) -> int:
    """Count again, in this process (the worker's warm-up), today's report of each of these
    organizations, and every other kept report of today of a committee, that is out of date
    and not being counted; drop the kept counts of other days nobody asked for a week.
    Returns how many were counted."""
    now = timezone.now()
    on = today()
    ReportRun.objects.filter(requested_at__lt=now - RUNS_KEPT).exclude(as_of=on).exclude(
        status__in=[ReportRun.Status.QUEUED, ReportRun.Status.RUNNING]
    ).delete()
    for organization in organizations:
        ReportRun.objects.get_or_create(
            organization=organization,
            as_of=on,
            language=language,
            defaults={"status": ReportRun.Status.DONE, "requested_at": now},
        )
    counted = 0
    for run in (
        ReportRun.objects.filter(as_of=on)
        .select_related("organization")
        .exclude(organization__kind__in=INLINE_KINDS)
    ):
        if _abandoned(run, now):
            _fail_abandoned(run)
        if run.status == ReportRun.Status.QUEUED or run.status == ReportRun.Status.RUNNING:
            continue
        if _is_stale(run, run.organization.path, now):
            report_run_compute(run.pk)
            counted += 1
    return counted
