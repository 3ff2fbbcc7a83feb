"""The demo county's transfers and mobile members (a Jiangxi county: most go to work in
Guangdong, Fujian and Zhejiang). Transfers go through the services, so each has its events and
archive entries; the few hundred mobile members are bulk-created."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.utils import timezone

from dangjian.audit.choices import AuditAction
from dangjian.audit.services import audit_record
from dangjian.members.choices import ArchiveKind, MemberStatus
from dangjian.members.models import ArchiveEntry, Member

from . import services
from .choices import OutflowReason, TransferKind
from .models import Inflow, Outflow, OutflowReport
from .regions import region_name

if TYPE_CHECKING:
    from dangjian.core.extensions import DemoContext

# (prefecture code, weight): where the county's migrant members work.
DESTINATIONS = [
    ("440300", 14),
    ("441900", 12),
    ("440100", 8),
    ("440600", 6),
    ("441300", 3),
    ("350200", 7),
    ("350500", 6),
    ("350100", 4),
    ("330200", 5),
    ("330300", 4),
    ("330100", 4),
    ("330700", 3),
    ("310000", 4),
    ("320500", 3),
    ("360100", 5),
    ("430100", 2),
    ("110000", 2),
]
REASONS = [
    (OutflowReason.WORK, 70),
    (OutflowReason.BUSINESS, 15),
    (OutflowReason.STUDY, 8),
    (OutflowReason.OTHER, 7),
]
MOBILE_MEMBERS = 320
INFLOWS = 30
TRANSFERS = {"received": 14, "in_transit": 12, "overdue": 6, "returned": 3, "awaiting": 4}


def run(context: DemoContext) -> None:
    rng = context.rng("transfers")
    day = context.reference_day
    actor = context.builder
    branches = [b for b in context.branches if context.members_by_branch.get(b.pk)]
    used: set[int] = set()

    def pick_member(joined_before: dt.date | None = None) -> tuple[Member, int]:
        for _attempt in range(100_000):
            branch = rng.choice(branches)
            member = rng.choice(context.members_by_branch[branch.pk])
            if joined_before is not None and member.joined_on >= joined_before:
                continue
            if member.pk not in used:
                used.add(member.pk)
                return member, branch.pk
        raise RuntimeError("The demo county has too few members for the transfers step.")

    # Transfers within the county, through the workflow.
    for outcome, count in TRANSFERS.items():
        for _n in range(count):
            member, branch_pk = pick_member(joined_before=day - dt.timedelta(days=400))
            target = rng.choice([b for b in branches if b.pk != branch_pk])
            transfer = services.transfer_create(
                actor=actor,
                member=member,
                kind=TransferKind.WITHIN,
                to_organization=target,
                reason=rng.choice(["工作调动", "婚嫁迁居", "回乡创业", "随子女居住"]),
            )
            services.transfer_submit(actor=actor, transfer=transfer)
            if outcome == "awaiting":
                continue
            services.transfer_approve(actor=actor, transfer=transfer)
            # Overdue letters ran out before the reference day; letters in transit were issued
            # shortly before it, so they are still valid some weeks after it.
            ago = {"overdue": (100, 200), "in_transit": (3, 20)}.get(outcome, (5, 60))
            issued = day - dt.timedelta(days=rng.randint(*ago))
            dues = f"{issued.year}-{issued.month:02d}"
            services.transfer_issue(actor=actor, transfer=transfer, dues_paid_until=dues, on=issued)
            if outcome == "received":
                services.transfer_receive(
                    actor=actor,
                    transfer=transfer,
                    on=issued + dt.timedelta(days=rng.randint(2, 20)),
                )
            elif outcome == "returned":
                services.transfer_return(
                    actor=actor, transfer=transfer, reason="接收党组织名称有误，请核对后重新开具"
                )
    context.progress("transfers: 39")

    # Mobile members, in bulk.
    codes = [c for c, w in DESTINATIONS for _ in range(w)]
    reasons = [r for r, w in REASONS for _ in range(w)]
    outflows: list[Outflow] = []
    entries: list[ArchiveEntry] = []
    for _n in range(MOBILE_MEMBERS):
        member, branch_pk = pick_member()
        left_on = day - dt.timedelta(days=rng.randint(90, 1500))
        quiet = rng.random() < 0.18  # about one in six drifts out of touch
        last_contact = (
            left_on + dt.timedelta(days=rng.randint(0, max(0, (day - left_on).days - 200)))
            if quiet
            else day - dt.timedelta(days=rng.randint(1, 150))
        )
        code = rng.choice(codes)
        outflow = Outflow(
            member=member,
            home_organization_id=branch_pk,
            region_code=code,
            city=rng.choice(["", "工业园", "开发区", "高新区"]),
            work_unit=rng.choice(["电子厂", "服装厂", "建筑工地", "物流公司", "个体经营", ""]),
            left_on=left_on,
            reason=rng.choice(reasons),
            contact=f"139{rng.randint(10_000_000, 99_999_999)}",
            last_contact_on=max(last_contact, left_on),
            host_organization_name=rng.choice(["", "", "流动党员党支部"]),
        )
        outflows.append(outflow)
        entries.append(
            ArchiveEntry(
                member=member,
                actor=actor,
                kind=ArchiveKind.STATUS_CHANGED,
                summary=f"党籍状态：正常 → 流动（外出到 {region_name(code)}）",
                before={"status": MemberStatus.NORMAL},
                after={"status": MemberStatus.MOBILE},
                effective_on=left_on,
            )
        )
        entries.append(
            ArchiveEntry(
                member=member,
                actor=actor,
                kind=ArchiveKind.MOBILE,
                summary=f"登记流出：外出到 {region_name(code)}{outflow.city}"
                f"（{OutflowReason(outflow.reason).label}）"
                + (
                    f"，在 {outflow.host_organization_name} 参加组织生活"
                    if outflow.host_organization_name
                    else ""
                ),
                effective_on=left_on,
            )
        )
    Outflow.objects.bulk_create(outflows, batch_size=1000)
    ArchiveEntry.objects.bulk_create(entries, batch_size=1000)
    # A few mobile members told their branch how they are from /me/ (about half already read),
    # drawn from a generator of their own so the rest of the step stays as it was.
    report_rng = context.rng("transfers-reports")
    reports = []
    for outflow in report_rng.sample(outflows, min(40, len(outflows))):
        if outflow.last_contact_on < day - dt.timedelta(days=30):
            continue
        seen = report_rng.random() < 0.5
        reports.append(
            OutflowReport(
                outflow=outflow,
                region_code=outflow.region_code,
                city=outflow.city,
                work_unit=outflow.work_unit,
                well=report_rng.random() < 0.9,
                previous={
                    "region_code": outflow.region_code,
                    "city": outflow.city,
                    "work_unit": outflow.work_unit,
                },
                seen_at=timezone.now() if seen else None,
                seen_by=actor if seen else None,
            )
        )
    OutflowReport.objects.bulk_create(reports)
    Member.objects.filter(pk__in=[o.member_id for o in outflows]).update(status=MemberStatus.MOBILE)

    Inflow.objects.bulk_create(
        [
            Inflow(
                host_organization=rng.choice(branches),
                name=rng.choice("王李张刘陈杨黄赵吴周")
                + rng.choice(["伟", "芳", "强", "敏", "军", "丽"]),
                home_organization_name=rng.choice(
                    [
                        "湖南省邵阳县塘渡口镇某村党支部",
                        "江西省吉安县某村党支部",
                        "广西全州县某村党支部",
                    ]
                ),
                home_region_code=rng.choice(["430500", "360800", "450300"]),
                arrived_on=day - dt.timedelta(days=rng.randint(30, 900)),
                last_contact_on=day - dt.timedelta(days=rng.randint(1, 200)),
                reason=OutflowReason.WORK,
                has_certificate=rng.random() < 0.8,
            )
            for _n in range(INFLOWS)
        ]
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        target_type="transfers.outflow",
        summary=f"示范数据：流出党员 {MOBILE_MEMBERS} 人，流入党员 {INFLOWS} 人",
    )
    context.progress(f"mobile members: {MOBILE_MEMBERS} out, {INFLOWS} in")
