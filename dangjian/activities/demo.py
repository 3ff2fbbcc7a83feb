"""The demo county's organizational life: a year of records up to the reference day, with
diligent branches and lagging ones, written with bulk_create.

Attendance rows are kept for branch general meetings (every member is expected there, four
times a year: about 115,000 rows for the county); other kinds are recorded as held without a
roll, as many branches do. A few mobile members attend elsewhere as guests, and a few members
miss every meeting, so the six-month list and the guest marks have something to show."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import Count
from django.utils import timezone

from dangjian.members.choices import MemberStatus
from dangjian.members.models import Member, Membership, Position

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

    ops = connection.ops
    now = ops.adapt_datetimefield_value(timezone.now())
    times = {h: ops.adapt_timefield_value(dt.time(h, 0)) for h in (9, 14, 15, 19)}
    rows: list[tuple[Any, ...]] = []
    for branch in context.branches:
        # 70% hold everything, 20% miss a few, 10% lag well behind.
        roll = rng.random()
        keep = 1.0 if roll < 0.7 else (0.8 if roll < 0.9 else 0.45)
        theme_day = rng.choice([1, 5, 10, 15, 20, 25])

        def add(
            kind: str, on: dt.date, status: str = ActivityStatus.HELD, branch: Any = branch
        ) -> None:
            rows.append(
                (
                    now,
                    now,
                    branch.pk,
                    kind,
                    status,
                    rng.choice(TOPICS[ActivityKind(kind)]),
                    ops.adapt_datefield_value(on),
                    times[rng.choice((9, 14, 15, 19))],
                    f"{branch.name}党员活动室",
                    "书记" if kind == ActivityKind.PARTY_LECTURE else "",
                    "",
                    "",
                )
            )

        for _index, first in enumerate(months):
            if rng.random() < keep:
                add(ActivityKind.THEME_DAY, _day(first, theme_day))
            if branch.pk in committees and rng.random() < keep:
                add(ActivityKind.COMMITTEE_MEETING, _day(first, rng.randint(1, 9)))
            if first.month % 3 == 2:  # the middle month of each calendar quarter
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

    context.progress(f"组织生活：写入 {len(rows)} 次活动…")
    _insert_activities(rows)
    context.progress("组织生活：出席记录…")

    # The roll of every general meeting, in the database: one row per member on the branch's
    # roster that day (from the dated rows), present; then a few exceptions.
    _insert_general_meeting_rolls(start)
    context.progress("组织生活：请假和缺席…")
    _mark_exceptions(rng, start, context)
    context.progress("组织生活：列席…")
    guest_org = {m.pk: org_id for org_id, ms in context.members_by_branch.items() for m in ms}
    mobile = [
        m.pk
        for members in context.members_by_branch.values()
        for m in members
        if m.status == MemberStatus.MOBILE
    ]
    guests: list[Attendance] = []
    # Mobile members attend a theme day of another branch as guests (流动党员参加活动).
    themes = list(
        Activity.objects.filter(
            kind=ActivityKind.THEME_DAY, status=ActivityStatus.HELD, on__gte=month_start(end, -3)
        )
        .order_by("pk")
        .values_list("pk", "organization_id")
    )
    for member_id in mobile[:300]:
        home = guest_org.get(member_id)
        candidates = [
            pk for pk, org_id in rng.sample(themes, k=min(5, len(themes))) if org_id != home
        ]
        if home is None or not candidates:
            continue
        guests.append(
            Attendance(
                activity_id=candidates[0],
                member_id=member_id,
                is_guest=True,
                home_organization_id=home,
            )
        )
    Attendance.objects.bulk_create(guests, batch_size=5000)


def _insert_activities(rows: list[tuple[Any, ...]]) -> None:
    """executemany: Django's bulk_create spends most of its time preparing 26,000 objects."""
    columns = ", ".join(
        connection.ops.quote_name(c)
        for c in (
            "created_at",
            "updated_at",
            "organization_id",
            "kind",
            "status",
            "topic",
            "on",
            "start_time",
            "place",
            "lecturer",
            "minutes",
            "resolutions",
        )
    )
    marks = ", ".join(["%s"] * 12)
    sql = f"INSERT INTO {Activity._meta.db_table} ({columns}) VALUES ({marks})"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _insert_general_meeting_rolls(since: dt.date) -> None:
    attendance = Attendance._meta.db_table
    activity = Activity._meta.db_table
    membership = Membership._meta.db_table
    member = Member._meta.db_table
    sql = f"""
        INSERT INTO {attendance}
            (activity_id, member_id, status, reason, is_guest, can_vote, via, certificate_serial)
        SELECT a.id, ms.member_id, %s, '', %s,
               COALESCE(m.full_member_on <= a."on", %s), %s, ''
        FROM {activity} a
        JOIN {membership} ms ON ms.organization_id = a.organization_id
             AND ms.started_on <= a."on" AND (ms.ended_on IS NULL OR ms.ended_on > a."on")
        JOIN {member} m ON m.id = ms.member_id
        WHERE a.kind = %s AND a.status = %s AND a."on" >= %s
    """  # noqa: S608 - table names come from the models, values are parameters
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                AttendanceStatus.PRESENT,
                False,
                False,
                "manual",
                ActivityKind.GENERAL_MEETING,
                ActivityStatus.HELD,
                since,
            ],
        )


