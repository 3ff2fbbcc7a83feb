"""The demo county: a deterministic synthetic county shaped like the seed report's.

913 grassroots organizations (40 党委, 24 党总支, 849 党支部) under a county committee, and
28,682 members (25,334 men, 3,348 women) with an aging rural membership. Everything is drawn
from one seeded random generator and dated back from the day it is built (core.dates.today(),
so time-machine moves it): a year of history up to that day, and every build on one day is the
same. The problems the county deliberately contains, and the alerts they raise, are listed in
docs/demo.md. Organizations go through organization_create; members and leaders through the bulk
services, which apply the same checks in batches.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction

from dangjian.accounts import services as account_services
from dangjian.accounts.choices import Role
from dangjian.accounts.models import RoleAssignment
from dangjian.core.dates import add_years, age_on, today
from dangjian.core.extensions import DemoContext, demo_steps
from dangjian.members import services as member_services
from dangjian.members.choices import (
    ArchiveKind,
    Degree,
    Education,
    Ethnicity,
    HowAdded,
    MemberCategory,
    MemberStatus,
    Occupation,
    PositionTitle,
    Sex,
)
from dangjian.members.idnumbers import make_id_number
from dangjian.members.models import ArchiveEntry, Member, Membership
from dangjian.organizations import services as organization_services
from dangjian.organizations.choices import OrgKind, UnitKind, UnitRelation, term_years
from dangjian.organizations.models import Organization

SEED = 2008
TOTAL_MEMBERS = 28_682
TOTAL_WOMEN = 3_348


@dataclass(frozen=True)
class Size:
    """How big a county to build: the seed report's (FULL) or a small one for tests (SMALL)."""

    members: int
    women: int
    branches: int
    # Which of the plan's committees to keep, by position (None: all 40).
    committees: tuple[int, ...] | None = None


FULL = Size(TOTAL_MEMBERS, TOTAL_WOMEN, 849)
# Two townships, a street and the county organs: every kind of branch, about 7% of the county.
SMALL = Size(2_000, 233, 60, committees=(0, 1, 20, 22))

# The alerts the county deliberately contains, by rule: (full county, small county), as
# docs/demo.md lists them with what causes each. Built on any day, the open alerts by rule are
# within 10% of these (tests/demo, tests/demo_small, bench/demo_today.py).
DELIBERATE_ALERTS: dict[str, tuple[int, int]] = {
    "no_life": (143, 8),
    "no_dues": (222, 15),
    "lost_contact": (28, 3),
    "mobile_silent": (55, 3),
    "transfer": (6, 1),
    "compliance": (34, 3),
    "recruitment_deadline": (35, 2),
    "term": (79, 3),
    "branch_size": (144, 16),
    "aging": (82, 2),
}
DEMO_PASSWORD = "dangjian-demo-2026"  # noqa: S105 (printed for the demo; not a real account)

# Region codes of 宁都县 (Jiangxi), which changed in 1998: python-stdnum checks the code
# against the birth year, as a real ID number would be.
REGION_BEFORE_1998 = "362131"
REGION_FROM_1998 = "360730"

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严赖覃洪武戴莫孔"
)
GIVEN_MALE = "伟强军平国建华明志勇斌杰涛超刚磊鹏辉文林东海波新春生荣发福贵德永祥长根水金"
GIVEN_FEMALE = "芳娟秀英华玲敏静丽霞燕红梅兰琴云萍珍凤洁莉艳娜婷雪慧淑桂"
VILLAGES = "上下东西南北前后大小新老中高石田水山坪塘湾岭坑口桥头"
VILLAGE_SUFFIX = ("村", "坪村", "塘村", "坑村", "岭村", "源村", "口村", "湾村")
TOWNS = (
    "梅江",
    "青塘",
    "长胜",
    "黄陂",
    "固村",
    "赖村",
    "石上",
    "东山坝",
    "洛口",
    "钓峰",
    "小布",
    "安福",
    "湛田",
    "肖田",
    "对坊",
    "固厚",
    "田头",
    "竹笮",
    "蔡江",
    "大沽",
)


@dataclass
class BranchPlan:
    name: str
    unit_kind: UnitKind
    profile: str  # village, community, office, school, hospital, enterprise, joint
    kind: OrgKind = OrgKind.BRANCH
    organization: Organization | None = None
    size: int = 0


