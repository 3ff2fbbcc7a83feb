"""调整组织关系 (membership_move) refuses a member in the middle of a transfer: the guard the
transfers app registers in members.guards."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from dangjian.core.dates import today
from dangjian.members import services as member_services
from dangjian.members.models import Membership
from dangjian.transfers import services
from dangjian.transfers.choices import TransferState

from .helpers import draft, issued

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("step", ["draft", "issued"])
def test_a_member_in_a_transfer_cannot_be_moved_by_hand(county: Any, step: str) -> None:
    """调整组织关系 refuses a member whose transfer is open and names the transfer; once the
    transfer is closed, the move goes through."""
    if step == "draft":
        transfer = draft(county.east_secretary, county.zhang, county.west_village)
    else:
        transfer = issued(
            county.east_secretary, county.east_admin, county.zhang, county.west_village
        )
    count = county.zhang.archive.count()
    with pytest.raises(ValidationError) as caught:
        member_services.membership_move(
            actor=county.east_admin,
            member=county.zhang,
            organization=county.south_village,
            on=today(),
            reason="调整",
        )
    assert caught.value.code == "open_transfer"
    message = caught.value.messages[0]
    assert message.startswith("该党员有一项进行中的组织关系转接（")
    assert "转往 西村党支部" in message
    assert "请先办结或撤销该转接" in message
    if step == "issued":
        transfer.refresh_from_db()
        assert f"介绍信 {transfer.letter_number}，" in message
    else:
        assert "草稿" in message
    assert county.zhang.archive.count() == count
    assert (
        Membership.objects.get(member=county.zhang, ended_on__isnull=True).organization
        == county.east_village
    )

    services.transfer_cancel(
        actor=county.east_secretary, transfer=transfer, reason="改为本系统内调整"
    )
    member_services.membership_move(
        actor=county.east_admin,
        member=county.zhang,
        organization=county.south_village,
        on=today(),
        reason="调整",
    )
    assert (
        Membership.objects.get(member=county.zhang, ended_on__isnull=True).organization
        == county.south_village
    )


def test_the_move_page_shows_why_it_refuses(county: Any, client: Client) -> None:
    issued(county.east_secretary, county.east_admin, county.zhang, county.west_village)
    client.force_login(county.east_admin)
    response = client.post(
        f"/members/{county.zhang.pk}/move/",
        {"organization": county.south_village.pk, "on": today().isoformat(), "reason": "调整"},
    )
    assert response.status_code == 200
    assert "该党员有一项进行中的组织关系转接" in response.content.decode()
    assert Membership.objects.get(member=county.zhang, ended_on__isnull=True).organization == (
        county.east_village
    )


def test_the_receipt_itself_is_not_refused_by_the_guard(county: Any) -> None:
    """The transfer's own receipt is the move the guard waits for."""
    transfer = issued(county.east_secretary, county.east_admin, county.zhang, county.west_village)
    services.transfer_receive(actor=county.west_admin, transfer=transfer)
    transfer.refresh_from_db()
    assert transfer.state == TransferState.RECEIVED
