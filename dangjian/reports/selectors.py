"""Figures computed from the records for any organization and everything below it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from dangjian.members.choices import MemberCategory, Sex
from dangjian.members.models import Membership
from dangjian.organizations.choices import BRANCH_KINDS, COMMITTEE_KINDS, OrgKind
from dangjian.organizations.models import Organization


def percent(part: int, whole: int) -> str:
    """A share as the report writes it: one decimal, rounded half-up ("88.3")."""
    if whole == 0:
        return "0.0"
    value = (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{value}"


@dataclass(frozen=True)
class Overview:
    organization: Organization
    grassroots: int
    committees: int
    general_branches: int
    branches: int
    members: int
    men: int
    women: int
    full: int
    probationary: int

    @property
    def men_percent(self) -> str:
        return percent(self.men, self.members)

    @property
    def women_percent(self) -> str:
        return percent(self.women, self.members)

    @property
    def sentence(self) -> str:
        """The summary the seed report wrote by hand, with the percentages filled."""
        return _(
            "共有基层党组织%(grassroots)d个(其中:党委%(committees)d个、党总支%(general)d个、"
            "党支部%(branches)d个);共有党员%(members)d名。其中:男%(men)d名,占%(men_pct)s%%;"
            "女%(women)d名,占%(women_pct)s%%"
        ) % {
            "grassroots": self.grassroots,
            "committees": self.committees,
            "general": self.general_branches,
            "branches": self.branches,
            "members": self.members,
            "men": self.men,
            "men_pct": self.men_percent,
            "women": self.women,
            "women_pct": self.women_percent,
        }


def overview(organization: Organization) -> Overview:
    """Grassroots organizations (the organization itself included when it is one) and the
    members on the roster in the subtree, counted where their organizational relationship is."""
    orgs = Organization.objects.filter(
        path__startswith=organization.path, dissolved_on__isnull=True
    ).aggregate(
        committees=Count("id", filter=Q(kind__in=COMMITTEE_KINDS)),
        general=Count("id", filter=Q(kind=OrgKind.GENERAL_BRANCH)),
        branches=Count("id", filter=Q(kind__in=BRANCH_KINDS)),
    )
    members = Membership.objects.filter(
        organization__path__startswith=organization.path, ended_on__isnull=True
    ).aggregate(
        total=Count("id"),
        men=Count("id", filter=Q(member__sex=Sex.MALE)),
        full=Count("id", filter=Q(member__category=MemberCategory.FULL)),
    )
    return Overview(
        organization=organization,
        grassroots=orgs["committees"] + orgs["general"] + orgs["branches"],
        committees=orgs["committees"],
        general_branches=orgs["general"],
        branches=orgs["branches"],
        members=members["total"],
        men=members["men"],
        women=members["total"] - members["men"],
        full=members["full"],
        probationary=members["total"] - members["full"],
    )
