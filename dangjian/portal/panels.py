"""The portal's sections on the organization page: pending corrections and notices."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from dangjian.accounts.scope import scope_for
from dangjian.core import figures
from dangjian.organizations.models import Organization

from . import selectors
from .forms import NoticeForm
from .models import Notice


def organization_corrections(
    request: HttpRequest, organization: Organization
) -> dict[str, Any] | None:
    pending = list(selectors.decidable_corrections(request.user, organization=organization)[:20])
    return {"pending": pending} if pending else None


def organization_notices(request: HttpRequest, organization: Organization) -> dict[str, Any] | None:
    notices = list(Notice.objects.filter(organization=organization)[:5])
    can_publish = scope_for(request.user).can_manage_path(organization.path)
    if not notices and not can_publish:
        return None
    return {"notices": notices, "can_publish": can_publish, "form": NoticeForm()}


def my_certificate(request: HttpRequest, member: Any) -> dict[str, Any] | None:
    """我的电子活动证 on the portal: the card itself (QR and fields) when valid, to show at a
    host branch and save as an image; otherwise the way to request one."""
    from dangjian.certificates.render import qr_svg_data_uri
    from dangjian.certificates.selectors import current_certificate, is_current

    certificate = current_certificate(member)
    valid = is_current(certificate)
    qr = qr_svg_data_uri(certificate.payload) if certificate is not None and valid else ""
    return {"certificate": certificate, "valid": valid, "qr": qr}


def organization_accounts(
    request: HttpRequest, organization: Organization
) -> dict[str, Any] | None:
    """党员账号 on the organization page, for whoever manages it: counts and the invitation.
    A big subtree's counts are its kept figure (decision 0283): counting a province's accounts
    must not hold up the page."""
    if not scope_for(request.user).can_manage_path(organization.path):
        return None
    counts, kept = selectors.account_counts_kept(
        organization, refresh=figures.wants_refresh(request)
    )
    return {"counts": counts, "kept": kept, "refresh_url": "?refresh=1"}


# --- the member's own sections on /me/ (keeping in touch, help, volunteering, who looked) ----


def my_keep_in_touch(request: HttpRequest, member: Any) -> dict[str, Any] | None:
    """流动党员：告诉支部我在哪里、一切可好 — only for a member with an open outflow."""
    from dangjian.transfers import mobile
    from dangjian.transfers.regions import region_name
    from dangjian.transfers.selectors import own_outflow_reports

    outflow = mobile.own_open_outflow(request.user)
    if outflow is None:
        return None
    reports = own_outflow_reports(member, limit=1)
    return {
        "outflow": outflow,
        "place": region_name(outflow.region_code),
        "last_report": reports[0] if reports else None,
    }


def my_help(request: HttpRequest, member: Any) -> dict[str, Any] | None:
    from dangjian.care.selectors import own_help_requests

    return {"requests": own_help_requests(member, limit=3)}


def my_volunteering(request: HttpRequest, member: Any) -> dict[str, Any] | None:
    from dangjian.care.selectors import volunteer_open_for

    return {"open_activities": volunteer_open_for(member)}


def my_lookers(request: HttpRequest, member: Any) -> dict[str, Any] | None:
    return {"looked_count": selectors.who_looked(member).count()}
