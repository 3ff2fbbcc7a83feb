"""The transfer workflow and mobile members, through the services, against the database."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from dangjian.audit.models import AuditEvent
from dangjian.core.dates import today
from dangjian.members import hooks
from dangjian.members.choices import HowAdded, HowRemoved, MemberStatus
from dangjian.members.models import ArchiveEntry, Membership
from dangjian.transfers import mobile, selectors, services
from dangjian.transfers.choices import OutflowReason, TransferKind, TransferState
from dangjian.transfers.models import Transfer

from .helpers import draft, issued

pytestmark = pytest.mark.django_db


def codes(exc: ValidationError) -> set[str]:
    found = {e.code for e in exc.error_list} if hasattr(exc, "error_list") else set()
    if hasattr(exc, "error_dict"):
        found |= {e.code for errors in exc.error_dict.values() for e in errors}
    return {c for c in found if c}


def test_a_draft_writes_an_event_an_archive_entry_and_an_audit_event(county: Any) -> None:
    """Creating a transfer is recorded three ways and the member stays where they are."""
    transfer = draft(county.east_secretary, county.zhang, county.west_village, reason="工作调动")
    assert transfer.state == TransferState.DRAFT
    assert transfer.from_organization == county.east_village
    assert list(transfer.events.values_list("state", flat=True)) == [TransferState.DRAFT]
    assert ArchiveEntry.objects.filter(member=county.zhang, summary__contains="西村党支部").exists()
    assert AuditEvent.objects.filter(
        target_type="transfers.transfer", target_id=str(transfer.pk)
    ).exists()


def test_only_the_sending_side_starts_a_transfer(county: Any) -> None:
    """A user who does not manage the member's organization cannot transfer them out."""
    with pytest.raises(PermissionDenied):
        draft(county.west_admin, county.zhang, county.west_village)
    with pytest.raises(PermissionDenied):
        draft(county.east_observer, county.zhang, county.west_village)