@dataclass
class CommitteePlan:
    name: str
    kind: OrgKind
    unit_kind: UnitKind
    profile: str
    branches: list[BranchPlan] = field(default_factory=list)
    general_branches: list[tuple[str, list[BranchPlan]]] = field(default_factory=list)


# Relative branch sizes and the age, education and occupation each kind of branch draws from.
PROFILE_WEIGHT = {
    "village": 44,
    "community": 30,
    "office": 22,
    "school": 26,
    "hospital": 30,
    "enterprise": 16,
    "joint": 4,
}


@dataclass
class Report:
    organizations: int
    members: int
    seconds: float
    logins: list[tuple[str, str, str]]
    day: dt.date  # the day the county was built for: its history ends here


def _numbered_branches(
    prefix: str, count: int, unit_kind: UnitKind, profile: str, tail: str = ""
) -> list[BranchPlan]:
    """第1…第N党支部 of a unit (or 第N社区党支部 of a street)."""
    return [
        BranchPlan(f"{prefix}第{n}{tail}党支部", unit_kind, profile) for n in range(1, count + 1)
    ]


def _general_branch(prefix: str, unit_kind: UnitKind, profile: str) -> tuple[str, list[BranchPlan]]:
    """A general branch (党总支) of three branches: 第一、第二、第三党支部."""
    return f"{prefix}党总支", [
        BranchPlan(f"{prefix}第{n}党支部", unit_kind, profile) for n in "一二三"
    ]


def _plan(rng: random.Random) -> list[CommitteePlan]:
    """The shape of the county: which committees, general branches and branches exist."""
    committees: list[CommitteePlan] = []

    def village_name(used: set[str]) -> str:
        while True:
            name = rng.choice(VILLAGES) + rng.choice(VILLAGES) + rng.choice(VILLAGE_SUFFIX)
            if name not in used:
                used.add(name)
                return name

    used: set[str] = set()
    for index, town in enumerate(TOWNS):
        plan = CommitteePlan(f"{town}镇党委", OrgKind.PARTY_COMMITTEE, UnitKind.TOWNSHIP, "village")
        plan.branches.append(BranchPlan(f"{town}镇机关党支部", UnitKind.ORGAN, "office"))
        for _n in range(25):
            village = village_name(used)
            plan.branches.append(BranchPlan(f"{village}党支部", UnitKind.VILLAGE, "village"))
        plan.branches.append(
            BranchPlan(
                f"{town}镇非公企业联合党支部",
                UnitKind.PRIVATE_ENTERPRISE,
                "joint",
                kind=OrgKind.JOINT_BRANCH,
            )
        )
        if index < 10:  # large villages organized as general branches of three branches
            plan.general_branches.append(
                _general_branch(village_name(used), UnitKind.VILLAGE, "village")
            )
        committees.append(plan)
    for street in ("城东", "城西"):
        plan = CommitteePlan(
            f"{street}街道党工委", OrgKind.WORKING_COMMITTEE, UnitKind.STREET, "community"
        )
        plan.branches = _numbered_branches(street, 13, UnitKind.COMMUNITY, "community", "社区")
        plan.general_branches = [
            _general_branch(f"{street}{name}社区", UnitKind.COMMUNITY, "community")
            for name in ("锦华", "翠微")
        ]
        committees.append(plan)
    # (name, unit kind, profile, numbered branches, prefix of a general branch or "")
    units = [
        *(
            (department, UnitKind.ORGAN, "office", 11, f"{department}机关" if general else "")
            for department, general in (
                ("县直机关工委", True),
                ("县委办", False),
                ("县政府办", False),
                ("县财政局", True),
                ("县教育局", True),
                ("县卫健委", False),
                ("县农业农村局", False),
                ("县公安局", True),
            )
        ),
        *(
            (school, UnitKind.SCHOOL, "school", 9, f"{school}教工")
            for school in ("宁都中学", "宁都二中", "县职业中专", "县实验小学")
        ),
        *(
            (hospital, UnitKind.HOSPITAL, "hospital", 8, f"{hospital}临床")
            for hospital in ("县人民医院", "县中医院")
        ),
        ("县城投集团", UnitKind.STATE_ENTERPRISE, "enterprise", 8, ""),
        ("县供电公司", UnitKind.STATE_ENTERPRISE, "enterprise", 8, ""),
        ("赣宁稀土公司", UnitKind.PRIVATE_ENTERPRISE, "enterprise", 8, ""),
        ("翠微食品公司", UnitKind.PRIVATE_ENTERPRISE, "enterprise", 8, ""),
    ]
    for name, unit_kind, profile, count, general in units:
        plan = CommitteePlan(f"{name}党委", OrgKind.PARTY_COMMITTEE, unit_kind, profile)
        plan.branches = _numbered_branches(name, count, unit_kind, profile)
        if general:
            plan.general_branches = [_general_branch(general, unit_kind, profile)]
        committees.append(plan)
    return committees


