"""The demo county's 家庭成员 and 出国出境 information sets and its villages' youth league and
women's organization figures (党建带团建). Bulk inserts: a fraction of a second on the full county.

- Members abroad (status 出国出境) each have an open private stay abroad that began 8–30 months
  ago; one cadre of the county organs in 200 has an official trip, back, with its approval.
- One member in 100 has a spouse and one or two children on record (names encrypted), as if
  entered with the member's record (no archive entry of their own: the step must stay cheap).
- Every village organization has its figures for the year: a league branch in about 7 of 10
  villages with 3–25 league members, a women's organization in about 9 of 10.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.core import crypto
from dangjian.core.extensions import DemoContext, DemoStep
from dangjian.organizations.choices import UnitKind
from dangjian.organizations.models import Organization

from .choices import ArchiveKind, FamilyRelation, MemberStatus, PoliticalStatus, TripPurpose
from .models import ArchiveEntry, FamilyMember, MassOrganizationYear, Member, TripAbroad

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = (
    "秀英",
    "桂兰",
    "建华",
    "志强",
    "晓燕",
    "海燕",
    "春梅",
    "文军",
    "子涵",
    "梓轩",
    "欣怡",
    "浩然",
)
DESTINATIONS = ("日本", "新加坡", "阿联酋", "意大利", "马来西亚", "中国香港")
OFFICIAL = ("德国", "俄罗斯", "越南", "新加坡")


def _archive(member: Member, kind: ArchiveKind, summary: str, after: dict, on: dt.date) -> Any:
    return ArchiveEntry(
        member=member,
        kind=kind,
        summary=summary,
        after=after,
        effective_on=on,
        reason=_("示范数据"),
    )


def build_demo_information_sets(context: DemoContext) -> None:
    rng = context.rng("information-sets")
    day = context.reference_day
    members = [m for branch in context.branches for m in context.members_by_branch[branch.pk]]
    family: list[FamilyMember] = []
    trips: list[TripAbroad] = []
    entries: list[ArchiveEntry] = []
    farming = _("务农")
    for member in members:
        if member.status == MemberStatus.ABROAD:
            left = day - dt.timedelta(days=rng.randrange(240, 900))
            place = rng.choice(DESTINATIONS)
            trips.append(
                TripAbroad(
                    member=member, left_on=left, destination=place, purpose=TripPurpose.PRIVATE
                )
            )
            entries.append(
                _archive(
                    member,
                    ArchiveKind.ABROAD,
                    _("出国出境：%(destination)s（%(purpose)s）")
                    % {"destination": place, "purpose": TripPurpose.PRIVATE.label},
                    {"left_on": left.isoformat(), "destination": place, "purpose": "PRIVATE"},
                    left,
                )
            )
        elif member.work_unit.endswith("机关") and rng.random() < 0.005:
            left = day - dt.timedelta(days=rng.randrange(60, 700))
            back = left + dt.timedelta(days=rng.randrange(5, 12))
            place = rng.choice(OFFICIAL)
            approval = _("县外办 县外〔%(year)d〕%(n)d号") % {
                "year": left.year,
                "n": rng.randrange(3, 60),
            }
            trips.append(
                TripAbroad(
                    member=member,
                    left_on=left,
                    returned_on=back,
                    destination=place,
                    purpose=TripPurpose.OFFICIAL,
                    approval=approval,
                )
            )
            entries.append(
                _archive(
                    member,
                    ArchiveKind.ABROAD,
                    _("出国出境：%(destination)s（%(purpose)s）")
                    % {"destination": place, "purpose": TripPurpose.OFFICIAL.label},
                    {
                        "left_on": left.isoformat(),
                        "returned_on": back.isoformat(),
                        "destination": place,
                        "purpose": "OFFICIAL",
                        "approval": approval,
                    },
                    left,
                )
            )
        if rng.random() < 0.01:
            surname = member.name[0]
            relatives = [(FamilyRelation.SPOUSE, rng.choice(SURNAMES), member.birth_date.year)]
            for _child in range(rng.randrange(1, 3)):
                relation = rng.choice((FamilyRelation.SON, FamilyRelation.DAUGHTER))
                born = member.birth_date.year + rng.randrange(22, 32)
                if born < day.year:  # a young member has no children yet
                    relatives.append((relation, surname, born))
            for relation, family_surname, year in relatives:
                name = family_surname + rng.choice(GIVEN)
                young = day.year - year <= 28
                status = PoliticalStatus.LEAGUE_MEMBER if young else PoliticalStatus.MASSES
                family.append(
                    FamilyMember(
                        member=member,
                        relation=relation,
                        name_encrypted=crypto.encrypt_text(name),
                        birth_year=year,
                        political_status=status,
                        work_unit=farming if rng.random() < 0.5 else "",
                    )
                )
    FamilyMember.objects.bulk_create(family, batch_size=1000)
    TripAbroad.objects.bulk_create(trips, batch_size=1000)
    actor_id = context.builder.pk
    now = timezone.now()
    for entry in entries:
        entry.actor_id = actor_id
        entry.at = now
    ArchiveEntry.objects.bulk_create(entries, batch_size=1000)
    # One record per village, at its topmost organization (a village 党总支, not its branches).
    villages = (
        Organization.objects.under(context.county.path)
        .filter(unit_kind=UnitKind.VILLAGE)
        .exclude(parent__unit_kind=UnitKind.VILLAGE)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    records = []
    for organization_id in villages:
        has_league = rng.random() < 0.7
        records.append(
            MassOrganizationYear(
                organization_id=organization_id,
                year=day.year,
                has_league=has_league,
                league_members=rng.randrange(3, 26) if has_league else rng.randrange(0, 4),
                has_women_organization=rng.random() < 0.9,
            )
        )
    MassOrganizationYear.objects.bulk_create(records, batch_size=1000)
    context.progress(
        _("家庭成员 %(family)d 人，出国出境 %(trips)d 人次，村群团组织 %(villages)d 个")
        % {"family": len(family), "trips": len(trips), "villages": len(records)}
    )


DEMO_STEP = DemoStep("家庭成员与出国出境", 32, build_demo_information_sets)
