"""The demo county's recruitment pipeline: people at every stage in every branch, a few overdue.

Probationary members of the base roster get the record that admitted them (their branch
meeting is their 入党日期); some recent full members get their whole 25 steps. New people
(applicants, activists, candidates, and some between the meeting and approval) are added in
each branch. Dates keep the national time rules, except a few records left overdue on
purpose (a talk not held, a review missed, an approval or conversion late), which the
deadlines page shows. Everything is bulk-inserted.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.db import connection
from django.utils import timezone

from dangjian.core import crypto
from dangjian.core.dates import add_years
from dangjian.core.extensions import DemoContext
from dangjian.members.choices import Education, MemberCategory, Occupation, Sex
from dangjian.members.idnumbers import make_id_number

from .choices import Stage, Step, stage_for_step
from .models import Applicant, StepRecord
from .rules import add_months

REGION = "360781"  # 瑞金市: not used by the base roster, so no number collides with a member's
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高钟曾谢温邱廖赖"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红文斌玉兰春梅海燕晨宇欣怡浩然子涵"
EDUCATIONS = [
    Education.HIGH_SCHOOL,
    Education.JUNIOR_COLLEGE,
    Education.BACHELOR,
    Education.JUNIOR_HIGH,
]
OCCUPATIONS = [Occupation.FARMER, Occupation.WORKER, Occupation.PROFESSIONAL, Occupation.OTHER]

# Days from the previous step (low, high), for the steps that follow one another closely.
GAPS: dict[int, tuple[int, int]] = {
    2: (7, 27),
    3: (120, 170),
    4: (10, 30),
    5: (2, 10),
    8: (1, 7),
    9: (3, 10),
    10: (5, 20),
    11: (5, 25),
    12: (3, 12),
    13: (3, 10),
    14: (8, 14),
    15: (5, 20),
    16: (5, 20),
    17: (10, 60),
    18: (3, 15),
    19: (1, 10),
    20: (5, 40),
    24: (10, 60),
    25: (5, 30),
}


def _path(rng: random.Random, start: dt.date, upto: int) -> list[tuple[int, dt.date]]:
    """Dates for steps 1..upto that keep the national rules (reviews every ~5 months)."""
    steps: list[tuple[int, dt.date]] = [(1, start)]
    day = start
    for step in range(2, upto + 1):
        if step == 6:
            day += dt.timedelta(days=rng.randint(140, 175))
            steps.append((6, day))
            until = add_years(steps[3][1], 1)  # a candidate no sooner than a year after step 4
            while day + dt.timedelta(days=175) < until + dt.timedelta(days=30):
                day += dt.timedelta(days=rng.randint(140, 175))
                steps.append((6, day))
            continue
        if step == 7:
            day = max(day, add_years(steps[3][1], 1)) + dt.timedelta(days=rng.randint(1, 30))
        elif step == 4:
            day = max(day + dt.timedelta(days=rng.randint(*GAPS[4])), add_months(start, 6))
        elif step == 21:
            day += dt.timedelta(days=rng.randint(60, 90))
            steps.append((21, day))
            day += dt.timedelta(days=rng.randint(60, 90))
        elif step == 22:
            meeting = next(d for s, d in steps if s == 15)
            day = max(day, add_years(meeting, 1) - dt.timedelta(days=rng.randint(10, 30)))
        elif step == 23:
            meeting = next(d for s, d in steps if s == 15)
            day = max(day, add_years(meeting, 1)) + dt.timedelta(days=rng.randint(0, 20))
        else:
            day += dt.timedelta(days=rng.randint(*GAPS[step]))
        steps.append((step, day))
    return steps


def _shift(steps: list[tuple[int, dt.date]], step: int, to: dt.date) -> list[tuple[int, dt.date]]:
    """Move every date so that `step` falls on `to`."""
    delta = to - next(d for s, d in steps if s == step)
    return [(s, d + delta) for s, d in steps]


def _plan_for_stage(
    rng: random.Random, stage: Stage, reference: dt.date
) -> list[tuple[int, dt.date]]:
    """Steps of a new person now at `stage`, ending shortly before the reference day."""
    upto = {
        Stage.APPLICANT: rng.choice([1, 2, 2, 3]),
        Stage.ACTIVIST: rng.choice([4, 5, 6, 6, 6]),
        Stage.CANDIDATE: rng.randint(7, 16),
    }[stage]
    steps = _path(rng, dt.date(2000, 1, 1), upto)
    # An application is talked about within a month (RULES.md): recent ones not yet overdue.
    last = reference - dt.timedelta(days=rng.randint(3, 25 if upto == 1 else 60))
    if stage != Stage.APPLICANT and upto != 7 and rng.random() < 0.05:
        last = reference - dt.timedelta(days=rng.randint(200, 260))  # a review or approval late
    delta = last - steps[-1][1]
    return [(s, d + delta) for s, d in steps]


def _person(rng: random.Random, serial: int, applied_on: dt.date) -> dict[str, Any]:
    sex = Sex.MALE if rng.random() < 0.6 else Sex.FEMALE
    birth = add_years(applied_on, -rng.randint(19, 40)) - dt.timedelta(days=rng.randint(0, 360))
    number = make_id_number(REGION, birth, serial, sex)
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return {
        "name": rng.choice(SURNAMES) + given,
        "sex": sex,
        "birth_date": birth,
        "id_number_encrypted": crypto.encrypt_text(number),
        "id_number_hash": crypto.lookup_hash(number),
        "education": rng.choice(EDUCATIONS),
        "occupation": rng.choice(OCCUPATIONS),
        "phone": f"1{rng.choice('3578')}{rng.randrange(10**9):09d}",
    }


def run(context: DemoContext) -> None:
    rng = context.rng("recruitment")
    reference = context.reference_day
    actor_id = context.builder.pk
    people: list[tuple[Applicant, list[tuple[int, dt.date]], list[Any]]] = []
    serial = 0
    seen: set[str] = set()
    for branch in context.branches:
        roster = context.members_by_branch.get(branch.pk, [])
        full = [m for m in roster if m.category == MemberCategory.FULL]
        if len(full) < 3:
            continue
        plans: list[tuple[list[tuple[int, dt.date]], Any]] = []
        for member in roster:
            if member.category == MemberCategory.PROBATIONARY:
                steps = _shift(_path(rng, dt.date(2000, 1, 1), 15), 15, member.joined_on)
                forward = _path(rng, dt.date(2000, 1, 1), 22)
                after = _shift(forward, 15, member.joined_on)
                steps += [(s, min(d, reference)) for s, d in after if s > 15 and d <= reference]
                if steps[-1][0] < 17:  # admitted: the approval is on record
                    steps.append((17, min(member.joined_on + dt.timedelta(days=20), reference)))
                plans.append((steps, member))
            elif (
                member.full_member_on
                and member.full_member_on >= add_years(reference, -2)
                and rng.random() < 0.7
            ):
                steps = _shift(_path(rng, dt.date(2000, 1, 1), 25), 15, member.joined_on)
                steps = [(s, d) for s, d in steps if s < 23]
                d23 = member.full_member_on + dt.timedelta(days=rng.randint(0, 10))
                d24 = d23 + dt.timedelta(days=rng.randint(10, 50))
                steps += [(23, d23), (24, d24), (25, d24 + dt.timedelta(days=rng.randint(5, 30)))]
                if steps[-1][1] <= reference:
                    plans.append((steps, member))
        for stage, weights in (
            (Stage.APPLICANT, [0, 1, 1, 2, 2, 3]),
            (Stage.ACTIVIST, [0, 1, 1, 2]),
            (Stage.CANDIDATE, [0, 0, 1]),
        ):
            for _n in range(rng.choice(weights)):
                plans.append((_plan_for_stage(rng, stage, reference), None))
        for steps, member in plans:
            serial += 1
            applied_on = steps[0][1]
            if member is not None:
                if (member.joined_on - member.birth_date).days < 365 * 21:
                    continue  # too young for a three-year record: admitted elsewhere
                fields = {
                    "name": member.name,
                    "sex": member.sex,
                    "birth_date": member.birth_date,
                    "id_number_encrypted": member.id_number_encrypted,
                    "id_number_hash": member.id_number_hash,
                    "education": member.education,
                    "occupation": member.occupation,
                    "phone": member.phone,
                }
            else:
                fields = _person(rng, serial, applied_on)
                if fields["id_number_hash"] in seen:
                    continue
                seen.add(fields["id_number_hash"])
            last = max(s for s, _d in steps)
            applicant = Applicant(
                organization=branch,
                applied_on=applied_on,
                last_step=last,
                stage=stage_for_step(last),
                member=member,
                work_unit=branch.name.removesuffix("党支部"),
                **fields,
            )
            people.append((applicant, steps, [rng.sample(full, 2), rng.sample(full, 1)]))
    created = Applicant.objects.bulk_create([a for a, _s, _m in people], batch_size=2000)
    rows: list[tuple[Any, ...]] = []
    roles: list[tuple[int, list[Any]]] = []
    entitled_cache: dict[int, int] = {}
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    adapt_date = connection.ops.adapt_datefield_value
    for applicant, (_a, steps, (sponsors, mentors)) in zip(created, people, strict=True):
        entitled = entitled_cache.setdefault(
            applicant.organization_id,
            max(3, len(context.members_by_branch.get(applicant.organization_id, [])) - 2),
        )
        for step, on in steps:
            vote: tuple[Any, ...] = (None, None, None, None, None)
            if step in (Step.ADMISSION_VOTE, Step.CONVERSION_VOTE):
                present = entitled - rng.randint(0, max(0, entitled // 3 - 1))
                vote = (entitled, present, present, 0, 0)
            hours = rng.choice([24, 24, 32, 40]) if step == Step.TRAINING else None
            rows.append(
                (
                    applicant.pk,
                    step,
                    adapt_date(on),
                    _PEOPLE.get(step, ""),
                    _DOCUMENTS.get(step, ""),
                    "",
                    *vote,
                    hours,
                    "",
                    "",
                    actor_id,
                    now,
                )
            )
            if step == Step.SPONSORS:
                roles.append((len(rows) - 1, sponsors))
            if step == Step.MENTORS_ASSIGNED:
                roles.append((len(rows) - 1, mentors))
    ids = _insert_steps(rows, [a.pk for a in created])
    through = StepRecord.members.through
    through.objects.bulk_create(
        [
            through(steprecord_id=ids[index], member_id=member.pk)
            for index, members in roles
            for member in members
        ],
        batch_size=5000,
    )
    saved = ids
    context.progress(f"recruitment: {len(created)} people, {len(saved)} steps")


STEP_COLUMNS = (
    "applicant",
    "step",
    "on",
    "people",
    "documents",
    "opinion",
    "entitled",
    "present",
    "votes_for",
    "votes_against",
    "votes_abstaining",
    "training_hours",
    "exception_reason",
    "exception_rules",
    "recorded_by",
    "recorded_at",
)


def _insert_steps(rows: list[tuple[Any, ...]], applicant_ids: list[int]) -> list[int]:
    """Insert the step records with one executemany (Django's bulk_create spends most of the
    demo step preparing values field by field); returns their ids in insertion order."""
    meta = StepRecord._meta
    fields = {f.name: f for f in meta.concrete_fields}
    columns = ", ".join(connection.ops.quote_name(fields[name].column) for name in STEP_COLUMNS)
    placeholders = ", ".join(["%s"] * len(STEP_COLUMNS))
    sql = f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608 - names from the model, values are parameters
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 5000):
            cursor.executemany(sql, rows[start : start + 5000])
    ids: list[int] = []
    for start in range(0, len(applicant_ids), 500):
        ids += StepRecord.objects.filter(
            applicant_id__in=applicant_ids[start : start + 500]
        ).values_list("pk", flat=True)
    ids.sort()  # one transaction, one writer: ids follow the order of insertion
    return ids


_DOCUMENTS = {
    1: "入党申请书",
    4: "入党积极分子备案表",
    6: "考察登记表",
    9: "入党介绍人意见",
    10: "政审材料",
    11: "培训结业证明",
    13: "预审意见",
    14: "入党志愿书",
    15: "支部大会决议",
    17: "审批意见",
    22: "转正申请书",
    23: "支部大会决议",
    24: "转正审批意见",
    25: "入党志愿书、申请书、政审材料、转正申请、考察材料",
}
_PEOPLE = {2: "支部组织委员", 16: "镇党委组织委员", 20: "支部书记（领誓）"}


def build_plans(context: DemoContext) -> None:
    """外出务工 among the demo's applicants (a quarter of the farmers and workers), and the
    county's and the first township's plans for last year, set a little above what
    the records give so that the plan page has something to warn about."""
    from dangjian.organizations.choices import OrgKind

    from . import selectors
    from .models import RecruitmentPlan

    rng = context.rng("recruitment-plan")
    workers = list(
        Applicant.objects.filter(occupation__in=[Occupation.FARMER, Occupation.WORKER]).values_list(
            "pk", flat=True
        )
    )
    chosen = [pk for pk in workers if rng.random() < 0.25]
    Applicant.objects.filter(pk__in=chosen).update(migrant_worker=True)
    # Last year's plans, against a whole year of records (this year's would raise alerts that
    # depend on the day the demo is built).
    year = context.reference_day.year - 1
    townships = list(
        context.county.children.filter(kind=OrgKind.PARTY_COMMITTEE).order_by("path")[:1]
    )
    for committee in [context.county, *townships]:
        done = selectors.plan_progress(committee, year, dt.date(year, 12, 31))
        RecruitmentPlan.objects.create(
            committee=committee,
            year=year,
            admitted=max(3, done.admitted + done.admitted // 3 + 2),
            under_45_percent=80,
            educated_percent=70,
            migrant_workers=done.migrant_workers + 2,
            two_new=done.two_new + 1,
            note="县委组织部下达",
            updated_by=context.builder,
        )
