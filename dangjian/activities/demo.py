"""The demo county's organizational life: a year of records up to the reference day, with
diligent branches and lagging ones, written with bulk_create.

Attendance rows are kept for branch general meetings (every member is expected there, four
times a year: about 115,000 rows for the county); other kinds are recorded as held without a
roll, as many branches do. A few mobile members attend elsewhere as guests, and a few members
miss every meeting, so the six-month list and the guest marks have something to show."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q

from dangjian.members.choices import MemberStatus
from dangjian.members.models import Membership, Position

from .choices import ActivityKind, ActivityStatus, AttendanceStatus
from .models import Activity, Attendance
from .periods import month_start
from .selectors import COMMITTEE_MIN_SIZE

if TYPE_CHECKING:
    from dangjian.core.extensions import DemoContext

TOPICS = {
    ActivityKind.GENERAL_MEETING: [
        "传达学习上级会议精神",
        "讨论发展党员",
        "审议支部工作报告",
        "讨论预备党员转正",
    ],
    ActivityKind.COMMITTEE_MEETING: [
        "研究本月工作安排",
        "研究党员发展计划",
        "讨论党费收缴情况",
        "研究主题党日安排",
    ],
    ActivityKind.PARTY_LECTURE: [
        "学习党章",
        "学习贯彻党的二十大精神",
        "党史学习教育",
        "廉洁教育专题党课",
    ],
    ActivityKind.THEME_DAY: [
        "重温入党誓词",
        "志愿服务",
        "红色教育参观",
        "集中学习",
        "走访困难群众",
    ],
    ActivityKind.LIFE_MEETING: ["年度组织生活会"],
    ActivityKind.REVIEW_MEETING: ["年度民主评议党员"],
    ActivityKind.TALK: ["支部书记与党员谈心谈话"],
}
LEAVE_REASONS = ["外出务工", "生病住院", "出差", "家中有事", "照顾老人"]


def _day(first: dt.date, day: int) -> dt.date:
    return first.replace(day=min(day, 28))


def run(context: DemoContext) -> None:
    rng = context.rng("activities")
    end = context.reference_day
    start = month_start(end, -12)
    months = [month_start(start, i) for i in range(12)]
    branch_ids = [b.pk for b in context.branches]
    committees = set(
        Position.objects.filter(organization_id__in=branch_ids, ended_on__isnull=True)
        .values("organization_id")
        .annotate(n=Count("id"))
        .filter(n__gte=COMMITTEE_MIN_SIZE)
        .values_list("organization_id", flat=True)
    )
    starts: dict[int, list[tuple[int, dt.date, dt.date | None]]] = defaultdict(list)
    for member_id, org_id, started, ended in (
        Membership.objects.filter(organization_id__in=branch_ids)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=start))
        .values_list("member_id", "organization_id", "started_on", "ended_on")
    ):
        starts[org_id].append((member_id, started, ended))

    activities: list[Activity] = []
    planned: list[Activity] = []
    for branch in context.branches:
        # 70% hold everything, 20% miss a few, 10% lag well behind.
        roll = rng.random()
        keep = 1.0 if roll < 0.7 else (0.8 if roll < 0.9 else 0.45)
        theme_day = rng.choice([1, 5, 10, 15, 20, 25])

        def add(
            kind: str, on: dt.date, status: str = ActivityStatus.HELD, branch: Any = branch
        ) -> None:
            item = Activity(
                organization_id=branch.pk,
                kind=kind,
                status=status,
                topic=rng.choice(TOPICS[ActivityKind(kind)]),
                on=on,
                start_time=dt.time(rng.choice([9, 14, 15, 19]), 0),
                place=f"{branch.name}党员活动室",
                lecturer="书记" if kind == ActivityKind.PARTY_LECTURE else "",
            )
            (planned if status == ActivityStatus.PLANNED else activities).append(item)

        for index, first in enumerate(months):
            if rng.random() < keep:
                add(ActivityKind.THEME_DAY, _day(first, theme_day))
            if branch.pk in committees and rng.random() < keep:
                add(ActivityKind.COMMITTEE_MEETING, _day(first, rng.randint(1, 9)))
            if index % 3 == 1:
                if rng.random() < max(keep, 0.6):
                    add(ActivityKind.GENERAL_MEETING, _day(first, rng.randint(10, 27)))
                if rng.random() < keep:
                    add(ActivityKind.PARTY_LECTURE, _day(first, rng.randint(1, 27)))
        january = next(m for m in months if m.month == 1)
        if rng.random() < keep:
            add(ActivityKind.LIFE_MEETING, _day(january, rng.randint(10, 27)))
            add(ActivityKind.REVIEW_MEETING, _day(january, rng.randint(10, 27)))
        if rng.random() < keep:
            add(ActivityKind.TALK, _day(month_start(january, 1), rng.randint(1, 27)))
        # What is planned for the month after the reference day: the calendar shows it.
        add(ActivityKind.THEME_DAY, _day(end, theme_day), ActivityStatus.PLANNED)
        if branch.pk in committees:
            add(ActivityKind.COMMITTEE_MEETING, _day(end, 8), ActivityStatus.PLANNED)

    context.progress(f"组织生活：{len(activities)} 次活动…")
    Activity.objects.bulk_create(activities, batch_size=2000)
    Activity.objects.bulk_create(planned, batch_size=2000)

    full_on = {
        m.pk: m.full_member_on for members in context.members_by_branch.values() for m in members
    }
    mobile = [
        m.pk
        for members in context.members_by_branch.values()
        for m in members
        if m.status == MemberStatus.MOBILE
    ]
    never = set(rng.sample(sorted(full_on), k=min(len(full_on) // 400, len(full_on))))
    rows: list[Attendance] = []
    guest_org: dict[int, int] = {}
    for org_id, entries in starts.items():
        for member_id, _started, ended in entries:
            if ended is None:
                guest_org[member_id] = org_id
    general = [a for a in activities if a.kind == ActivityKind.GENERAL_MEETING]
    for activity in general:
        for member_id, started, ended in starts.get(activity.organization_id, []):
            if started > activity.on or (ended is not None and ended <= activity.on):
                continue
            full = full_on.get(member_id)
            status, reason = AttendanceStatus.PRESENT, ""
            r = rng.random()
            if member_id in never or r < 0.02:
                status = AttendanceStatus.ABSENT
            elif r < 0.08:
                status, reason = AttendanceStatus.LEAVE, rng.choice(LEAVE_REASONS)
            rows.append(
                Attendance(
                    activity_id=activity.pk,
                    member_id=member_id,
                    status=status,
                    reason=reason,
                    can_vote=full is not None and full <= activity.on,
                )
            )
    # Mobile members attend a theme day of another branch as guests (流动党员参加活动).
    themes = [
        a for a in activities if a.kind == ActivityKind.THEME_DAY and a.on >= month_start(end, -3)
    ]
    for member_id in mobile[:300]:
        home = guest_org.get(member_id)
        candidates = [
            a for a in rng.sample(themes, k=min(5, len(themes))) if a.organization_id != home
        ]
        if home is None or not candidates:
            continue
        rows.append(
            Attendance(
                activity_id=candidates[0].pk,
                member_id=member_id,
                is_guest=True,
                home_organization_id=home,
            )
        )
    context.progress(f"组织生活：{len(rows)} 条出席记录…")
    Attendance.objects.bulk_create(rows, batch_size=5000)
