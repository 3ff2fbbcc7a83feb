"""Random sequences of transfer steps keep the invariants (hypothesis, stateful).

After every step: each member belongs to exactly one organization (one open membership row,
and the rows of their history follow each other without gap or overlap); at most one open
transfer per member; a member's organization is the one the model expects (moved only by a
receipt). Steps the state forbids must be refused and change nothing.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from dangjian.core.dates import today
from dangjian.members.models import Membership
from dangjian.transfers import services
from dangjian.transfers.choices import OPEN_STATES, TransferKind, TransferState
from dangjian.transfers.models import Transfer

ACTIONS = ["submit", "approve", "issue", "receive", "return", "cancel", "expire"]


def _expected_to_succeed(action: str, state: str, overdue: bool) -> bool:
    return {
        "submit": state == TransferState.DRAFT,
        "approve": state == TransferState.AWAITING_APPROVAL,
        "issue": state == TransferState.APPROVED,
        "receive": state == TransferState.IN_TRANSIT and not overdue,
        "return": state == TransferState.IN_TRANSIT,
        "cancel": state in OPEN_STATES,
        "expire": state == TransferState.IN_TRANSIT and overdue,
    }[action]


@pytest.mark.django_db
def test_random_transfer_sequences_keep_the_invariants(county: Any) -> None:
    members = [county.zhang, county.qian, county.sun]
    organizations = [county.east_village, county.south_village, county.west_village]
    actor = county.county_admin
    start = {
        m.pk: Membership.objects.get(member=m, ended_on__isnull=True).organization_id
        for m in members
    }

    class TransferMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            # Each example runs in a savepoint that is rolled back: examples do not leak.
            self.atomic = transaction.atomic()
            self.atomic.__enter__()
            self.where = dict(start)

        def teardown(self) -> None:
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)

        @rule(member=st.sampled_from(members), destination=st.sampled_from(organizations))
        def create(self, member: Any, destination: Any) -> None:
            has_open = Transfer.objects.filter(member=member, state__in=OPEN_STATES).exists()
            same = destination.pk == self.where[member.pk]
            try:
                services.transfer_create(
                    actor=actor,
                    member=member,
                    kind=TransferKind.WITHIN,
                    to_organization=destination,
                )
            except ValidationError:
                assert has_open or same
            else:
                assert not has_open
                assert not same

        @rule(member=st.sampled_from(members))
        def advance(self, member: Any) -> None:
            """The natural next step, so that sequences reach receipt often."""
            transfer = Transfer.objects.filter(member=member).order_by("-pk").first()
            if transfer is None:
                return
            following: dict[str, str] = {
                TransferState.DRAFT: "submit",
                TransferState.AWAITING_APPROVAL: "approve",
                TransferState.APPROVED: "issue",
                TransferState.IN_TRANSIT: "receive",
            }
            if transfer.state in following:
                self.step(member=member, action=following[transfer.state], late=False)

        @rule(
            member=st.sampled_from(members),
            action=st.sampled_from(ACTIONS),
            late=st.booleans(),
        )
        def step(self, member: Any, action: str, late: bool) -> None:
            transfer = Transfer.objects.filter(member=member).order_by("-pk").first()
            if transfer is None:
                return
            state = transfer.state
            # "late" steps happen the day after the letter runs out (expire); receipt is today.
            on = (
                transfer.valid_until + dt.timedelta(days=1)
                if late and transfer.valid_until
                else today()
            )
            overdue = transfer.valid_until is not None and transfer.valid_until < on
            if action == "receive":
                overdue = transfer.valid_until is not None and transfer.valid_until < today()
            calls = {
                "submit": lambda: services.transfer_submit(actor=actor, transfer=transfer),
                "approve": lambda: services.transfer_approve(actor=actor, transfer=transfer),
                "issue": lambda: services.transfer_issue(
                    actor=actor, transfer=transfer, dues_paid_until="2026-09"
                ),
                "receive": lambda: services.transfer_receive(actor=actor, transfer=transfer),
                "return": lambda: services.transfer_return(
                    actor=actor, transfer=transfer, reason="退回"
                ),
                "cancel": lambda: services.transfer_cancel(
                    actor=actor, transfer=transfer, reason="撤销"
                ),
                "expire": lambda: services.transfer_expire(actor=actor, transfer=transfer, on=on),
            }
            expected = _expected_to_succeed(action, state, overdue)
            try:
                calls[action]()
            except ValidationError:
                assert not expected, f"{action} refused in {state}"
                transfer.refresh_from_db()
                assert transfer.state == state  # a refused step changes nothing
            else:
                assert expected, f"{action} accepted in {state}"
                if action == "receive":
                    assert transfer.to_organization_id is not None
                    self.where[member.pk] = transfer.to_organization_id
                    receipts.append(transfer.pk)

        @invariant()
        def one_organization_at_every_instant(self) -> None:
            for member in members:
                rows = list(Membership.objects.filter(member=member).order_by("started_on", "id"))
                open_rows = [r for r in rows if r.ended_on is None]
                assert len(open_rows) == 1
                assert open_rows[0] is rows[-1]
                assert open_rows[0].organization_id == self.where[member.pk]
                for before, after in itertools.pairwise(rows):
                    assert before.ended_on == after.started_on  # no gap, no overlap

        @invariant()
        def at_most_one_open_transfer(self) -> None:
            for member in members:
                assert Transfer.objects.filter(member=member, state__in=OPEN_STATES).count() <= 1

        @invariant()
        def in_transit_letters_are_numbered(self) -> None:
            assert not Transfer.objects.filter(
                state=TransferState.IN_TRANSIT, letter_number__isnull=True
            ).exists()

    receipts: list[int] = []
    run_state_machine_as_test(
        TransferMachine,
        settings=settings(
            max_examples=10,
            stateful_step_count=30,
            deadline=None,
            derandomize=True,  # the same sequences on every run: CI never flakes
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
    assert receipts, "the sequences should have reached at least one receipt"
