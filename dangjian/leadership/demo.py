"""The demo county's leadership teams: last year's 民主生活会 and the two half-yearly analyses
of the county and township committees (one township missed the second), with follow-up items;
last year's 述职 results of every secretary; 组织委员 in the branches with a committee and a
full-time party-affairs worker in each township. Bulk writes: well under a second."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from dangjian.activities.choices import ActivityKind, ActivityStatus
from dangjian.activities.models import Activity, FollowUpItem
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
    meetings: list[Activity] = []
    for number, team in enumerate(teams):
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
        for month, half in ((7, "上"), (12, "下")):
            if half == "下" and number == len(teams) - 1:
                continue  # one township has not analysed its second half-year
            meetings.append(
                Activity(
                    organization=team,
                    kind=ActivityKind.TEAM_ANALYSIS,
                    status=ActivityStatus.HELD,
                    topic=f"{last}年{half}半年班子运行情况分析",
                    on=dt.date(last, month, 8),
                    place="党委会议室",
                    minutes="分析班子贯彻民主集中制、团结协作和作风建设情况。",
                    recorded_by=context.builder,
                )
            )
    Activity.objects.bulk_create(meetings)
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
    DutyReport.objects.bulk_create(
        [
            DutyReport(
                organization_id=org_id,
                member_id=member_id,
                year=last,
                grade=rng.choices(grades, weights)[0],
                recorded_by=context.builder,
            )
            for org_id, member_id in secretaries
        ],
        batch_size=2000,
    )

    # 组织委员: the first 委员 of each branch committee; a full-time worker in each township.
    posts: list[StaffPost] = []
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
            posts.append(
                StaffPost(
                    organization_id=org_id,
                    member_id=member_id,
                    duty=Duty.ORGANIZATION,
                    started_on=started_on,
                )
            )
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
            posts.append(
                StaffPost(
                    organization=township,
                    member=candidates[0],
                    duty=Duty.STAFF_FULL_TIME,
                    started_on=dt.date(last - rng.randint(0, 6), 3, 1),
                )
            )
    StaffPost.objects.bulk_create(posts, batch_size=2000)
