"""Reads for the portal: the signed-in member, their notices, requests a secretary may decide."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from dangjian.accounts.scope import scope_for
from dangjian.members.models import Member, Membership
from dangjian.members.selectors import with_organization
from dangjian.organizations.models import Organization

from .models import ActivationCode, CorrectionRequest, CorrectionStatus, InvitationBatch, Notice


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


# --- member accounts ------------------------------------------------------------------------


def invitation_organization(*, user: Any, pk: int) -> Organization:
    """An organization whose members' accounts the user manages, or 404."""
    organization = Organization.objects.restrict(user, "read").filter(pk=pk).first()
    if organization is None:
        raise Http404
    if not scope_for(user).can_manage_path(organization.path):
        raise PermissionDenied
    return organization


def invitation_batch(*, user: Any, public_id: Any) -> InvitationBatch:
    """An invitation of an organization the user manages, or 404."""
    batch = (
        InvitationBatch.objects.select_related("organization", "created_by")
        .filter(public_id=public_id)
        .first()
    )
    if batch is None or not scope_for(user).can_manage_path(batch.organization.path):
        raise Http404
    return batch


def account_member(*, user: Any, pk: int) -> Member:
    """A member whose account the user manages (their current organization), or 404."""
    member = Member.objects.restrict(user, "manage").filter(pk=pk).first()
    if member is None:
        raise Http404
    return member


@dataclass(frozen=True)
class AccountRow:
    member: Member
    state: str  # "active", "invited", "disabled", "none"
    username: str


def account_rows(organization: Organization, limit: int = 200) -> list[AccountRow]:
    """The members on the organization's own roster with the state of their account."""
    now = timezone.now()
    members = list(
        Member.objects.filter(
            memberships__organization=organization,
            memberships__is_latest=True,
            memberships__ended_on__isnull=True,
        )
        .select_related("user")
        .order_by("name_pinyin", "pk")[:limit]
    )
    open_codes = set(
        ActivationCode.objects.filter(
            member__in=members, used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
        ).values_list("member_id", flat=True)
    )
    rows = []
    for member in members:
        user = member.user
        if member.pk in open_codes:
            state = "invited"
        elif user is None:
            state = "none"
        elif not user.is_active:
            state = "disabled"
        else:
            state = "active" if user.has_usable_password() else "invited"
        rows.append(AccountRow(member, state, user.get_username() if user else ""))
    return rows


def account_counts(organization: Organization) -> dict[str, int]:
    """Members on the roster of the subtree: with an account, invited (open code), neither.
    One query (the organization page shows it)."""
    on_roster = Membership.objects.filter(is_latest=True, ended_on__isnull=True).within(
        organization
    )
    invited = ActivationCode.objects.filter(
        used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).values("member_id")
    is_invited = Q(pk__in=invited)
    counts: dict[str, int] = Member.objects.filter(pk__in=on_roster.values("member_id")).aggregate(
        total=Count("pk"),
        active=Count("pk", filter=Q(user__is_active=True) & ~is_invited),
        invited=Count("pk", filter=is_invited),
        none=Count("pk", filter=Q(user__isnull=True) & ~is_invited),
    )
    return counts
