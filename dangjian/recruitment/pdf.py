"""A person's full record (全程纪实) as a printable PDF, through WeasyPrint."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from dangjian.accounts.models import User
from dangjian.audit.choices import AuditAction
from dangjian.audit.services import audit_record
from dangjian.core.dates import today
from dangjian.core.pdf import html_to_pdf

from . import selectors
from .models import Applicant


def record_pdf(*, actor: User, applicant: Applicant) -> bytes:
    """The record with the ID number masked; the export is audited."""
    html = render_to_string(
        "recruitment/record_pdf.html",
        {
            "applicant": applicant,
            "sections": selectors.applicant_record(applicant),
            "printed_on": today(),
        },
    )
    pdf = html_to_pdf(html)
    audit_record(
        actor=actor,
        action=AuditAction.EXPORT,
        target=applicant,
        summary=_("导出 %(name)s 的发展党员全程纪实") % {"name": applicant.name},
    )
    assert pdf is not None
    return pdf
