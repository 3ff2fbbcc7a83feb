"""Steps shared by the transfer tests: a transfer brought to a given state through the services."""

from __future__ import annotations

from typing import Any

from dangjian.accounts.models import User
from dangjian.members.models import Member
from dangjian.organizations.models import Organization
from dangjian.transfers import services
from dangjian.transfers.choices import TransferKind
from dangjian.transfers.models import Transfer


def draft(actor: User, member: Member, to: Organization, **kwargs: Any) -> Transfer:
    return services.transfer_create(
        actor=actor, member=member, kind=TransferKind.WITHIN, to_organization=to, **kwargs
    )


def issued(sender: Any, approver: Any, member: Member, to: Organization) -> Transfer:
    transfer = draft(sender, member, to)
    services.transfer_submit(actor=sender, transfer=transfer)
    services.transfer_approve(actor=approver, transfer=transfer)
    return services.transfer_issue(actor=sender, transfer=transfer, dues_paid_until="2026-09")
