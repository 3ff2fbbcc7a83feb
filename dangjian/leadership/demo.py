"""The demo county's leadership teams: last year's 民主生活会 and the two half-yearly analyses
of the county and township committees (one township missed the second), with follow-up items;
last year's 述职 results of every secretary; 组织委员 in the branches with a committee and a
full-time party-affairs worker in each township. Bulk writes: well under a second."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from django.db.models import Model, Q
from django.utils import timezone

from dangjian.activities.choices import ActivityKind, ActivityStatus, AttendanceStatus
from dangjian.activities.models import Activity, Attendance, FollowUpItem
from dangjian.core.extensions import DemoContext
from dangjian.members.choices import PositionTitle
from dangjian.members.models import Position
from dangjian.organizations.choices import OrgKind, UnitKind
from dangjian.organizations.models import Organization

from .choices import Duty, DutyGrade
from .models import DutyReport, StaffPost

FOLLOW_UPS = [
    ("落实“三会一课”督导，年内对所有村党支部开展一轮组织生活会督查", "组织委员"),
    ("对软弱涣散村党组织逐一明确班子成员联系点，按季度听取整顿进展", "党委书记"),
    ("党务干部和村党支部书记年内普遍轮训一次", "组织委员"),
    ("规范党费收缴和党组织工作经费使用，年底前公开一次", "纪检委员"),
]
GRADES = [
    (DutyGrade.GOOD, 0.45),
    (DutyGrade.FAIRLY_GOOD, 0.40),
    (DutyGrade.AVERAGE, 0.12),
    (DutyGrade.POOR, 0.03),
]


def _insert_rolls(since: dt.date) -> None:
    """Each leadership meeting's roll: the team in office that day, all present (one INSERT …
    SELECT, as the activities step writes its committee meetings' rolls: decision 0061)."""
    attendance = Attendance._meta.db_table
    activity = Activity._meta.db_table
    position = Position._meta.db_table
    sql = f"""
        INSERT INTO {attendance}
            (activity_id, member_id, status, reason, is_guest, can_vote, via, certificate_serial)
        SELECT DISTINCT a.id, p.member_id, %s, '', %s, %s, %s, ''
        FROM {activity} a
        JOIN {position} p ON p.organization_id = a.organization_id
             AND p.started_on <= a."on" AND (p.ended_on IS NULL OR p.ended_on > a."on")
        WHERE a.kind IN (%s, %s) AND a.status = %s AND a."on" >= %s
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                AttendanceStatus.PRESENT,
                False,
                False,
                "manual",
                ActivityKind.DEMOCRATIC_LIFE,
                ActivityKind.TEAM_ANALYSIS,
                ActivityStatus.HELD,
                since,
            ],
        )


def build_demo_leadership(context: DemoContext) -> None:
    rng = context.rng("leadership")
    last = context.reference_day.year - 1
    county = context.county
    townships = list(
        Organization.objects.filter(
            parent=county, kind=OrgKind.PARTY_COMMITTEE, unit_kind=UnitKind.TOWNSHIP
        ).order_by("path")
    )
    teams = [county, *townships]
    terms: dict[int, list[tuple[dt.date, dt.date | None]]] = {}
    for org_id, started_on, ended_on in Position.objects.filter(organization__in=teams).values_list(
        "organization_id", "started_on", "ended_on"
    ):
        terms.setdefault(org_id, []).append((started_on, ended_on))

    def in_office(team: Organization, day: dt.date) -> bool:
        """A team meets only when someone of it is in office that day (the roll is the team)."""
        return any(s <= day and (e is None or e > day) for s, e in terms.get(team.pk, []))

    meetings: list[Activity] = []
    for number, team in enumerate(teams):
        if not in_office(team, dt.date(last, 12, 20)):
            continue
        meetings.append(
            Activity(
                organization=team,
                kind=ActivityKind.DEMOCRATIC_LIFE,
                status=ActivityStatus.HELD,
                topic=f"{last}年度专题民主生活会",
                on=dt.date(last, 12, 20),
                place="党委会议室",
                minutes="班子成员逐一对照检查，开展批评和自我批评；通报上年度整改落实情况。",
                resolutions="形成班子整改清单，明确责任人和时限。",
                recorded_by=context.builder,
            )
        )
        for month, half in ((6, "上"), (12, "下")):  # held within the half it analyses
            if half == "下" and number == len(teams) - 1:
                continue  # one township has not analysed its second half-year
            if not in_office(team, dt.date(last, month, 18)):
                continue
            meetings.append(
                Activity(
                    organization=team,
                    kind=ActivityKind.TEAM_ANALYSIS,
                    status=ActivityStatus.HELD,
                    topic=f"{last}年{half}半年班子运行情况分析",
                    on=dt.date(last, month, 18),
                    place="党委会议室",
                    minutes="分析班子贯彻民主集中制、团结协作和作风建设情况。",
                    recorded_by=context.builder,
                )
            )
    Activity.objects.bulk_create(meetings)
    _insert_rolls(dt.date(last, 1, 1))
    items: list[FollowUpItem] = []
    day = context.reference_day
    for meeting in meetings:
        if meeting.kind != ActivityKind.DEMOCRATIC_LIFE:
            continue
        for index, (text, who) in enumerate(rng.sample(FOLLOW_UPS, k=3)):
            deadline = dt.date(last + 1, 3 * (index + 1), 28)
            done = deadline - dt.timedelta(days=rng.randint(3, 20))
            items.append(
                FollowUpItem(
                    activity=meeting,
                    text=text,
                    responsible=who,
                    deadline=deadline,
                    done_on=done if index < 2 and meeting.on <= done <= day else None,
                )
            )
    FollowUpItem.objects.bulk_create(items)

    # 述职评议 of last year: every secretary in office at its end.
    year_end = dt.date(last, 12, 31)
    secretaries = (
        Position.objects.filter(title=PositionTitle.SECRETARY, started_on__lte=year_end)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gt=year_end))
        .values_list("organization_id", "member_id")
        .order_by("organization_id")
    )
    grades = [g for g, _w in GRADES]
    weights = [w for _g, w in GRADES]
    _insert(
        DutyReport,
        ("organization_id", "member_id", "year", "grade", "note", "recorded_by_id"),
        [
            (org_id, member_id, last, rng.choices(grades, weights)[0], "", context.builder.pk)
            for org_id, member_id in secretaries
        ],
    )

    # 组织委员: the first 委员 of each branch committee; a full-time worker in each township.
    posts: list[tuple[object, ...]] = []
    seen: set[int] = set()
    for org_id, member_id, started_on in (
        Position.objects.filter(
            title=PositionTitle.COMMITTEE_MEMBER,
            ended_on__isnull=True,
            organization__kind=OrgKind.BRANCH,
        )
        .values_list("organization_id", "member_id", "started_on")
        .order_by("organization_id", "pk")
    ):
        if org_id not in seen:
            seen.add(org_id)
            posts.append((org_id, member_id, Duty.ORGANIZATION.value, started_on))
    leaders = set(
        Position.objects.filter(ended_on__isnull=True).values_list("member_id", flat=True)
    )
    for township in townships:
        candidates = [
            m
            for branch in context.branches
            if branch.path.startswith(township.path)
            for m in context.members_by_branch.get(branch.pk, [])[:5]
            if m.pk not in leaders
        ]
        if candidates:
            since = dt.date(last - rng.randint(0, 6), 3, 1)
            posts.append((township.pk, candidates[0].pk, Duty.STAFF_FULL_TIME.value, since))
    _insert(StaffPost, ("organization_id", "member_id", "duty", "started_on"), posts)


def _insert(model: type[Model], columns: tuple[str, ...], rows: list[tuple[object, ...]]) -> None:
    """Rows with their time stamps in one `executemany` (bulk_create spends over a second
    preparing a thousand instances on SQLite: decision 0061)."""
    ops = connection.ops
    now = ops.adapt_datetimefield_value(timezone.now())
    names = ", ".join(("created_at", "updated_at", *columns))
    marks = ", ".join(["%s"] * (len(columns) + 2))
    sql = f"INSERT INTO {model._meta.db_table} ({names}) VALUES ({marks})"  # noqa: S608
    adapted: list[tuple[Any, ...]] = [
        (
            now,
            now,
            *(ops.adapt_datefield_value(v) if isinstance(v, dt.date) else v for v in row),
        )
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, adapted)
