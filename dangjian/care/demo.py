"""The demo county's care records, commendations and discipline (the seed report counts 41
people disciplined in a year, 30 of them rural members), and volunteer activities: a few a
year run by each committee and by some branches, each participant's hours a row of its own."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Model
from django.utils import timezone

from dangjian.core.extensions import DemoContext
from dangjian.members.choices import ArchiveKind, MemberStatus, Occupation
from dangjian.members.models import ArchiveEntry, Member
from dangjian.organizations.models import Organization

from .models import (
    Assistance,
    AssistanceKind,
    CareFundEntry,
    Commendation,
    CommendationTitle,
    Discipline,
    DisciplineKind,
    Hardship,
    HardshipKind,
    HelpRequest,
    HelpUrgency,
    Level,
    VolunteerActivity,
    VolunteerService,
    VolunteerSignup,
)

# (服务内容, 地点) of the volunteer service a rural county's party members do.
VOLUNTEER_SERVICE = (
    ("防汛值守", "河堤险段"),
    ("人居环境整治", "村组道路"),
    ("敬老院志愿服务", "乡镇敬老院"),
    ("义务植树", "荒山造林点"),
    ("交通安全劝导", "集镇路口"),
    ("森林防火巡查", "林区卡点"),
    ("留守儿童关爱", "村小学"),
    ("助农抢收", "田间"),
    ("政策宣讲", "党群服务中心"),
    ("义诊服务", "村卫生室"),
    ("文明实践志愿服务", "新时代文明实践站"),
    ("疫苗接种秩序维护", "乡镇卫生院"),
)
HOURS = ("1.5", "2", "2", "3", "3", "4")


def build_demo_care(context: DemoContext) -> None:
    rng = context.rng("care")
    builder = context.builder
    year = context.reference_day.year - 1
    members = [
        m for branch in context.branches for m in context.members_by_branch.get(branch.pk, [])
    ]
    archive: list[ArchiveEntry] = []

    hardship = [m for m in members if m.in_hardship] or rng.sample(members, 300)
    Hardship.objects.bulk_create(
        Hardship(
            member=m,
            kind=rng.choice(list(HardshipKind)),
            since=dt.date(year - rng.randint(0, 5), rng.randint(1, 12), 1),
            recorded_by=builder,
        )
        for m in hardship
    )
    visits = [
        Assistance(
            member=m,
            on=dt.date(year, 1, 20),
            kind=AssistanceKind.VISIT,
            amount=Decimal(rng.choice([200, 300, 500])),
            description="春节慰问",
            given_by="乡镇党委",
            from_fund=True,
            recorded_by=builder,
        )
        for m in hardship
    ]
    Assistance.objects.bulk_create(visits, batch_size=1000)
    funds: list[CareFundEntry] = [
        CareFundEntry(
            organization=context.county,
            on=dt.date(year, 1, 5),
            amount=Decimal(200000),
            description="县委组织部拨付",
            recorded_by=builder,
        )
    ]
    # bulk_create sets the keys on SQLite and PostgreSQL, so the spending can point at each visit.
    funds += [
        CareFundEntry(
            organization=context.county,
            on=v.on,
            amount=-v.amount,
            description=f"春节慰问 {v.member.name}",
            assistance=v,
            recorded_by=builder,
        )
        for v in visits
    ]
    CareFundEntry.objects.bulk_create(funds, batch_size=1000)
    archive += [
        ArchiveEntry(
            member=v.member,
            actor=builder,
            kind=ArchiveKind.CARE,
            summary=f"慰问：春节慰问（{v.amount} 元，乡镇党委）",
            effective_on=v.on,
        )
        for v in visits
    ]

    farmers = [m for m in members if m.occupation == Occupation.FARMER]
    others = [m for m in members if m.occupation != Occupation.FARMER]
    disciplined = rng.sample(farmers, min(30, len(farmers))) + rng.sample(
        others, min(11, len(others))
    )
    kinds = (
        [DisciplineKind.WARNING] * 5
        + [DisciplineKind.SERIOUS_WARNING] * 3
        + [DisciplineKind.PROBATION]
    )
    records = [
        Discipline(
            member=m,
            kind=rng.choice(kinds),
            on=dt.date(year, rng.randint(1, 12), rng.randint(1, 28)),
            decided_by="县纪委",
            document_no=f"纪发〔{year}〕{n + 1}号",
            recorded_by=builder,
        )
        for n, m in enumerate(disciplined)
    ]
    Discipline.objects.bulk_create(records)
    archive += [
        ArchiveEntry(
            member=d.member,
            actor=builder,
            kind=ArchiveKind.DISCIPLINE,
            summary=f"受{d.get_kind_display()}处分（县纪委 {d.document_no}）",
            effective_on=d.on,
        )
        for d in records
    ]

    commended = rng.sample(members, 120)
    honours = [
        Commendation(
            member=m,
            title=CommendationTitle.MEMBER if n % 4 else CommendationTitle.WORKER,
            level=rng.choice([Level.COUNTY, Level.TOWNSHIP]),
            on=dt.date(year, 7, 1),
            recorded_by=builder,
        )
        for n, m in enumerate(commended)
    ]
    honours += [
        Commendation(
            organization=b,
            title=CommendationTitle.ORGANIZATION,
            level=Level.COUNTY,
            on=dt.date(year, 7, 1),
            recorded_by=builder,
        )
        for b in rng.sample(context.branches, 40)
    ]
    Commendation.objects.bulk_create(honours)
    archive += [
        ArchiveEntry(
            member=c.member,
            actor=builder,
            kind=ArchiveKind.COMMENDATION,
            summary=f"获{c.get_level_display()}表彰：{c.get_title_display()}",
            effective_on=c.on,
        )
        for c in honours
        if c.member
    ]
    ArchiveEntry.objects.bulk_create(archive, batch_size=2000)
    volunteer_activities(context, rng)
    published_and_asked(context, context.rng("care-signups"))


# What members ask their branch for from /me/ (困难求助).
HELP_ASKED = [
    ("老伴住院，家里农活没人干，想请支部帮忙联系人手。", HelpUrgency.SOON),
    ("房屋漏雨，雨季前需要修缮。", HelpUrgency.NORMAL),
    ("孩子上学的学费有困难，想了解有没有助学政策。", HelpUrgency.NORMAL),
    ("独居，腿脚不便，买药困难。", HelpUrgency.URGENT),
    ("家里遭了水灾，需要帮助。", HelpUrgency.URGENT),
]


def published_and_asked(context: DemoContext, rng: random.Random) -> None:
    """Volunteer activities a few branches published ahead, with the members who signed up on
    /me/, and a handful of members' help requests still waiting for their branch."""
    reference = context.reference_day
    with_members = [
        b for b in context.branches if len(context.members_by_branch.get(b.pk, [])) >= 8
    ]
    activities = []
    pools = []
    for branch in rng.sample(with_members, min(6, len(with_members))):
        title, place = rng.choice(VOLUNTEER_SERVICE)
        activities.append(
            VolunteerActivity(
                organization=branch,
                on=reference + dt.timedelta(days=rng.randint(5, 30)),
                title=title,
                place=place,
                hours=Decimal(rng.choice(HOURS)),
                signup_open=True,
                capacity=rng.choice([None, 10, 15, 20]),
                recorded_by=context.builder,
            )
        )
        pools.append(context.members_by_branch[branch.pk])
    VolunteerActivity.objects.bulk_create(activities)
    VolunteerSignup.objects.bulk_create(
        VolunteerSignup(activity=activity, member=member)
        for activity, pool in zip(activities, pools, strict=True)
        for member in rng.sample(pool, rng.randint(2, min(8, len(pool))))
    )
    asking = rng.sample(with_members, min(len(HELP_ASKED), len(with_members)))
    HelpRequest.objects.bulk_create(
        HelpRequest(
            member=rng.choice(context.members_by_branch[branch.pk]),
            organization=branch,
            what=what,
            urgency=urgency,
        )
        for branch, (what, urgency) in zip(asking, HELP_ASKED, strict=False)
    )