def _mark_exceptions(rng: random.Random, since: dt.date, context: DemoContext) -> None:
    """About 2% absent and 6% on leave with a reason; a few members miss every meeting."""
    rows = Attendance.objects.filter(
        activity__kind=ActivityKind.GENERAL_MEETING, activity__on__gte=since, is_guest=False
    )
    ids = list(rows.values_list("id", flat=True))
    absent = rng.sample(ids, k=len(ids) // 50)
    leave = rng.sample(ids, k=len(ids) * 6 // 100)
    leave_set = set(leave) - set(absent)
    for chunk in _chunks(absent, 900):
        Attendance.objects.filter(id__in=chunk).update(status=AttendanceStatus.ABSENT)
    by_reason: dict[str, list[int]] = defaultdict(list)
    for row_id in leave_set:
        by_reason[rng.choice(LEAVE_REASONS)].append(row_id)
    for reason, row_ids in by_reason.items():
        for chunk in _chunks(row_ids, 900):
            Attendance.objects.filter(id__in=chunk).update(
                status=AttendanceStatus.LEAVE, reason=reason
            )
    everyone = sorted(m.pk for members in context.members_by_branch.values() for m in members)
    never = rng.sample(everyone, k=len(everyone) // 400)
    for chunk in _chunks(never, 900):
        rows.filter(member_id__in=chunk).update(status=AttendanceStatus.ABSENT, reason="")


def _chunks(items: list[int], size: int) -> list[list[int]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def build_training(context: DemoContext) -> None:
    """The reference year's training: the county party school's course for secretaries (most of
    them, 32 class hours) and the online winter-spring course for members of most branches
    (four sessions of 8 hours; people attend some or all), so coverage has gaps to show."""
    from decimal import Decimal

    from dangjian.members.choices import PositionTitle

    from .choices import TrainingForm
    from .models import TrainingCourse, TrainingSession

    rng = context.rng("training")
    year = context.reference_day.year
    school = TrainingCourse.objects.create(
        organization=context.county,
        title="县委党校基层党组织书记轮训班",
        form=TrainingForm.PARTY_SCHOOL,
        starts_on=dt.date(year, 4, 7),
        ends_on=dt.date(year, 4, 10),
    )
    online = TrainingCourse.objects.create(
        organization=context.county,
        title="党员冬春训（网络培训）",
        form=TrainingForm.ONLINE,
        starts_on=dt.date(year, 1, 10),
        ends_on=dt.date(year, 3, 31),
    )
    topics = ["学习党章党规", "学习党的创新理论", "基层党建业务", "党风廉政教育"]
    sessions = TrainingSession.objects.bulk_create(
        [
            TrainingSession(
                course=school, on=dt.date(year, 4, 7 + i), topic=topic, hours=Decimal(8)
            )
            for i, topic in enumerate(topics)
        ]
        + [
            TrainingSession(
                course=online, on=dt.date(year, 1 + i, 15), topic=topic, hours=Decimal(8)
            )
            for i, topic in enumerate(topics[:3])
        ]
        + [
            TrainingSession(
                course=online, on=dt.date(year, 3, 28), topic="专题辅导", hours=Decimal(8)
            )
        ]
    )
    through = TrainingSession.participants.through
    rows: list[Any] = []
    secretaries = Position.objects.filter(
        organization_id__in=[b.pk for b in context.branches],
        title=PositionTitle.SECRETARY,
        ended_on__isnull=True,
    ).values_list("member_id", flat=True)
    for member_id in sorted(set(secretaries)):
        if rng.random() < 0.85:
            rows += [through(trainingsession_id=s.pk, member_id=member_id) for s in sessions[:4]]
    for branch in context.branches:
        if rng.random() < 0.4:
            continue  # this branch's members took no part
        for member in context.members_by_branch.get(branch.pk, []):
            if rng.random() < 0.7:
                rows += [
                    through(trainingsession_id=s.pk, member_id=member.pk)
                    for s in sessions[4:]
                    if rng.random() < 0.8
                ]
    through.objects.bulk_create(rows, batch_size=5000)
