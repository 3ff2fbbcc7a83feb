"""Scoped reads of transfers and mobile members. Every query starts from the user's scope.

Two functions here read the domains on the floors below transfers (.importlinter):
`dues_paid_until` (the dues app) and `valid_certificate_member_ids` (the certificates app).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from dangjian.accounts.scope import ScopedQuerySet
from dangjian.core.dates import today
from dangjian.members.models import Member
from dangjian.organizations.models import Organization

from .choices import OPEN_STATES, TransferState
from .models import Inflow, Outflow, OutflowReport, Transfer
from .regions import province_of, region_name

NOT_HEARD_FROM_MONTHS = 6  # RULES.md: out of contact 6 months


# --- what the dues and certificates apps answer ------------------------------------------------

# The certificates app answers valid_certificate_member_ids; were it absent, lists would show
# "unknown" rather than "no certificate".
CERTIFICATE_LOOKUP_WIRED = True


def dues_paid_until(member: Member) -> str | None:
    """党费交至 (YYYY-MM) for the letter, from the dues ledger; None when nothing is paid."""
    from dangjian.dues.selectors import dues_paid_until as paid_until

    day = paid_until(member)
    return f"{day.year:04d}-{day.month:02d}" if day else None


def valid_certificate_member_ids(member_ids: list[int] | set[int]) -> set[int]:
    """Which of these members hold a valid activity certificate today."""
    from dangjian.certificates.models import Certificate

    on = today()
    return set(
        Certificate.objects.filter(
            member_id__in=list(member_ids),
            revoked_at__isnull=True,
            valid_from__lte=on,
            valid_until__gte=on,
        ).values_list("member_id", flat=True)
    )


# --- transfers -------------------------------------------------------------------------------


def scoped_transfers(user: Any) -> ScopedQuerySet[Transfer]:
    """Transfers where either side is in the user's scope (a member sees their own)."""
    return Transfer.objects.restrict(user).select_related(
        "member", "from_organization", "to_organization"
    )


def transfer_get(*, user: Any, pk: int) -> Transfer:
    return get_object_or_404(scoped_transfers(user), pk=pk)


LISTS = ("outgoing", "incoming", "in_transit", "overdue", "closed")


def transfer_list(*, user: Any, which: str, on: dt.date | None = None) -> QuerySet[Transfer]:
    """One of the lists each side works from: outgoing, incoming, in transit, overdue, closed."""
    on = on or today()
    queryset = scoped_transfers(user)
    if which == "outgoing":
        # The sending side's list: the sender is in scope (not only the member's own).
        outgoing = queryset.restrict(user, via="from_organization__path")
        return outgoing.filter(state__in=OPEN_STATES)
    if which == "incoming":
        incoming = queryset.restrict(user, via="to_organization__path")
        return incoming.filter(state=TransferState.IN_TRANSIT).exclude(valid_until__lt=on)
    if which == "in_transit":
        return queryset.filter(state=TransferState.IN_TRANSIT, valid_until__gte=on)
    if which == "overdue":
        return queryset.filter(state=TransferState.IN_TRANSIT, valid_until__lt=on)
    return queryset.exclude(state__in=OPEN_STATES)


def open_transfer_for(member: Member) -> Transfer | None:
    return (
        Transfer.objects.filter(member=member, state__in=OPEN_STATES)
        .select_related("from_organization", "to_organization")
        .first()
    )


def transferring_out_ids(member_ids: list[int]) -> set[int]:
    """Members with a letter in transit: the sender shows them as 转出中."""
    return set(
        Transfer.objects.filter(
            member_id__in=member_ids, state=TransferState.IN_TRANSIT
        ).values_list("member_id", flat=True)
    )


def transferring_out_of(organization: Organization) -> QuerySet[Transfer]:
    """Members of this organization's subtree whose relationship is in transit (转出中)."""
    return (
        Transfer.objects.within(organization, via="from_organization__path")
        .filter(state=TransferState.IN_TRANSIT)
        .select_related("member", "from_organization", "to_organization")
        .order_by("valid_until")
    )


# --- mobile members -------------------------------------------------------------------------


def scoped_outflows(user: Any) -> ScopedQuerySet[Outflow]:
    return Outflow.objects.restrict(user).select_related(
        "member", "home_organization", "host_organization"
    )


def outflow_get(*, user: Any, pk: int) -> Outflow:
    return get_object_or_404(scoped_outflows(user), pk=pk)


def not_heard_from_since(on: dt.date) -> dt.date:
    from .services import add_months

    return add_months(on, -NOT_HEARD_FROM_MONTHS)


def outflow_list(
    *,
    user: Any,
    region: str = "",
    not_heard_from: bool = False,
    without_certificate: bool = False,
    on: dt.date | None = None,
) -> QuerySet[Outflow]:
    """Open outflows in scope, optionally for one province, only those out of touch, or only
    those who hold no valid activity certificate (who still needs one)."""
    from dangjian.certificates.models import Certificate

    queryset = scoped_outflows(user).filter(returned_on__isnull=True)
    if region:
        queryset = queryset.filter(region_code__startswith=region[:2])
    if not_heard_from:
        queryset = queryset.filter(last_contact_on__lt=not_heard_from_since(on or today()))
    if without_certificate:
        day = on or today()
        valid = Certificate.objects.filter(
            revoked_at__isnull=True, valid_from__lte=day, valid_until__gte=day
        ).values("member_id")
        queryset = queryset.exclude(member_id__in=valid)
    return queryset.order_by("last_contact_on", "id")


def mobile_members_not_heard_from(organization: Organization, on: dt.date) -> QuerySet[Outflow]:
    """Open outflows of the organization's subtree with no contact for 6 months before `on`.

    An input for alerts: other apps call this with an organization already in the reader's scope.
    """
    return (
        Outflow.objects.within(organization, via="home_organization__path")
        .filter(returned_on__isnull=True, last_contact_on__lt=not_heard_from_since(on))
        .select_related("member", "home_organization")
        .order_by("last_contact_on", "id")
    )


def outflow_counts_by_province(*, user: Any) -> list[tuple[str, str, int]]:
    """(province code, name, open outflows) in scope, largest first."""
    counts = Counter(
        province_of(code)
        for code in scoped_outflows(user)
        .filter(returned_on__isnull=True)
        .values_list("region_code", flat=True)
    )
    return [(code, region_name(code), n) for code, n in counts.most_common()]


def scoped_inflows(user: Any) -> ScopedQuerySet[Inflow]:
    return Inflow.objects.restrict(user).select_related("host_organization", "member")


def inflow_get(*, user: Any, pk: int) -> Inflow:
    return get_object_or_404(scoped_inflows(user), pk=pk)


def outflow_reports(*, user: Any, unseen_only: bool = False) -> QuerySet[OutflowReport]:
    """Mobile members' own reports (近况报告) the user may read, newest first."""
    queryset = OutflowReport.objects.restrict(user).select_related(
        "outflow__member", "outflow__home_organization", "seen_by"
    )
    if unseen_only:
        queryset = queryset.filter(seen_at__isnull=True)
    return queryset.order_by("-reported_at", "-id")


def outflow_report_get(*, user: Any, pk: int) -> OutflowReport:
    report = outflow_reports(user=user).filter(pk=pk).first()
    if report is None:
        raise Http404
    return report


def own_outflow_reports(member: Member, limit: int = 5) -> list[OutflowReport]:
    """The member's own latest reports (for /me/)."""
    return list(
        OutflowReport.objects.filter(outflow__member=member).order_by("-reported_at", "-id")[:limit]
    )
