"""The demo county's organizational life: a year of records up to the reference day (the day
the demo is built), diligent branches and one in 25 lagging, written with executemany.

Every held activity has its roll, inserted in SQL from the dated rows: the branch's roster that
day (a committee meeting: its leaders in office), about 700,000 rows for the county. Mobile
members are on leave at home and attend elsewhere as guests; a few members (and those out of
contact) miss everything, so the six-month list and the guest marks have something to show
(docs/demo.md lists what the county deliberately contains)."""

from __future__ import annotations

import datetime as dt
import random
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import Count, Max
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
LAG_EVERY, LAG_AT = 25, 3
NEVER_EVERY = 400  # one settled member in 400 attends nothing


def _day(first: dt.date, day: int) -> dt.date:
    return first.replace(day=min(day, 28))


def lagging(index: int) -> bool:
    """One branch in 25 lags behind on 三会一课 (no party lecture, theme days every other
    month): the county's deliberate compliance alerts (docs/demo.md). Every other branch holds
    everything the frequency table asks."""
    return index % LAG_EVERY == LAG_AT


def run(context: DemoContext) -> None:
    rng = context.rng("activities")
    end = context.reference_day
    # Twelve months before the day's month and the month itself: what falls before the day was
    # held, the rest of the month and the next month are planned.
    start = min(month_start(end, -12), dt.date(context.assessed_year, 1, 1))
    months = [month_start(start, i) for i in range(_months_between(start, end) + 2)]
    branch_ids = [b.pk for b in context.branches]
    # Branches with a committee, and since when: the committee elected at the start of the
    # current term meets from then on (the demo records no earlier committee).
    committees = dict(
        Position.objects.filter(organization_id__in=branch_ids, ended_on__isnull=True)
        .values("organization_id")
        .annotate(n=Count("id"), since=Max("started_on"))
        .filter(n__gte=COMMITTEE_MIN_SIZE)
        .values_list("organization_id", "since")
    )

    ops = connection.ops
    now = ops.adapt_datetimefield_value(timezone.now())
    times = {h: ops.adapt_timefield_value(dt.time(h, 0)) for h in (9, 14, 15, 19)}
    rows: list[tuple[Any, ...]] = []
    january = next(m for m in months if m.month == 1)
    for index, branch in enumerate(context.branches):
        behind = lagging(index)
        theme_day = rng.choice([1, 5, 10, 15, 20, 25])

        def add(kind: str, on: dt.date, branch: Any = branch) -> None:
            status = ActivityStatus.HELD if on < end else ActivityStatus.PLANNED
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

        for number, first in enumerate(months):
            planned_month = number == len(months) - 1  # next month: only the calendar
            if not behind or first.month % 2:
                add(ActivityKind.THEME_DAY, _day(first, theme_day))
            if branch.pk in committees and (not behind or first.month % 2):
                # The month the committee is elected, it meets from that day.
                on = max(_day(first, rng.randint(1, 9)), committees[branch.pk])
                if on < month_start(first, 1):
                    add(ActivityKind.COMMITTEE_MEETING, on)
            if planned_month:
                continue
            if first.month % 3 == 2:  # the middle month of each calendar quarter
                if not behind or first.month in (2, 8):
                    add(ActivityKind.GENERAL_MEETING, _day(first, rng.randint(10, 27)))
                if not behind:
                    add(ActivityKind.PARTY_LECTURE, _day(first, rng.randint(1, 27)))
        if not behind:
            add(ActivityKind.LIFE_MEETING, _day(january, rng.randint(10, 27)))
            add(ActivityKind.REVIEW_MEETING, _day(january, rng.randint(10, 27)))
            add(ActivityKind.TALK, _day(month_start(january, 1), rng.randint(1, 27)))

    context.progress(f"组织生活：写入 {len(rows)} 次活动…")
    _insert_activities(rows)
    context.progress("组织生活：出席记录…")

    # The roll of every held activity, in the database: one row per member on the branch's
    # roster that day (from the dated rows) or, for a committee meeting, per leader in office
    # that day; present, then the exceptions.
    _insert_rolls(start)
    context.progress("组织生活：请假和缺席…")
    members = [m for ms in context.members_by_branch.values() for m in ms]
    mobile = sorted(m.pk for m in members if m.status == MemberStatus.MOBILE)
    away = sorted(
        m.pk for m in members if m.status in (MemberStatus.LOST_CONTACT, MemberStatus.ABROAD)
    )
    # A few members on the roster attend nothing all year: the art. 9 alerts the county
    # deliberately contains (docs/demo.md), with the members out of contact.
    settled = sorted(m.pk for m in members if m.status == MemberStatus.NORMAL)
    never = rng.sample(settled, k=len(settled) // NEVER_EVERY)
    _mark_exceptions(start, mobile=mobile, absent=sorted([*away, *never]))
    context.progress("组织生活：列席…")
    _guests(rng, context, mobile)


def _guests(rng: random.Random, context: DemoContext, mobile: list[int]) -> None:
    """Mobile members (on leave at home) attend a theme day of another branch as guests
    (流动党员参加活动), one in each of the last two quarters, so their life is on record."""
    end = context.reference_day
    home = {m.pk: org_id for org_id, ms in context.members_by_branch.items() for m in ms}
    guests: list[Attendance] = []
    for since, until in ((month_start(end, -6), month_start(end, -3)), (month_start(end, -3), end)):
        themes = list(
            Activity.objects.filter(
                kind=ActivityKind.THEME_DAY,
                status=ActivityStatus.HELD,
                on__gte=since,
                on__lt=until,
            )
            .order_by("pk")
            .values_list("pk", "organization_id", "on")
        )
        for member_id in mobile:
            candidates = [
                (pk, on)
                for pk, org_id, on in rng.sample(themes, k=min(5, len(themes)))
                if org_id != home.get(member_id)
            ]
            if member_id not in home or not candidates:
                continue
            guests.append(
                Attendance(
                    activity_id=candidates[0][0],
                    member_id=member_id,
                    is_guest=True,
                    home_organization_id=home[member_id],
                    held_on=candidates[0][1],
                )
            )
    Attendance.objects.bulk_create(guests, batch_size=5000)


def _months_between(first: dt.date, last: dt.date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month


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


def _insert_rolls(since: dt.date) -> None:
    attendance = Attendance._meta.db_table
    activity = Activity._meta.db_table
    membership = Membership._meta.db_table
    member = Member._meta.db_table
    position = Position._meta.db_table
    columns = (
        "(activity_id, member_id, status, reason, is_guest, can_vote, via, certificate_serial,"
        " held_on)"
    )
    values = (
        "SELECT a.id, m.id, %s, '', %s, COALESCE(m.full_member_on <= a.\"on\", %s), %s, '',"
        ' a."on"'
    )
    everyone = f"""
        INSERT INTO {attendance} {columns} {values}
        FROM {activity} a
        JOIN {membership} ms ON ms.organization_id = a.organization_id
             AND ms.started_on <= a."on" AND (ms.ended_on IS NULL OR ms.ended_on > a."on")
        JOIN {member} m ON m.id = ms.member_id
        WHERE a.kind <> %s AND a.status = %s AND a."on" >= %s
    """
    leaders = f"""
        INSERT INTO {attendance} {columns} {values}
        FROM {activity} a
        JOIN {position} p ON p.organization_id = a.organization_id
             AND p.started_on <= a."on" AND (p.ended_on IS NULL OR p.ended_on > a."on")
        JOIN {member} m ON m.id = p.member_id
        WHERE a.kind = %s AND a.status = %s AND a."on" >= %s
    """
    common: list[Any] = [AttendanceStatus.PRESENT, False, False, "manual"]
    where: list[Any] = [ActivityKind.COMMITTEE_MEETING, ActivityStatus.HELD, since]
    with connection.cursor() as cursor:
        cursor.execute(everyone, [*common, *where])
        cursor.execute(leaders, [*common, *where])


def _mark_exceptions(since: dt.date, *, mobile: list[int], absent: list[int]) -> None:
    """Mobile members on leave at home (外出务工); the listed members absent throughout; of the
    rest, about 2% of the rows absent and 6% on leave with a reason. The spread is a hash of
    member and activity in SQL: 700,000 rows are too many to draw one by one."""
    rows = Attendance.objects.filter(activity__on__gte=since, is_guest=False)
    for chunk in _chunks(mobile, 900):
        rows.filter(member_id__in=chunk).update(status=AttendanceStatus.LEAVE, reason="外出务工")
    for chunk in _chunks(absent, 900):
        rows.filter(member_id__in=chunk).update(status=AttendanceStatus.ABSENT, reason="")
    table = Attendance._meta.db_table
    spread = "(member_id * 7 + activity_id * 13) %% 100"
    mix = f"(member_id + activity_id) %% {len(LEAVE_REASONS)}"
    present = [AttendanceStatus.PRESENT]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET status = %s WHERE status = %s AND is_guest = %s"  # noqa: S608
            f" AND {spread} < 2",
            [AttendanceStatus.ABSENT, *present, False],
        )
        for number, reason in enumerate(LEAVE_REASONS):
            cursor.execute(
                f"UPDATE {table} SET status = %s, reason = %s WHERE status = %s"  # noqa: S608
                f" AND is_guest = %s AND {spread} < 8 AND {mix} = %s",
                [AttendanceStatus.LEAVE, reason, *present, False, number],
            )


def _chunks(items: list[int], size: int) -> list[list[int]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def build_training(context: DemoContext) -> None:
    """Last year's training: the county party school's course for secretaries (most of
    them, 32 class hours) and the online winter-spring course for members of most branches
    (four sessions of 8 hours; people attend some or all), so coverage has gaps to show."""
    from decimal import Decimal

    from dangjian.members.choices import PositionTitle

    from .choices import TrainingForm
    from .models import TrainingCourse, TrainingSession

    rng = context.rng("training")
    year = context.reference_day.year - 1  # a whole year, all of it before the demo's day
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
