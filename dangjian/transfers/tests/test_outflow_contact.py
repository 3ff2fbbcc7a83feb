"""An outflow's contact starts from the member's phone: prefilled (an audited reveal) and
editable on the form; left blank it is the phone on the record; typed, it is what was typed."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from dangjian.audit.choices import AuditAction
from dangjian.audit.models import AuditEvent
from dangjian.core.dates import today
from dangjian.transfers import mobile
from dangjian.transfers.choices import OutflowReason
from dangjian.transfers.models import Outflow

pytestmark = pytest.mark.django_db


def _create(county: Any, member: Any, contact: str) -> Outflow:
    return mobile.outflow_create(
        actor=county.east_secretary,
        member=member,
        region_code="440300",
        left_on=today() - dt.timedelta(days=30),
        reason=OutflowReason.WORK,
        contact=contact,
    )


def test_blank_contact_is_the_members_phone(county: Any) -> None:
    assert _create(county, county.zhang, "").contact == "13812345678"


def test_a_typed_contact_replaces_the_phone(county: Any) -> None:
    assert _create(county, county.zhang, " 微信 zhangsan88 ").contact == "微信 zhangsan88"


def test_no_phone_no_contact(county: Any) -> None:
    assert county.li.phone == ""
    assert _create(county, county.li, "").contact == ""


def test_the_form_prefills_the_phone_and_audits_the_reveal(client: Client, county: Any) -> None:
    client.force_login(county.east_secretary)
    url = f"/transfers/mobile/new/?member={county.zhang.pk}"
    page = client.get(url).content.decode()
    assert 'value="13812345678"' in page
    assert "138******78" in page  # the help text names it masked
    reveal = AuditEvent.objects.get(action=AuditAction.REVEAL, target_id=str(county.zhang.pk))
    assert "13812345678" not in reveal.summary
    client.post(
        url,
        {
            "region_code": "440300",
            "left_on": (today() - dt.timedelta(days=30)).isoformat(),
            "reason": OutflowReason.WORK,
            "contact": "13900002222",
        },
    )
    assert Outflow.objects.get(member=county.zhang).contact == "13900002222"


def test_a_role_that_may_not_reveal_gets_no_prefill(client: Client, county: Any) -> None:
    """Without the right to reveal, nothing is prefilled and nothing audited; blank still
    means the phone on the record."""
    assert mobile.outflow_contact_prefill(actor=county.east_observer, member=county.zhang) == ""
    assert not AuditEvent.objects.filter(action=AuditAction.REVEAL).exists()


def test_out_of_scope_and_read_only_users_get_no_form(client: Client, county: Any) -> None:
    url = f"/transfers/mobile/new/?member={county.zhang.pk}"
    client.force_login(county.west_admin)
    assert client.get(url).status_code == 404
    client.force_login(county.east_observer)
    assert client.get(url).status_code == 403
    assert not AuditEvent.objects.filter(action=AuditAction.REVEAL).exists()


def test_api_blank_contact_is_the_phone(client: Client, county: Any) -> None:
    client.force_login(county.east_secretary)
    response = client.post(
        "/api/v1/transfers/mobile/outflows",
        json.dumps(
            {
                "member_public_id": str(county.zhang.public_id),
                "region_code": "440300",
                "left_on": (today() - dt.timedelta(days=30)).isoformat(),
                "reason": OutflowReason.WORK,
            }
        ),
        "application/json",
    )
    assert response.status_code == 201
    assert Outflow.objects.get(member=county.zhang).contact == "13812345678"
