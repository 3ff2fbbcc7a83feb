"""Rule checks on an organization (RULES.md, "Organizations"), shown on its page.

Each finding names the rule and its source, so a secretary can see why it was raised.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from dangjian.organizations.choices import BRANCH_KINDS
from dangjian.organizations.models import Organization

from .choices import MemberCategory, PositionTitle
from .models import Membership, Position


@dataclass(frozen=True)
class Finding:
    code: str
    message: str
    source: str


@dataclass(frozen=True)
class RosterCounts:
    total: int
    full: int
    probationary: int


def roster_counts(organization: Organization) -> RosterCounts:
    """Members on the roster now in the organization and everything below it."""
    counts = (
        Membership.objects.within(organization)
        .filter(ended_on__isnull=True)
        .aggregate(
            total=Count("id"),
            full=Count("id", filter=Q(member__category=MemberCategory.FULL)),
        )
    )
    return RosterCounts(counts["total"], counts["full"], counts["total"] - counts["full"])


def organization_findings(
    organization: Organization, on: dt.date, counts: RosterCounts | None = None
) -> list[Finding]:
    limits = settings.DANGJIAN_RULES
    findings: list[Finding] = []
    if organization.kind in BRANCH_KINDS:
        counts = counts or roster_counts(organization)
        if counts.full < limits["branch_min_full_members"]:
            findings.append(
                Finding(
                    "branch_too_few_full_members",
                    _(
                        "正式党员仅 %(n)d 名，不足 %(min)d 名：应与邻近单位成立联合党支部或补足人数。"
                    )
                    % {"n": counts.full, "min": limits["branch_min_full_members"]},
                    _("《中国共产党支部工作条例（试行）》"),
                )
            )
        if counts.total > limits["branch_max_members"]:
            findings.append(
                Finding(
                    "branch_too_large",
                    _("党员 %(n)d 名，超过 %(max)d 名：一般应分设支部或成立党总支。")
                    % {"n": counts.total, "max": limits["branch_max_members"]},
                    _("《中国共产党支部工作条例（试行）》"),
                )
            )
        # The positions held now and whether one is the secretary's, in one query.
        held = Position.objects.filter(organization=organization, ended_on__isnull=True).aggregate(
            size=Count("id"), secretaries=Count("id", filter=Q(title=PositionTitle.SECRETARY))
        )
        committee_size = held["size"]
        if (
            counts.full >= limits["committee_from_full_members"]
            and committee_size < limits["committee_min_positions"]
        ):
            findings.append(
                Finding(
                    "branch_without_committee",
                    _("正式党员 %(n)d 名（%(min)d 名以上应设支部委员会），但在任委员仅 %(c)d 名。")
                    % {
                        "n": counts.full,
                        "min": limits["committee_from_full_members"],
                        "c": committee_size,
                    },
                    _("《中国共产党支部工作条例（试行）》"),
                )
            )
        if counts.total and not held["secretaries"]:
            findings.append(
                Finding(
                    "branch_without_secretary",
                    _(
                        "书记空缺：党支部应设书记（不设支部委员会的设书记1名），请选举产生后在领导班子中登记。"
                    ),
                    _("《中国共产党支部工作条例（试行）》"),
                )
            )
    if organization.term_is_overdue(on):
        assert organization.term_ends_on is not None
        findings.append(
            Finding(
                "term_overdue",
                _("本届任期已于 %(d)s 届满，应按期换届。")
                % {"d": organization.term_ends_on.isoformat()},
                _("《中国共产党基层组织选举工作条例》"),
            )
        )
    return findings