def _all_branches(committees: list[CommitteePlan]) -> list[BranchPlan]:
    branches: list[BranchPlan] = []
    for plan in committees:
        branches.extend(plan.branches)
        for _name, group in plan.general_branches:
            branches.extend(group)
    return branches


def _fit_branch_count(committees: list[CommitteePlan], target: int) -> None:
    """Add or drop village branches (round-robin over townships) until there are `target`."""
    townships = [c for c in committees if c.profile == "village"]
    index = 0
    while len(_all_branches(committees)) < target:
        plan = townships[index % len(townships)]
        plan.branches.append(
            BranchPlan(
                f"{plan.name.removesuffix('党委')}新村第{len(plan.branches)}党支部",
                UnitKind.VILLAGE,
                "village",
            )
        )
        index += 1
    while len(_all_branches(committees)) > target:
        plan = townships[index % len(townships)]
        plan.branches.pop(-2)  # a village branch; keep the joint branch last
        index += 1


def _sizes(rng: random.Random, branches: list[BranchPlan], total: int) -> None:
    """Member counts per branch: weighted by profile with noise, summing exactly to `total`."""
    raw = [PROFILE_WEIGHT[b.profile] * rng.uniform(0.6, 1.4) for b in branches]
    scale = total / sum(raw)
    sizes = [max(2, round(r * scale)) for r in raw]
    while (difference := total - sum(sizes)) != 0:
        i = rng.randrange(len(sizes))
        step = 1 if difference > 0 else -1
        if sizes[i] + step >= 2:
            sizes[i] += step
    for branch, size in zip(branches, sizes, strict=True):
        branch.size = size


def _birth_date(rng: random.Random, profile: str, day: dt.date) -> dt.date:
    """An aging rural membership: village members mostly over 50, offices younger."""
    mean, spread = {
        "village": (57, 14),
        "community": (55, 15),
        "office": (43, 10),
        "school": (42, 10),
        "hospital": (41, 9),
        "enterprise": (40, 9),
        "joint": (42, 10),
    }[profile]
    age = min(96, max(21, round(rng.gauss(mean, spread))))
    # A whole number of calendar years before the day, so every member has the same age
    # whichever day the county is built on.
    return add_years(day, -age) - dt.timedelta(days=rng.randrange(365))


def _education(rng: random.Random, profile: str, age: int) -> str:
    old = age >= 62  # schooled before the reform years, whichever day the county is built
    if profile == "village" or (profile == "community" and old):
        choices = [
            Education.PRIMARY,
            Education.JUNIOR_HIGH,
            Education.HIGH_SCHOOL,
            Education.SECONDARY_SPECIALIZED,
            Education.JUNIOR_COLLEGE,
            Education.BACHELOR,
        ]
        weights = [22, 38, 22, 8, 6, 4] if old else [4, 30, 28, 12, 16, 10]
    elif profile in ("office", "school", "hospital"):
        choices = [
            Education.MASTER,
            Education.BACHELOR,
            Education.JUNIOR_COLLEGE,
            Education.SECONDARY_SPECIALIZED,
            Education.HIGH_SCHOOL,
        ]
        weights = [8, 58, 24, 6, 4]
    else:
        choices = [
            Education.BACHELOR,
            Education.JUNIOR_COLLEGE,
            Education.SECONDARY_SPECIALIZED,
            Education.HIGH_SCHOOL,
            Education.JUNIOR_HIGH,
        ]
        weights = [22, 30, 18, 18, 12]
    return rng.choices(choices, weights)[0]


