"""Reads for the portal: the signed-in member, their notices, requests a secretary may decide."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from dangjian.accounts.scope import scope_for
from dangjian.members.models import Member, Membership
from dangjian.members.selectors import with_organization
from dangjian.organizations.models import Organization

from .models import CorrectionRequest, CorrectionStatus, Notice


def my_member(user: Any) -> Member | None:
    """The member record linked to the signed-in user (scope: self), with its organization."""
    self_id = scope_for(user).self_user_id
    if self_id is None:
        return None
    return with_organization(Member.objects.filter(user_id=self_id)).first()


def notices_for(member: Member, limit: int = 20) -> QuerySet[Notice]:
    """Notices of the member's organization and of every organization above it."""
    latest = (
        Membership.objects.select_related("organization")
        .filter(member=member, is_latest=True)
        .first()
    )
    if latest is None or latest.ended_on is not None:
        return Notice.objects.none()
    path = latest.organization.path
    ancestors = [path[: i + 1] for i, ch in enumerate(path) if ch == "/" and i > 0]
    return Notice.objects.filter(organization__path__in=ancestors).select_related("organization")[
        :limit
    ]


def decidable_corrections(
    user: Any, *, organization: Organization | None = None
) -> QuerySet[CorrectionRequest]:
    """Pending requests of members whose organization the user manages (optionally one subtree)."""
    scope = scope_for(user)
    latest = Membership.objects.filter(is_latest=True)
    if organization is None:
        latest = latest.restrict(scope, "manage")
    elif scope.can_manage_path(organization.path):
        latest = latest.within(organization)
    else:
        return CorrectionRequest.objects.none()
    members = latest.values("member_id")
    return (
        CorrectionRequest.objects.filter(
            status=CorrectionStatus.PENDING, member_id__in=members.values("member_id")
        )
        .select_related("member", "requested_by")
        .order_by("requested_at")
    )


def my_corrections(member: Member) -> QuerySet[CorrectionRequest]:
    return CorrectionRequest.objects.filter(member=member).order_by("-requested_at")[:20]