def test_a_member_with_an_open_transfer_cannot_be_transferred_again(county: Any) -> None:
    """At most one open transfer per member: the service says so, the database holds it."""
    first = draft(county.east_secretary, county.zhang, county.west_village)
    with pytest.raises(ValidationError) as caught:
        draft(county.east_secretary, county.zhang, county.south_village)
    assert "open_transfer" in codes(caught.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        Transfer.objects.create(
            kind=TransferKind.WITHIN,
            member=county.zhang,
            from_organization=county.east_village,
            to_organization=county.south_village,
        )
    services.transfer_cancel(actor=county.east_secretary, transfer=first, reason="填错")
    assert draft(county.east_secretary, county.zhang, county.south_village).state == "DRAFT"


@pytest.mark.parametrize(
    ("target", "code"),
    [("east_village", "same_organization"), ("county", "not_grassroots")],
)
def test_the_receiving_organization_must_be_another_grassroots_one(
    county: Any, target: str, code: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        draft(county.east_secretary, county.zhang, getattr(county, target))
    assert code in codes(caught.value)


def test_outbound_needs_the_other_deployment_and_organization(county: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        services.transfer_create(
            actor=county.east_secretary, member=county.zhang, kind=TransferKind.OUTBOUND
        )
    assert set(caught.value.message_dict) == {"counterpart_issuer", "counterpart_organization"}
    with pytest.raises(ValidationError):
        services.transfer_create(
            actor=county.east_secretary,
            member=county.zhang,
            kind=TransferKind.OUTBOUND,
            counterpart_issuer="CN-TEST",  # ourselves
            counterpart_organization="某党支部",
        )


def test_approval_by_the_committee_above_then_the_letter(county: Any) -> None:
    """The branch secretary cannot approve their own transfer; the township committee does."""
    transfer = draft(county.east_secretary, county.zhang, county.west_village)
    with pytest.raises(ValidationError):  # not yet submitted
        services.transfer_issue(
            actor=county.east_secretary, transfer=transfer, dues_paid_until="2026-09"
        )
    services.transfer_submit(actor=county.east_secretary, transfer=transfer)
    with pytest.raises(PermissionDenied):
        services.transfer_approve(actor=county.east_secretary, transfer=transfer)
    with pytest.raises(PermissionDenied):
        services.transfer_approve(actor=county.west_admin, transfer=transfer)
    services.transfer_approve(actor=county.east_admin, transfer=transfer)
    with pytest.raises(ValidationError) as caught:
        services.transfer_issue(
            actor=county.east_secretary, transfer=transfer, dues_paid_until="2026-13"
        )
    assert "bad_year_month" in codes(caught.value)
    on = dt.date(2026, 11, 30)
    transfer = services.transfer_issue(
        actor=county.east_secretary, transfer=transfer, dues_paid_until="2026-10", on=on
    )
    assert transfer.state == TransferState.IN_TRANSIT
    assert transfer.valid_until == dt.date(2027, 2, 28)  # three months; February is shorter
    assert transfer.letter_number == f"CN-TEST-2026-{transfer.pk:06d}"
    assert transfer.dues_paid_until == "2026-10"


def test_without_approval_configured_the_draft_is_issued_directly(
    county: Any, settings: Any
) -> None:
    settings.DANGJIAN_RULES = {
        **settings.DANGJIAN_RULES,
        "transfer_requires_approval": False,
        "transfer_letter_valid_months": 1,
    }
    transfer = draft(county.east_secretary, county.zhang, county.west_village)
    assert services.allowed_actions(county.east_secretary, transfer)[0] == "issue"
    with pytest.raises(ValidationError):
        services.transfer_submit(actor=county.east_secretary, transfer=transfer)
    transfer = services.transfer_issue(
        actor=county.east_secretary,
        transfer=transfer,
        dues_paid_until="2026-09",
        on=dt.date(2026, 1, 31),
    )
    assert transfer.valid_until == dt.date(2026, 2, 28)


def test_in_transit_the_sender_keeps_the_member(county: Any) -> None:
    """While the letter travels the member is on the sender's roster, shown as 转出中."""
    transfer = issued(county.east_secretary, county.east_admin, county.zhang, county.west_village)
    open_rows = Membership.objects.filter(member=county.zhang, ended_on__isnull=True)
    assert [m.organization_id for m in open_rows] == [county.east_village.pk]
    assert selectors.transferring_out_ids([county.zhang.pk, county.li.pk]) == {county.zhang.pk}
    assert list(selectors.transferring_out_of(county.east)) == [transfer]


def test_receipt_moves_the_membership_on_one_date(county: Any) -> None:
    """The old row closes and the new opens the same day; the on-moved hooks run."""
    moved: list[dict[str, Any]] = []

    def receiver(**kwargs: Any) -> None:
        moved.append(kwargs)

    hooks.register_on_moved(receiver)
    try:
        transfer = issued(
            county.east_secretary, county.east_admin, county.zhang, county.west_village
        )
        with pytest.raises(PermissionDenied):  # the sending side does not receive
            services.transfer_receive(actor=county.east_secretary, transfer=transfer)
        transfer = services.transfer_receive(actor=county.west_admin, transfer=transfer)
    finally:
        hooks._on_moved.remove(receiver)  # registered for this test only
    assert transfer.state == TransferState.RECEIVED
    rows = list(Membership.objects.filter(member=county.zhang).order_by("started_on", "id"))
    assert rows[-2].organization == county.east_village
    assert rows[-2].ended_on == rows[-1].started_on == today()
    assert rows[-2].how_removed == HowRemoved.MOVED_WITHIN
    assert rows[-1].organization == county.west_village
    assert rows[-1].how_added == HowAdded.TRANSFERRED_IN
    assert rows[-1].ended_on is None
    assert moved[0]["to_organization"] == county.west_village
    # A second receipt loses: the transfer is closed.
    with pytest.raises(ValidationError) as caught:
        services.transfer_receive(actor=county.west_admin, transfer=transfer)
    assert "wrong_state" in codes(caught.value)


def test_return_needs_a_reason_and_leaves_the_member(county: Any) -> None:
    transfer = issued(county.east_secretary, county.east_admin, county.zhang, county.west_village)
    with pytest.raises(ValidationError):
        services.transfer_return(actor=county.west_admin, transfer=transfer, reason="  ")
    with pytest.raises(PermissionDenied):
        services.transfer_return(actor=county.east_admin, transfer=transfer, reason="x")
    transfer = services.transfer_return(
        actor=county.west_admin, transfer=transfer, reason="名称有误"
    )
    assert transfer.state == TransferState.RETURNED
    assert transfer.closing_reason == "名称有误"
    assert (
        Membership.objects.get(member=county.zhang, ended_on__isnull=True).organization
        == county.east_village
    )


def test_cancel_is_the_senders_and_only_while_open(county: Any) -> None:
    transfer = issued(county.east_secretary, county.east_admin, county.zhang, county.west_village)
    with pytest.raises(PermissionDenied):
        services.transfer_cancel(actor=county.west_admin, transfer=transfer, reason="x")
    services.transfer_cancel(actor=county.east_secretary, transfer=transfer, reason="本人不去了")
    with pytest.raises(ValidationError):
        services.transfer_cancel(actor=county.east_secretary, transfer=transfer, reason="again")


def test_a_letter_past_its_validity_expires_the_transfer(county: Any, time_machine: Any) -> None:
    """Receipt after the validity is refused; the nightly job expires it; the member stays."""
    time_machine.move_to(dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC), tick=False)
    transfer = issued(county.east_admin, county.county_admin, county.qian, county.west_village)
    with pytest.raises(ValidationError) as caught:
        services.transfer_expire(actor=county.east_admin, transfer=transfer)
    assert "not_expired" in codes(caught.value)
    assert services.transfers_expire_overdue() == 0
    time_machine.move_to(dt.datetime(2026, 6, 2, 10, 0, tzinfo=dt.UTC), tick=False)
    assert [t.pk for t in selectors.transfer_list(user=county.county_admin, which="overdue")] == [
        transfer.pk
    ]
    with pytest.raises(ValidationError) as caught:
        services.transfer_receive(actor=county.west_admin, transfer=transfer)
    assert "letter_expired" in codes(caught.value)
    assert services.allowed_actions(county.west_admin, transfer) == ["return", "expire"]
    assert services.transfers_expire_overdue() == 1
    transfer.refresh_from_db()
    assert transfer.state == TransferState.EXPIRED
    assert (
        Membership.objects.get(member=county.qian, ended_on__isnull=True).organization
        == county.south_village
    )


def test_lists_for_each_side(county: Any) -> None:
    transfer = issued(county.east_secretary, county.east_admin, county.zhang, county.west_village)
    waiting = draft(county.east_secretary, county.li, county.south_village)

    def ids(user: Any, which: str) -> set[int]:
        return {t.pk for t in selectors.transfer_list(user=user, which=which)}

    assert ids(county.east_secretary, "outgoing") == {transfer.pk, waiting.pk}
    assert ids(county.west_admin, "incoming") == {transfer.pk}
    assert ids(county.west_admin, "outgoing") == set()
    assert ids(county.east_admin, "incoming") == set()
    assert ids(county.east_admin, "in_transit") == {transfer.pk}
    assert ids(county.member_user, "outgoing") == set()  # a member only sees their own
    assert {t.pk for t in selectors.scoped_transfers(county.member_user)} == {transfer.pk}


# --- mobile members ----------------------------------------------------------------------------


def test_outflow_contact_and_return(county: Any, time_machine: Any) -> None:
    """Outflow makes the member 流动 and keeps them on the home roster; return closes it."""
    time_machine.move_to(dt.datetime(2026, 9, 1, 10, 0, tzinfo=dt.UTC), tick=False)
    outflow = mobile.outflow_create(
        actor=county.east_secretary,
        member=county.wang,
        region_code="440300",
        left_on=dt.date(2026, 1, 10),
        reason=OutflowReason.WORK,
        city="宝安区",
        contact="13800000000",
    )
    county.wang.refresh_from_db()
    assert county.wang.status == MemberStatus.MOBILE
    assert (
        Membership.objects.get(member=county.wang, ended_on__isnull=True).organization
        == county.east_village
    )
    assert list(selectors.mobile_members_not_heard_from(county.east, today())) == [outflow]
    assert list(selectors.mobile_members_not_heard_from(county.west, today())) == []
    with pytest.raises(ValidationError):
        mobile.outflow_create(
            actor=county.east_secretary,
            member=county.wang,
            region_code="350200",
            left_on=dt.date(2026, 2, 1),
            reason=OutflowReason.WORK,
        )
    with pytest.raises(PermissionDenied):
        mobile.outflow_contact(actor=county.west_admin, outflow=outflow, on=dt.date(2026, 8, 1))
    mobile.outflow_contact(actor=county.east_secretary, outflow=outflow, on=dt.date(2026, 8, 1))
    assert list(selectors.mobile_members_not_heard_from(county.east, today())) == []
    assert selectors.outflow_counts_by_province(user=county.east_admin) == [("440000", "广东省", 1)]
    mobile.outflow_return(actor=county.east_secretary, outflow=outflow, on=dt.date(2026, 8, 20))
    county.wang.refresh_from_db()
    assert county.wang.status == MemberStatus.NORMAL
    assert list(selectors.outflow_list(user=county.east_admin)) == []


def test_outflow_refuses_an_unknown_region_and_a_future_date(county: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        mobile.outflow_create(
            actor=county.east_secretary,
            member=county.wang,
            region_code="999999",
            left_on=today() + dt.timedelta(days=3),
            reason=OutflowReason.WORK,
        )
    assert set(caught.value.message_dict) == {"region_code", "left_on"}


def test_receipt_ends_a_mobile_members_outflow(county: Any) -> None:
    """A mobile member whose relationship moves is no longer mobile."""
    mobile.outflow_create(
        actor=county.east_secretary,
        member=county.zhang,
        region_code="330200",
        left_on=today() - dt.timedelta(days=300),
        reason=OutflowReason.BUSINESS,
    )
    transfer = issued(county.east_secretary, county.east_admin, county.zhang, county.west_village)
    services.transfer_receive(actor=county.west_admin, transfer=transfer)
    county.zhang.refresh_from_db()
    assert county.zhang.status == MemberStatus.NORMAL
    assert not county.zhang.outflows.filter(returned_on__isnull=True).exists()


def test_inflow_is_registered_by_the_host(county: Any) -> None:
    with pytest.raises(PermissionDenied):
        mobile.inflow_create(
            actor=county.east_secretary,
            host_organization=county.west_village,
            name="外来",
            home_organization_name="某省某村党支部",
            arrived_on=today(),
            reason=OutflowReason.WORK,
        )
    inflow = mobile.inflow_create(
        actor=county.west_admin,
        host_organization=county.west_village,
        name="外来",
        home_organization_name="湖南省某村党支部",
        arrived_on=today(),
        reason=OutflowReason.WORK,
        has_certificate=True,
    )
    assert list(selectors.scoped_inflows(county.west_admin)) == [inflow]
    assert list(selectors.scoped_inflows(county.east_admin)) == []
    mobile.inflow_leave(actor=county.west_admin, inflow=inflow, on=today())
    with pytest.raises(ValidationError):
        mobile.inflow_leave(actor=county.west_admin, inflow=inflow, on=today())


def test_the_letter_and_the_mobile_list_read_dues_and_certificates(county: Any) -> None:
    """党费交至 comes from the dues ledger; the certificate column from the certificates app."""
    import datetime as dt
    from decimal import Decimal

    import time_machine

    from dangjian.certificates.services import certificate_issue
    from dangjian.dues import services as dues_services
    from dangjian.dues.choices import DuesCategory
    from dangjian.site.testing import system_user

    assert selectors.dues_paid_until(county.zhang) is None
    with time_machine.travel(dt.datetime(2026, 11, 15, 10, tzinfo=dt.UTC), tick=False):
        dues_services.profile_set(
            actor=system_user(),
            member=county.zhang,
            category=DuesCategory.EMPLOYED,
            base=Decimal("3200"),
            effective_from=dt.date(2026, 1, 1),
        )
        for month in (1, 2, 3):
            dues_services.ledger_generate(
                actor=system_user(), organization=county.county, month=dt.date(2026, month, 1)
            )
        dues_services.payment_record(
            actor=system_user(),
            member=county.zhang,
            amount=Decimal("96.00"),
            paid_on=dt.date(2026, 11, 15),
            method="CASH",
        )
        assert selectors.dues_paid_until(county.zhang) == "2026-03"
    assert selectors.CERTIFICATE_LOOKUP_WIRED
    assert selectors.valid_certificate_member_ids([county.zhang.pk, county.li.pk]) == set()
    certificate_issue(actor=county.east_secretary, member=county.zhang)
    assert selectors.valid_certificate_member_ids([county.zhang.pk, county.li.pk]) == {
        county.zhang.pk
    }


def test_a_member_moved_meanwhile_is_not_received_on_the_old_letter(county: Any) -> None:
    """If the member was placed elsewhere by another way while the letter travelled (here taken
    off the roster and restored in another branch), receipt says so."""
    from dangjian.members import services as member_services

    transfer = issued(county.east_secretary, county.east_admin, county.zhang, county.west_village)
    member_services.member_remove(
        actor=county.east_admin,
        member=county.zhang,
        how_removed=HowRemoved.SUSPENDED,
        on=today(),
        reason="停止党籍",
    )
    member_services.member_restore(
        actor=county.east_admin,
        member=county.zhang,
        organization=county.south_village,
        on=today(),
        reason="恢复党籍",
    )
    with pytest.raises(ValidationError) as caught:
        services.transfer_receive(actor=county.west_admin, transfer=transfer)
    assert "moved_meanwhile" in codes(caught.value)
