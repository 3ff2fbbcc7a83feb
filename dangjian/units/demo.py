"""The demo county's unit registry: the units its enterprise and social-organization branches
sit in (covered), and units without an organization whose staff include members."""

from __future__ import annotations

from stdnum.cn import uscc

from dangjian.core.extensions import DemoContext
from dangjian.members.models import Member
from dangjian.organizations.choices import OrgKind, UnitKind

from .models import Instructor, Unit

UNCOVERED = [
    ("县宏达建材有限公司", UnitKind.PRIVATE_ENTERPRISE, 4),
    ("县绿源农业专业合作社", UnitKind.PRIVATE_ENTERPRISE, 3),
    ("县顺通物流有限公司", UnitKind.PRIVATE_ENTERPRISE, 2),
    ("县爱心养老服务中心", UnitKind.SOCIAL_ORGANIZATION, 1),
    ("县新兴电子厂", UnitKind.PRIVATE_ENTERPRISE, 0),
]
# Two small firms a township's joint branch (联合党支部) already covers.
JOINT = [("县鑫源五金店", 1), ("县恒丰汽修厂", 2)]
INSTRUCTORS = [
    ("陈志强", "13905710021", "县市场监督管理局", ["县宏达建材有限公司", "县绿源农业专业合作社"]),
    ("林晓燕", "13905710032", "县工商业联合会", ["县顺通物流有限公司", "县爱心养老服务中心"]),
    ("黄建国", "13905710043", "县民政局", []),
]


def _code(serial: int) -> str:
    body = f"91{3301:04d}{serial:011d}"[:17]
    return body + uscc.calc_check_digit(body)


def build_demo_units(context: DemoContext) -> None:
    rng = context.rng("units")
    units: list[Unit] = []
    serial = 1
    for branch in context.branches:
        if branch.unit_kind in (UnitKind.PRIVATE_ENTERPRISE, UnitKind.SOCIAL_ORGANIZATION):
            units.append(
                Unit(
                    area=context.county,
                    name=branch.name.removesuffix("党支部"),
                    credit_code=_code(serial),
                    kind=branch.unit_kind,
                    employees=rng.randint(20, 300),
                    organization=branch,
                )
            )
            serial += 1
    # Members of village branches who work in a unit that has no organization yet.
    pool = [
        m
        for b in context.branches
        if b.unit_kind == UnitKind.VILLAGE
        for m in context.members_by_branch.get(b.pk, [])
        if m.category == "FULL"
    ]
    rng.shuffle(pool)
    for name, kind, members in UNCOVERED:
        units.append(
            Unit(
                area=context.county,
                name=name,
                credit_code=_code(serial),
                kind=kind,
                employees=rng.randint(15, 120),
            )
        )
        serial += 1
        chosen = [pool.pop() for _ in range(min(members, len(pool)))]
        Member.objects.filter(pk__in=[m.pk for m in chosen]).update(work_unit=name)
    joint_branch = next((b for b in context.branches if b.kind == OrgKind.JOINT_BRANCH), None)
    for name, members in JOINT if joint_branch is not None else []:
        units.append(
            Unit(
                area=context.county,
                name=name,
                credit_code=_code(serial),
                kind=UnitKind.PRIVATE_ENTERPRISE,
                employees=rng.randint(5, 30),
                organization=joint_branch,
            )
        )
        serial += 1
        chosen = [pool.pop() for _ in range(min(members, len(pool)))]
        Member.objects.filter(pk__in=[m.pk for m in chosen]).update(work_unit=name)
    Unit.objects.bulk_create(units, batch_size=1000)
    by_name = {u.name: u for u in units}
    instructors = Instructor.objects.bulk_create(
        Instructor(area=context.county, name=name, phone=phone, from_organization=source)
        for name, phone, source, _units in INSTRUCTORS
    )
    Instructor.units.through.objects.bulk_create(
        Instructor.units.through(instructor_id=instructor.pk, unit_id=by_name[unit].pk)
        for instructor, (_n, _p, _s, names) in zip(instructors, INSTRUCTORS, strict=True)
        for unit in names
    )
