"""Counts the annual report needs: discipline and commendations in a subtree and year."""

from __future__ import annotations

from django.db.models import Count, Q

from dangjian.members.choices import Occupation
from dangjian.members.models import Membership
from dangjian.organizations.models import Organization

from .models import Commendation, Discipline


def discipline_counts(organization: Organization, year: int) -> dict[str, int]:
    """Members disciplined in the year, where their organization was in the subtree; of them rural."""
    members = Membership.objects.filter(organization__path__startswith=organization.path).values(
        "member_id"
    )
    rows = Discipline.objects.filter(on__year=year, member_id__in=members)
    counts = rows.aggregate(
        people=Count("member", distinct=True),
        farmers=Count("member", distinct=True, filter=Q(member__occupation=Occupation.FARMER)),
    )
    return {"people": counts["people"], "farmers": counts["farmers"]}


def commendation_counts(organization: Organization, year: int) -> dict[str, int]:
    members = Membership.objects.filter(organization__path__startswith=organization.path).values(
        "member_id"
    )
    rows = Commendation.objects.filter(on__year=year).filter(
        Q(member_id__in=members) | Q(organization__path__startswith=organization.path)
    )
    return dict(rows.values_list("title").annotate(n=Count("id")).values_list("title", "n"))
