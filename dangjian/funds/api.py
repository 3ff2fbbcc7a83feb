"""Work funds in /api/v1/funds/: an organization's ledger for a year, and recording a line.
Scoped like the pages (out of scope: 404)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from dangjian.accounts.http import AuthenticatedHttpRequest
from dangjian.core.api import ErrorOut, In
from dangjian.organizations import selectors as organization_selectors
from dangjian.organizations.refs import organization_pk_from_text

from . import selectors, services
from .choices import Category, EntryKind

router = Router(tags=["工作经费"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}


class LedgerOut(Schema):
    organization_code: str
    year: int
    on: dt.date
    members: int
    standard: Decimal
    opening: Decimal
    received: dict[str, Decimal]
    spent: dict[str, Decimal]
    balance: Decimal
    below_standard: bool


class EntryIn(In):
    kind: EntryKind
    category: Category
    on: dt.date
    amount: Decimal = Field(..., gt=0, max_digits=12, decimal_places=2)
    description: str = Field(..., max_length=300)


def _ledger(organization: Any, year: int) -> dict[str, object]:
    found = selectors.ledger(organization, year)
    return {
        "organization_code": organization.code,
        "year": year,
        "on": found.on,
        "members": found.members,
        "standard": found.standard,
        "opening": found.opening,
        "received": found.received,
        "spent": found.spent,
        "balance": found.balance,
        "below_standard": found.below_standard,
    }


@router.get("/{org}", response={200: LedgerOut, **ERRORS})
def ledger(
    request: HttpRequest, org: str, year: int = Query(..., ge=2000, le=2100)
) -> dict[str, object]:
    """An organization's work-fund ledger (`org`: the code): its members and standard, the year's
    allocations and spending by category, the balance."""
    organization = organization_selectors.organization_get(
        user=request.user, pk=organization_pk_from_text(org)
    )
    return _ledger(organization, year)


@router.post("/{org}/entries", response={201: LedgerOut, **ERRORS})
def entry_record(request: AuthenticatedHttpRequest, org: str, payload: EntryIn) -> Status[Any]:
    """Record an allocation received or a spending; returns the ledger of the entry's year."""
    organization = organization_selectors.organization_get(
        user=request.user, pk=organization_pk_from_text(org)
    )
    services.entry_record(
        actor=request.user,
        organization=organization,
        kind=payload.kind,
        category=payload.category,
        on=payload.on,
        amount=payload.amount,
        description=payload.description,
    )
    return Status(201, _ledger(organization, payload.on.year))
