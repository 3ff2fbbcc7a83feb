"""What the certificates app adds to shared pages (registered in CertificatesConfig.ready)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q
from django.http import HttpRequest

from dangjian.accounts.scope import Scope, scope_for
from dangjian.core import figures
from dangjian.core.dates import today
from dangjian.core.extensions import DemoContext
from dangjian.members import selectors as member_selectors
from dangjian.members import subtrees
from dangjian.members.choices import MemberStatus
from dangjian.members.models import Member
from dangjian.organizations.models import Organization

from . import selectors, services
from .models import Certificate


def member_panel(request: HttpRequest, member: Member) -> dict[str, Any] | None:
    certificate = selectors.current_certificate(member)
    home = member_selectors.open_membership(member)
    is_self = member.user_id is not None and member.user_id == request.user.pk
    can_issue = (
        home is not None
        and member.status in services.ISSUABLE_STATUSES
        and scope_for(request.user).can_manage_path(home.organization.path)
    )
    if certificate is None and not can_issue and not is_self:
        return None
    return {
        "certificate": certificate,
        "is_current": selectors.is_current(certificate),
        "can_issue": can_issue,
        "is_self": is_self,
    }


COVERAGE_KEY = "certificates-coverage:v1"


def coverage(organization: Organization) -> dict[str, int]:
    """Mobile members of the subtree and how many still need a certificate: one query, the
    member rows under the path (decision 0291), each asked whether a certificate of their
    current organization runs past the renewal window."""
    renew_after = today() + dt.timedelta(days=services.RENEW_WITHIN_DAYS)
    current = Certificate.objects.filter(
        member=OuterRef("pk"),
        organization__path=OuterRef("organization_path"),
        revoked_at__isnull=True,
        valid_until__gte=renew_after,
    )
    counts = (
        Member.objects.within(organization)
        .filter(status=MemberStatus.MOBILE)
        .order_by()
        .aggregate(mobile=Count("pk"), covered=Count("pk", filter=Q(Exists(current))))
    )
    return {"mobile": counts["mobile"], "pending": counts["mobile"] - counts["covered"]}


def coverage_kept(
    organization: Organization, *, refresh: bool = False
) -> tuple[dict[str, int] | None, figures.Kept | None]:
    """`coverage` as the organization page shows it: a big subtree's kept figure (shown while
    stale, one recount queued for the worker, decision 0283; None while pending, 0287), else
    counted now (None)."""
    from . import tasks

    counts, kept = subtrees.kept_if_big(
        organization,
        COVERAGE_KEY,
        lambda: coverage(organization),
        recount=lambda: tasks.coverage_recount.enqueue(organization.pk),
        refresh=refresh,
    )
    return (None if counts is None else dict(counts)), kept


def coverage_recount(organization: Organization) -> None:
    """The worker's recount of the kept coverage a visitor found stale."""
    figures.recount_store(organization.path, COVERAGE_KEY, lambda: coverage(organization))


def organization_panel(request: HttpRequest, organization: Organization) -> dict[str, Any]:
    """电子活动证 on the organization page: the subtree's mobile members and how many still
    need a certificate (a big subtree's from its kept figure)."""
    counts, kept = coverage_kept(organization, refresh=figures.wants_refresh(request))
    return {**(counts or {}), "kept": kept, "refresh_url": "?refresh=1"}


def is_top_administrator(scope: Scope) -> bool:
    return scope.manages_a_top_organization


def demo_step(context: DemoContext) -> None:
    count = services.demo_issue(
        actor=context.builder, organizations=[context.county], on=context.reference_day
    )
    context.progress(f"电子活动证 {count} 张")
