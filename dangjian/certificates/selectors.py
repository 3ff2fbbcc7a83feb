"""Scoped reads of certificates."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from dangjian.accounts.scope import scope_for
from dangjian.core.dates import today
from dangjian.members.models import Member
from dangjian.organizations.models import Organization

from .models import Certificate, ForeignRevocation


def own_member(user: Any) -> Member | None:
    """The member record linked to the signed-in user, if any."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Member.objects.filter(user=user).first()


def current_certificate(member: Member) -> Certificate | None:
    """The member's unrevoked certificate (possibly expired: the page says so)."""
    return (
        Certificate.objects.select_related("organization")
        .filter(member=member, revoked_at__isnull=True)
        .first()
    )


def organization_get(*, user: Any, pk: int) -> Organization:
    organization = get_object_or_404(Organization, pk=pk)
    scope_for(user).require_read(organization)
    return organization


def certificates_under(*, user: Any, organization: Organization) -> QuerySet[Certificate]:
    """Certificates issued to members whose home organization (as signed) is in the subtree."""
    scope_for(user).require_read(organization)
    return (
        Certificate.objects.within(organization)
        .select_related("organization", "member")
        # Unrevoked first on every database (SQLite and PostgreSQL sort NULL differently).
        .order_by(F("revoked_at").asc(nulls_first=True), "-issued_at", "-id")
    )


def current_certificates_under(*, user: Any, organization: Organization) -> QuerySet[Certificate]:
    """The certificates to print for an organization: unrevoked, valid today, of members still
    at home in the subtree, in roster order (pinyin)."""
    scope_for(user).require_read(organization)
    on = today()
    return (
        Certificate.objects.within(organization)
        .filter(revoked_at__isnull=True, valid_from__lte=on, valid_until__gte=on)
        .select_related("organization", "member")
        .order_by("member__name_pinyin", "member_id")
    )


def certificate_get(*, user: Any, pk: int) -> Certificate:
    certificate = get_object_or_404(Certificate.objects.select_related("organization"), pk=pk)
    if not scope_for(user).can_read_path(certificate.organization.path):
        raise Http404
    return certificate


def is_current(certificate: Certificate | None) -> bool:
    if certificate is None or certificate.revoked_at is not None:
        return False
    return certificate.valid_from <= today() <= certificate.valid_until


def foreign_revocation_lists() -> list[dict[str, Any]]:
    """The imported revocation lists: issuer, when signed, by which key, how many serials."""
    return list(
        ForeignRevocation.objects.values("issuer", "kid", "list_issued_at")
        .annotate(n=Count("id"))
        .order_by("issuer")
    )
