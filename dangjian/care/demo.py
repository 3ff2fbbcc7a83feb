"""The demo county's care records, commendations and discipline (the seed report counts 41
people disciplined in a year, 30 of them rural members)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from dangjian.core.extensions import DemoContext
from dangjian.members.choices import ArchiveKind, Occupation
from dangjian.members.models import ArchiveEntry

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
    Level,
)


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
