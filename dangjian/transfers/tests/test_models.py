"""The transfer's guards: which states allow which step."""

from __future__ import annotations

import datetime as dt

import pytest

from dangjian.transfers.choices import TransferState
from dangjian.transfers.models import Transfer

S = TransferState
OPEN = {S.DRAFT, S.AWAITING_APPROVAL, S.APPROVED, S.IN_TRANSIT}

ALLOWED = {
    "can_submit": {S.DRAFT},
    "can_approve": {S.AWAITING_APPROVAL},
    "can_receive": {S.IN_TRANSIT},
    "can_return": {S.IN_TRANSIT},
    "can_cancel": OPEN,
    "can_expire": {S.IN_TRANSIT},
    "can_export_package": {S.IN_TRANSIT},
}


@pytest.mark.parametrize("state", list(TransferState))
@pytest.mark.parametrize("guard", sorted(ALLOWED))
def test_a_step_is_allowed_in_its_states_only(guard: str, state: TransferState) -> None:
    """Each step is allowed in exactly its states and refused in every other."""
    transfer = Transfer(state=state)
    assert getattr(transfer, guard)() is (state in ALLOWED[guard])


@pytest.mark.parametrize("state", list(TransferState))
def test_the_letter_is_issued_after_approval_where_approval_is_required(
    state: TransferState,
) -> None:
    """With approval the letter follows it; without, it may also be issued from the draft."""
    transfer = Transfer(state=state)
    assert transfer.can_issue(approval_required=True) is (state == S.APPROVED)
    assert transfer.can_issue(approval_required=False) is (state in {S.DRAFT, S.APPROVED})


def test_a_letter_is_overdue_only_after_its_last_valid_day() -> None:
    """The last valid day still counts; the day after it is overdue; no letter is never overdue."""
    transfer = Transfer(state=S.IN_TRANSIT, valid_until=dt.date(2026, 5, 31))
    assert not transfer.is_overdue(dt.date(2026, 5, 31))
    assert transfer.is_overdue(dt.date(2026, 6, 1))
    assert not Transfer(state=S.DRAFT).is_overdue(dt.date(2026, 6, 1))
