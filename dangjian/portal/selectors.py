"""Reads for the portal: the signed-in member, their notices, requests a secretary may decide."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.accounts.models import RoleAssignment
from dangjian.accounts.scope import scope_for
from dangjian.audit import selectors as audit_selectors
from dangjian.audit.choices import AuditAction
from dangjian.audit.models import AuditEvent
from dangjian.core import figures
from dangjian.members import subtrees
from dangjian.members.models import Member, Membership
from dangjian.members.selectors import roster_members, with_organization
from dangjian.organizations.models import Organization
from dangjian.transfers.models import Transfer

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
    One query (the organization page shows it): the member rows under the path, on the roster
    by status (decision 0291)."""
    on_roster = roster_members(organization)
    invited = ActivationCode.objects.filter(
        used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    ).values("member_id")
    is_invited = Q(pk__in=invited)
    counts: dict[str, int] = on_roster.aggregate(
        total=Count("pk"),
        active=Count("pk", filter=Q(user__is_active=True) & ~is_invited),
        invited=Count("pk", filter=is_invited),
        none=Count("pk", filter=Q(user__isnull=True) & ~is_invited),
    )
    return counts


ACCOUNT_COUNTS_KEY = "portal-accounts:v1"


def account_counts_kept(
    organization: Organization, *, refresh: bool = False
) -> tuple[dict[str, int] | None, figures.Kept | None]:
    """`account_counts` as the organization page shows it: a big subtree's kept figure (shown
    while stale, one recount queued for the worker, decision 0283; None while pending, 0287),
    else counted now (None: nothing to say about when)."""
    from . import tasks

    counts, kept = subtrees.kept_if_big(
        organization,
        ACCOUNT_COUNTS_KEY,
        lambda: account_counts(organization),
        recount=lambda: tasks.account_counts_recount.enqueue(organization.pk),
        refresh=refresh,
    )
    return (None if counts is None else dict(counts)), kept


def account_counts_recount(organization: Organization) -> None:
    """The worker's recount of the kept figure a visitor found stale."""
    figures.recount_store(
        organization.path, ACCOUNT_COUNTS_KEY, lambda: account_counts(organization)
    )


# --- who looked at my numbers ---------------------------------------------------------------


def who_looked(member: Member) -> QuerySet[AuditEvent]:
    """Reveals and exports of the member's own ID and phone numbers, newest first: a reveal on
    their record, and each export of a transfer package (it carries the full numbers). The
    member's own actions are left out. Whole-roster exports are not listed: the audit event
    names the filters, not the members (docs/decisions/0165)."""
    transfers = Transfer.objects.filter(member=member).values_list("pk", flat=True)
    targets = [("members.member", str(member.pk))] + [
        ("transfers.transfer", str(pk)) for pk in transfers
    ]
    return audit_selectors.audit_events_on(
        targets=targets,
        actions=[AuditAction.REVEAL, AuditAction.EXPORT],
        exclude_actor_id=member.user_id,
        detail_key={"transfers.transfer": "sha256"},
    ).filter(
        # On the member's record: only reveals of a number (an EXPORT there is the card, which
        # prints neither number).
        Q(target_type="transfers.transfer") | Q(action=AuditAction.REVEAL)
    )


@dataclass(frozen=True)
class Look:
    at: Any
    what: str
    role: str
    organization: str


def looks(member: Member, events: list[AuditEvent]) -> list[Look]:
    """Each event as the member sees it: when, what, and who by role and organization, never
    by name or login (decision 0165). The role shown is the one that reaches the member's
    organization, else the actor's first role; one query for the page."""
    actor_ids = {e.actor_id for e in events if e.actor_id is not None}
    roles: dict[int, list[RoleAssignment]] = {}
    for assignment in (
        RoleAssignment.objects.filter(user_id__in=actor_ids)
        .select_related("organization")
        .order_by("pk")
    ):
        roles.setdefault(assignment.user_id, []).append(assignment)
    latest = (
        Membership.objects.select_related("organization")
        .filter(member=member, is_latest=True)
        .first()
    )
    path = latest.organization.path if latest else ""
    result = []
    for event in events:
        if event.target_type == "transfers.transfer":
            what = _("导出组织关系转接包（含身份证号码、联系电话）")
        elif (event.detail or {}).get("field") == "id_number":
            what = _("查看完整身份证号码")
        elif (event.detail or {}).get("field") == "phone":
            what = _("查看完整联系电话")
        else:
            what = _("查看完整身份证号码或联系电话")
        held = roles.get(event.actor_id or 0, [])
        reaching = [r for r in held if path.startswith(r.organization.path)]
        role = next(iter(reaching or held), None)
        if role is not None:
            result.append(Look(event.at, what, role.get_role_display(), role.organization.name))
        elif event.actor_id is None:
            result.append(Look(event.at, what, _("系统"), _("自动处理")))
        else:
            result.append(Look(event.at, what, _("系统管理员"), ""))
    return result
