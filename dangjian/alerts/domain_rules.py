"""Rules over the domain apps' records, through the selectors each app provides for alerts.

Each is registered like the base rules; its tests sit beside the app's own in
dangjian/alerts/tests/test_domain_rules.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangjian.organizations.models import Organization

from .engine import Case, Rule, register_rule, threshold

RECRUITMENT_RULES = gettext_lazy("《中国共产党发展党员工作细则》")
CONSTITUTION = gettext_lazy("《中国共产党章程》第九条")
TRANSFER_RULES = gettext_lazy("党员组织关系转接规定")
MOBILE_RULES = gettext_lazy("流动党员管理规定")
BRANCH_RULES = gettext_lazy("《中国共产党支部工作条例（试行）》")


def recruitment_deadlines(root: Organization, on: dt.date) -> Iterator[Case]:
    from dangjian.recruitment.selectors import deadlines

    for item in deadlines(root, on):
        if not item.overdue:
            continue
        applicant = item.applicant
        yield Case(
            organization_id=applicant.organization_id,
            subject=f"applicant:{applicant.pk}:{int(item.step)}",
            message=_("%(name)s 的“%(step)s”应于 %(due)s 前完成，已逾期。")
            % {"name": applicant.name, "step": item.step.label, "due": item.due_on.isoformat()},
            fix=_("按规定时限办理并在发展党员纪实中登记（%(rule)s，%(source)s）。")
            % {"rule": item.rule, "source": item.source},
            url=applicant.get_absolute_url(),
        )


register_rule(
    Rule(
        "recruitment_deadline",
        gettext_lazy("发展党员时限"),
        RECRUITMENT_RULES,
        recruitment_deadlines,
    )
)


def _home_organizations(root: Organization, on: dt.date) -> dict[int, int]:
    """member id → the organization whose roster holds them on `on`, within the subtree."""
    from dangjian.members.selectors import roster_on

    return dict(roster_on(root, on).values_list("member_id", "organization_id"))


def no_organizational_life(root: Organization, on: dt.date) -> Iterator[Case]:
    from dangjian.activities.selectors import members_without_life

    months = threshold("art9_months")
    homes = _home_organizations(root, on)
    for member in members_without_life(root, on, months=months):
        yield Case(
            organization_id=homes.get(member.pk, root.pk),
            subject=f"member:{member.pk}",
            member_id=member.pk,
            message=_("%(name)s 连续 %(months)d 个月没有参加组织生活。")
            % {"name": member.name, "months": months},
            fix=_(
                "支部应了解原因、谈心谈话，督促其参加组织生活；年老体弱、患病确实不能参加的，经支部决定可免于参加（在党员页面登记，到期复核）并送学上门；无正当理由连续6个月不参加的，按党章第九条处理。"
            ),
            url=reverse("members:detail", args=[member.pk]),
        )


def no_dues(root: Organization, on: dt.date) -> Iterator[Case]:
    from dangjian.dues.selectors import members_with_unpaid_months

    months = threshold("art9_months")
    homes = _home_organizations(root, on)
    for member in members_with_unpaid_months(root, on, months=months):
        unpaid = getattr(member, "unpaid_months", months)
        yield Case(
            organization_id=homes.get(member.pk, root.pk),
            subject=f"member:{member.pk}",
            member_id=member.pk,
            message=_("%(name)s 已连续 %(n)d 个月未交纳党费。")
            % {"name": member.name, "n": unpaid},
            fix=_(
                "支部应了解原因并督促补交；确有困难的可按规定减免。欠交不会自动改变党籍，无正当理由连续6个月不交纳的，按党章第九条处理。"
            ),
            url=reverse("dues:member", args=[member.pk]),
        )


def transfers_in_transit(root: Organization, on: dt.date) -> Iterator[Case]:
    from dangjian.transfers.choices import TransferState
    from dangjian.transfers.models import Transfer

    days = threshold("transfer_in_transit_days")
    expiring = threshold("letter_expiring_days")
    for transfer in (
        Transfer.objects.within(root, via="from_organization__path")
        .filter(state=TransferState.IN_TRANSIT)
        .select_related("member")
    ):
        url = reverse("transfers:detail", args=[transfer.pk])
        if transfer.issued_on and (on - transfer.issued_on).days > days:
            yield Case(
                transfer.from_organization_id or root.pk,
                f"transfer:{transfer.pk}:long",
                _("%(name)s 的组织关系介绍信已开出 %(n)d 天，对方尚未接收。")
                % {"name": transfer.member.name, "n": (on - transfer.issued_on).days},
                _("联系接收方和本人，确认报到情况；介绍信过期前办理，过期须重新开具。"),
                url,
            )
        if transfer.valid_until and 0 <= (transfer.valid_until - on).days <= expiring:
            yield Case(
                transfer.from_organization_id or root.pk,
                f"transfer:{transfer.pk}:expiring",
                _("%(name)s 的介绍信将于 %(day)s 到期。")
                % {"name": transfer.member.name, "day": transfer.valid_until.isoformat()},
                _("提醒本人按时到接收党组织报到。"),
                url,
            )


def mobile_not_heard_from(root: Organization, on: dt.date) -> Iterator[Case]:
    from dangjian.transfers.selectors import mobile_members_not_heard_from

    for outflow in mobile_members_not_heard_from(root, on):
        yield Case(
            outflow.home_organization_id,
            f"member:{outflow.member_id}",
            _("流动党员 %(name)s 自 %(day)s 起没有联系。")
            % {"name": outflow.member.name, "day": outflow.last_contact_on.isoformat()},
            _("通过电话、流入地党组织等方式取得联系，并登记联系情况。"),
            reverse("members:detail", args=[outflow.member_id]),
            member_id=outflow.member_id,
        )


def mobile_without_certificate(root: Organization, on: dt.date) -> Iterator[Case]:
    from dangjian.transfers.models import Outflow
    from dangjian.transfers.selectors import valid_certificate_member_ids

    open_outflows = list(
        Outflow.objects.within(root, via="home_organization__path")
        .filter(returned_on__isnull=True)
        .select_related("member")
    )
    holding = valid_certificate_member_ids({o.member_id for o in open_outflows})
    for outflow in open_outflows:
        if outflow.member_id in holding:
            continue
        yield Case(
            outflow.home_organization_id,
            f"member:{outflow.member_id}",
            _("流动党员 %(name)s 没有有效的电子活动证。") % {"name": outflow.member.name},
            _(
                "为其签发电子活动证（可在党组织页面为流动党员批量签发），便于其在流入地参加组织生活。"
            ),
            reverse("members:detail", args=[outflow.member_id]),
            member_id=outflow.member_id,
        )


def compliance_behind(root: Organization, on: dt.date) -> Iterator[Case]:
    """Branches that held fewer meetings than required in the last complete quarter."""
    from dangjian.activities.periods import quarter_of
    from dangjian.activities.selectors import compliance_by_branch

    period = quarter_of(quarter_of(on).start - dt.timedelta(days=1))
    names = dict(Organization.objects.under(root.path).values_list("pk", "name"))
    for branch_id, counts in compliance_by_branch(root, period, on=on).items():
        behind = [c for c in counts if not c.met]
        if behind:
            yield Case(
                branch_id,
                f"org:{branch_id}:{period.start.isoformat()}",
                _("%(org)s %(period)s组织生活未达要求：%(lines)s。")
                % {
                    "org": names.get(branch_id, ""),
                    "period": period.label,
                    "lines": "，".join(f"{c.label} {c.held}/{c.required}" for c in behind),
                },
                _("按“三会一课”要求补足，召开后在组织生活中登记。"),
                reverse("activities:compliance", args=[branch_id]),
            )


CONSTITUTION = gettext_lazy("《中国共产党章程》第九条")
TRANSFER_RULES = gettext_lazy("党员组织关系转接规定")
MOBILE_RULES = gettext_lazy("流动党员管理规定")
BRANCH_RULES = gettext_lazy("《中国共产党支部工作条例（试行）》")
FUNDS_STANDARD = gettext_lazy("党组织工作经费标准（党员每年人均不低于30元，本地标准）")
RECRUITMENT_PLAN = gettext_lazy("年度发展党员计划")


def funds_below_standard(root: Organization, on: dt.date) -> Iterator[Case]:
    """Organizations with members that have received less work funds this year than their
    standard (members × the yearly amount per member), from the check day on (funds app)."""
    from dangjian.funds.selectors import check_day, per_member_standard, subtree_summary

    if on < check_day(on.year):
        return
    for ledger in subtree_summary(root, on.year, on).below:
        organization = ledger.organization
        yield Case(
            organization.pk,
            f"org:{organization.pk}:funds:{on.year}",
            _(
                "%(org)s %(year)d 年收到工作经费 %(received)s 元，低于标准 %(standard)s 元"
                "（党员 %(n)d 名 × %(per)s 元）。"
            )
            % {
                "org": organization.name,
                "year": on.year,
                "received": ledger.received_total,
                "standard": ledger.standard,
                "n": ledger.members,
                "per": per_member_standard(),
            },
            _("向上级党组织申请按标准拨付工作经费，并在经费台账中记录收到的拨付。"),
            reverse("funds:ledger", args=[organization.pk]),
        )


def recruitment_plan_behind(root: Organization, on: dt.date) -> Iterator[Case]:
    """Committees whose plan for the year is not met, from the warning day on (recruitment)."""
    from dangjian.recruitment.models import RecruitmentPlan
    from dangjian.recruitment.selectors import plan_progress, plan_warnings

    for plan in (
        RecruitmentPlan.objects.within(root).filter(year=on.year).select_related("committee")
    ):
        warnings = plan_warnings(plan, plan_progress(plan.committee, plan.year, on))
        if warnings:
            yield Case(
                plan.committee_id,
                f"org:{plan.committee_id}:plan:{plan.year}",
                _("%(org)s %(year)d 年度发展党员计划：%(what)s。")
                % {
                    "org": plan.committee.name,
                    "year": plan.year,
                    "what": _("；").join(w.text for w in warnings),
                },
                _("年底前抓紧培养考察现有发展对象，注重在青年、外出务工人员和两新组织中发展党员。"),
                plan.get_absolute_url(),
            )


for _rule in (
    Rule("no_life", gettext_lazy("6个月未参加组织生活"), CONSTITUTION, no_organizational_life),
    Rule("no_dues", gettext_lazy("6个月未交纳党费"), CONSTITUTION, no_dues),
    Rule("transfer", gettext_lazy("组织关系转接"), TRANSFER_RULES, transfers_in_transit),
    Rule("mobile_silent", gettext_lazy("流动党员失去联系"), MOBILE_RULES, mobile_not_heard_from),
    Rule(
        "mobile_no_card", gettext_lazy("流动党员无活动证"), MOBILE_RULES, mobile_without_certificate
    ),
    Rule("compliance", gettext_lazy("组织生活落实"), BRANCH_RULES, compliance_behind),
    Rule("funds", gettext_lazy("工作经费不足"), FUNDS_STANDARD, funds_below_standard),
    Rule(
        "recruitment_plan", gettext_lazy("发展党员计划"), RECRUITMENT_PLAN, recruitment_plan_behind
    ),
):
    register_rule(_rule)