def _occupation(rng: random.Random, profile: str, age: int) -> str:
    if age >= 62 and profile != "village":
        return Occupation.RETIRED
    return {
        "village": Occupation.FARMER if rng.random() < 0.86 else Occupation.OTHER,
        "community": rng.choice([Occupation.OTHER, Occupation.RETIRED, Occupation.WORKER]),
        "office": Occupation.OFFICIAL,
        "school": Occupation.PROFESSIONAL,
        "hospital": Occupation.PROFESSIONAL,
        "enterprise": rng.choice(
            [Occupation.WORKER, Occupation.WORKER, Occupation.MANAGER, Occupation.PROFESSIONAL]
        ),
        "joint": rng.choice([Occupation.WORKER, Occupation.MANAGER, Occupation.OTHER]),
    }[profile]


def _name(rng: random.Random, sex: str) -> str:
    pool = GIVEN_MALE if sex == Sex.MALE else GIVEN_FEMALE
    given = rng.choice(pool) + (rng.choice(pool) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def _lost_since(builder: Any, members: list[Member], day: dt.date) -> None:
    """Members out of contact lost it 13 to 24 months before the day, recorded in the archive:
    their branch has not acted on it (失联满6个月, docs/demo.md), and the year the demo shows
    holds no life and no dues of theirs."""
    rng = random.Random(f"{SEED}-lost")
    lost = [m for m in members if m.status == MemberStatus.LOST_CONTACT]
    entries = ArchiveEntry.objects.bulk_create(
        [
            ArchiveEntry(
                member=member,
                actor=builder,
                kind=ArchiveKind.STATUS_CHANGED,
                summary="党籍状态：正常 → 失联",
                before={"status": MemberStatus.NORMAL},
                after={"status": MemberStatus.LOST_CONTACT},
                effective_on=day - dt.timedelta(days=rng.randint(400, 720)),
            )
            for member in lost
        ]
    )
    # The entry's time is when it was written (auto_now_add): set it to the day it happened.
    for entry in entries:
        assert entry.effective_on is not None
        entry.at = dt.datetime.combine(entry.effective_on, dt.time(9), tzinfo=dt.UTC)
    ArchiveEntry.objects.bulk_update(entries, ["at"], batch_size=1000)


def build_demo_county(
    *, progress: Callable[[str], None] = lambda _message: None, size: Size = FULL
) -> Report:
    """Build the whole county into an empty database, dated back from today; returns counts,
    timing, the logins and the day."""
    started = time.perf_counter()
    rng = random.Random(SEED)
    day = today()  # every generated date lies before it
    user_model = get_user_model()
    with transaction.atomic():
        builder = user_model.objects.create_superuser(
            username="demo-builder", email="", password=None, display_name="示范数据"
        )
        builder.set_unusable_password()
        builder.save(update_fields=["password"])

        committees = _plan(rng)
        if size.committees is not None:
            committees = [committees[i] for i in size.committees]
        _fit_branch_count(committees, size.branches)
        branches = _all_branches(committees)
        _sizes(rng, branches, size.members)

        codes = iter(range(1, 10_000))

        def create(
            parent: Organization | None, name: str, kind: OrgKind, unit_kind: UnitKind
        ) -> Organization:
            founded = dt.date(day.year - rng.randint(11, 76), rng.randint(1, 12), 1)
            years = term_years(kind, unit_kind)
            term_start = day - dt.timedelta(days=rng.randint(30, years * 365 - 30))
            if rng.random() < 0.04:  # a few organizations whose term has run out
                term_start = add_years(term_start, -years)
            return organization_services.organization_create(
                actor=builder,
                parent=parent,
                fields={
                    "name": name,
                    "code": f"3607300{next(codes):05d}",
                    "kind": kind,
                    "unit_kind": unit_kind,
                    "unit_relation": UnitRelation.JOINT
                    if kind == OrgKind.JOINT_BRANCH
                    else UnitRelation.LEGAL_PERSON,
                    "unit_name": name.removesuffix("党委").removesuffix("党支部"),
                    "founded_on": min(founded, term_start),
                    "term_started_on": term_start,
                },
            )

        progress("党组织…")
        county = create(None, "宁都示范县委", OrgKind.LOCAL_COMMITTEE, UnitKind.OTHER)
        committee_orgs: list[tuple[CommitteePlan, Organization]] = []
        for plan in committees:
            committee = create(county, plan.name, plan.kind, plan.unit_kind)
            committee_orgs.append((plan, committee))
            for branch in plan.branches:
                branch.organization = create(committee, branch.name, branch.kind, branch.unit_kind)
            for name, group in plan.general_branches:
                general = create(committee, name, OrgKind.GENERAL_BRANCH, group[0].unit_kind)
                for branch in group:
                    branch.organization = create(
                        general, branch.name, branch.kind, branch.unit_kind
                    )

        progress("党员…")
        women = set(rng.sample(range(size.members), size.women))
        serials: dict[tuple[str, dt.date, str], int] = {}
        serial_rng = random.Random(f"{SEED}-serials")
        entries: list[member_services.NewMember] = []
        index = 0
        for branch in branches:
            assert branch.organization is not None
            for _n in range(branch.size):
                sex = Sex.FEMALE if index in women else Sex.MALE
                index += 1
                birth = _birth_date(rng, branch.profile, day)
                age = age_on(birth, day)
                earliest_join = add_years(birth, 18) + dt.timedelta(days=30)
                latest_full_join = day - dt.timedelta(days=400)
                probationary = (
                    rng.random() < 0.025 and age < 45
                ) or earliest_join > latest_full_join
                if probationary:
                    joined = max(earliest_join, day - dt.timedelta(days=rng.randint(20, 360)))
                else:
                    span = (latest_full_join - earliest_join).days
                    joined = earliest_join + dt.timedelta(
                        days=int(span * rng.betavariate(1.6, 2.4))
                    )
                full_on = (
                    None
                    if probationary
                    else add_years(joined, 1) + dt.timedelta(days=rng.randint(0, 20))
                )
                region = REGION_BEFORE_1998 if birth.year < 1998 else REGION_FROM_1998
                key = (region, birth, sex)
                # Serials from a generator of their own: which birthdays coincide depends on
                # the day, and must not shift the draws of everything after.
                serials[key] = serials.get(key, serial_rng.randrange(400)) + 1
                status = MemberStatus.NORMAL
                roll = rng.random()
                if branch.profile in ("village", "community", "joint") and age < 55:
                    if roll < 0.13:
                        status = MemberStatus.MOBILE
                    elif roll < 0.134:  # a few lost touch (docs/demo.md)
                        status = MemberStatus.LOST_CONTACT
                elif roll < 0.003:
                    status = MemberStatus.ABROAD
                occupation = _occupation(rng, branch.profile, age)
                education = _education(rng, branch.profile, age)
                degree_roll = rng.random()  # drawn always: the draws must not depend on the day
                entries.append(
                    member_services.NewMember(
                        organization=branch.organization,
                        id_number=make_id_number(region, birth, serials[key], sex),
                        how_added=HowAdded.NEWLY_ADMITTED
                        if rng.random() < 0.8
                        else HowAdded.TRANSFERRED_IN,
                        started_on=max(joined, branch.organization.founded_on or joined),
                        status=status,
                        data={
                            "name": _name(rng, sex),
                            "sex": sex,
                            "birth_date": birth,
                            "ethnicity": Ethnicity.HAN
                            if rng.random() < 0.985
                            else rng.choice([Ethnicity.SHE, Ethnicity.HUI, Ethnicity.ZHUANG]),
                            "native_place": "江西宁都",
                            "education": education,
                            "degree": Degree.BACHELOR
                            if education == Education.BACHELOR and degree_roll < 0.7
                            else (Degree.MASTER if education == Education.MASTER else Degree.NONE),
                            "occupation": occupation,
                            "work_unit": branch.name.removesuffix("党支部"),
                            "phone": f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"
                            if rng.random() < 0.8
                            else "",
                            "category": MemberCategory.PROBATIONARY
                            if probationary
                            else MemberCategory.FULL,
                            "joined_on": joined,
                            "full_member_on": full_on,
                            "is_retired": occupation == Occupation.RETIRED,
                            "is_migrant_worker": status == MemberStatus.MOBILE
                            and rng.random() < 0.8,
                            "in_hardship": age > 70 and rng.random() < 0.08,
                        },
                    )
                )
        members = member_services.member_bulk_create(
            actor=builder, entries=entries, reason="示范数据", batch_size=4000
        )

        _lost_since(builder, members, day)

        progress("领导班子…")
        by_branch: dict[int, list[Member]] = {}
        for member, entry in zip(members, entries, strict=True):
            by_branch.setdefault(entry.organization.pk, []).append(member)
        assignments: list[tuple[Organization, Member, PositionTitle, dt.date]] = []
        for branch in branches:
            assert branch.organization is not None
            people = [
                m
                for m in by_branch.get(branch.organization.pk, [])
                if m.category == MemberCategory.FULL
            ]
            if not people:
                continue
            chosen = rng.sample(people, k=min(len(people), 5))
            start = branch.organization.term_started_on or day
            assignments.append((branch.organization, chosen[0], PositionTitle.SECRETARY, start))
            # Branches of 7 or more full members elect a committee, except a few that have not.
            if len(people) >= 7 and rng.random() > 0.05:
                assignments.append(
                    (branch.organization, chosen[1], PositionTitle.DEPUTY_SECRETARY, start)
                )
                assignments.extend(
                    (branch.organization, m, PositionTitle.COMMITTEE_MEMBER, start)
                    for m in chosen[2:5]
                )
        # Committees and general branches: leaders drawn from the branches below them.
        for plan, committee in committee_orgs:
            below = [
                m
                for b in plan.branches
                if b.organization is not None
                for m in by_branch.get(b.organization.pk, [])[:3]
                if m.category == MemberCategory.FULL
            ]
            start = committee.term_started_on or day
            chosen = rng.sample(below, k=min(len(below), 7))
            titles = [PositionTitle.SECRETARY, PositionTitle.DEPUTY_SECRETARY]
            titles += [PositionTitle.COMMITTEE_MEMBER] * 5
            assignments.extend(
                (committee, m, title, start) for m, title in zip(chosen, titles, strict=False)
            )
        member_services.position_bulk_assign(actor=builder, assignments=assignments)

        progress("账号…")
        township_plan, township = committee_orgs[0]
        first_branch = township_plan.branches[1].organization
        assert first_branch is not None
        logins = [
            ("county", "县委组织部管理员", Role.ADMINISTRATOR, county),
            ("township", f"{township.name}管理员", Role.ADMINISTRATOR, township),
            ("branch", f"{first_branch.name}书记", Role.SECRETARY, first_branch),
            ("observer", "县委组织部（只读）", Role.OBSERVER, county),
            ("member", "", Role.MEMBER, first_branch),
        ]
        printed: list[tuple[str, str, str]] = []
        for username, display, role, organization in logins:
            if role == Role.MEMBER:
                display = by_branch[first_branch.pk][-1].name
            account_services.user_create_with_role(
                actor=builder,
                username=username,
                password=DEMO_PASSWORD,
                organization=organization,
                role=role,
                display_name=display,
            )
            printed.append((username, display, str(Role(role).label)))
        member_services.member_link_user(
            actor=builder,
            member=by_branch[first_branch.pk][-1],
            user=user_model.objects.get(username="member"),
        )

        # Each domain app adds its own records (activities, dues, transfers…) through the
        # steps it registered; see dangjian.core.extensions.
        context = DemoContext(
            builder=builder,
            reference_day=day,
            county=county,
            branches=[b.organization for b in branches if b.organization is not None],
            members_by_branch=by_branch,
            progress=progress,
            scale=size.members / TOTAL_MEMBERS,
        )
        for step in demo_steps():
            progress(f"{step.name}…")
            step.run(context)
    # Fresh planner statistics: without them PostgreSQL plans the subtree counts as nested
    # loops over what it thinks are empty tables (1.1 s instead of 20 ms for the county).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return Report(
        organizations=Organization.objects.count(),
        members=Membership.objects.filter(ended_on__isnull=True).count(),
        seconds=time.perf_counter() - started,
        logins=printed,
        day=day,
    )


def demo_logins() -> list[tuple[str, str, str]]:
    """The demo users that exist, for printing after `make run`."""
    rows: list[tuple[str, str, str]] = []
    for assignment in (
        RoleAssignment.objects.select_related("user", "organization")
        .filter(user__username__in=["county", "township", "branch", "observer", "member"])
        .order_by("user__date_joined")
    ):
        rows.append((assignment.user.username, str(assignment.user), assignment.get_role_display()))
    return rows


def database_is_empty() -> bool:
    return not Organization.objects.exists()