def volunteer_activities(context: DemoContext, rng: random.Random) -> int:
    """Last year's and this year's volunteer activities (before the reference day): 2–4 a year
    by each committee below the county with 5–30 of its members, one a year by a quarter of the
    branches with 5–15 of theirs; a row and an archive entry per participant. Returns the rows."""
    builder = context.builder
    reference = context.reference_day
    active = {
        b.pk: [
            m for m in context.members_by_branch.get(b.pk, []) if m.status == MemberStatus.NORMAL
        ]
        for b in context.branches
    }
    # The committee right under the county that each branch belongs to, from its path.
    by_committee: dict[int, list[Member]] = {}
    for branch in context.branches:
        parts = branch.path.strip("/").split("/")
        by_committee.setdefault(int(parts[1]), []).extend(active[branch.pk])
    organizers = Organization.objects.in_bulk(list(by_committee))
    plans: list[tuple[Organization, list[Member], int, int]] = []  # who, pool, year, how many
    for year in (reference.year - 1, reference.year):
        for pk, pool in by_committee.items():
            plans.append((organizers[pk], pool, year, rng.randint(2, 4)))
        for branch in rng.sample(context.branches, len(context.branches) // 4):
            plans.append((branch, active[branch.pk], year, 1))

    activities: list[VolunteerActivity] = []
    chosen: list[list[Member]] = []
    for organization, pool, year, count in plans:
        big = organization.pk in by_committee
        last_month = 12 if year < reference.year else reference.month - 1
        for _n in range(count):
            if len(pool) < 5 or last_month < 1:
                continue
            title, place = rng.choice(VOLUNTEER_SERVICE)
            activities.append(
                VolunteerActivity(
                    organization=organization,
                    on=dt.date(year, rng.randint(1, last_month), rng.randint(1, 28)),
                    title=title,
                    place=place,
                    hours=Decimal(rng.choice(HOURS)),
                    recorded_by=builder,
                )
            )
            chosen.append(rng.sample(pool, rng.randint(5, min(30 if big else 15, len(pool)))))
    # bulk_create sets the keys on SQLite and PostgreSQL, so the rows can point at them.
    VolunteerActivity.objects.bulk_create(activities, batch_size=1000)
    # The participants' rows and archive entries go in with executemany: preparing some 8,000
    # model instances of each took longer than the rest of the care step (decision 0061).
    ops = connection.ops
    now = ops.adapt_datetimefield_value(timezone.now())
    empty = ops.adapt_json_value({}, None)
    services: list[tuple[Any, ...]] = []
    entries: list[tuple[Any, ...]] = []
    for activity, participants in zip(activities, chosen, strict=True):
        on = ops.adapt_datefield_value(activity.on)
        for member in participants:
            # Now and then someone came for part of the time.
            hours = activity.hours if rng.random() > 0.1 else activity.hours / 2
            hours = hours.quantize(Decimal("0.1"))
            services.append(
                (
                    builder.pk,
                    now,
                    member.pk,
                    on,
                    activity.title,
                    ops.adapt_decimalfield_value(hours, 5, 1),
                    activity.pk,
                )
            )
            entries.append(
                (
                    member.pk,
                    now,
                    on,
                    builder.pk,
                    ArchiveKind.CARE.value,
                    f"志愿服务：{activity.title}，{hours} 小时",
                    empty,
                    empty,
                    "",
                )
            )
    _insert(
        VolunteerService,
        (
            "recorded_by_id",
            "recorded_at",
            "member_id",
            "on",
            "activity",
            "hours",
            "activity_record_id",
        ),
        services,
    )
    _insert(
        ArchiveEntry,
        (
            "member_id",
            "at",
            "effective_on",
            "actor_id",
            "kind",
            "summary",
            "before",
            "after",
            "reason",
        ),
        entries,
    )
    return len(services)


def _insert(model: type[Model], columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {model._meta.db_table} ({names}) VALUES ({marks})"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
