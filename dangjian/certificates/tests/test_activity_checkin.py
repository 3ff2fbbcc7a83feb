"""Open organizational life: a host branch scans a guest's certificate on its activity."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import Client

from dangjian.activities import selectors as activity_selectors
from dangjian.activities import services as activity_services
from dangjian.activities.choices import ActivityKind
from dangjian.activities.models import Attendance
from dangjian.certificates import services
from dangjian.core.dates import today


def held_meeting(county: Any) -> Any:
    meeting = activity_services.activity_create(
        actor=county.county_admin,
        organization=county.east_village,
        data={
            "kind": ActivityKind.GENERAL_MEETING,
            "topic": "主题党日",
            "on": today() - dt.timedelta(days=1),
        },
    )
    activity_services.activity_record(actor=county.east_secretary, activity=meeting)
    return meeting


def test_a_scanned_certificate_records_the_guest_in_the_home_branch(
    client: Client, county: Any
) -> None:
    meeting = held_meeting(county)
    certificate = services.certificate_issue(actor=county.west_admin, member=county.sun)
    client.force_login(county.east_secretary)
    page = client.get(f"/cards/checkin/{meeting.pk}/")
    assert page.status_code == 200
    response = client.post(f"/cards/checkin/{meeting.pk}/", {"payload": certificate.payload})
    assert response.status_code == 302
    row = Attendance.objects.get(activity=meeting, member=county.sun)
    assert row.is_guest
    assert row.via == "certificate"
    assert row.certificate_serial == certificate.serial
    assert row.home_organization == county.west_village
    assert meeting.pk in {a.activity_id for a in activity_selectors.member_life(county.sun)}


def test_a_bad_certificate_records_nothing(client: Client, county: Any) -> None:
    meeting = held_meeting(county)
    certificate = services.certificate_issue(actor=county.west_admin, member=county.sun)
    tampered = (
        certificate.payload[:-3]
        + ("A" if certificate.payload[-3] != "A" else "B")
        + certificate.payload[-2:]
    )
    client.force_login(county.east_secretary)
    response = client.post(f"/cards/checkin/{meeting.pk}/", {"payload": tampered})
    assert response.status_code == 200
    assert not Attendance.objects.filter(activity=meeting, member=county.sun).exists()


def test_only_the_host_may_check_guests_in(client: Client, county: Any) -> None:
    meeting = held_meeting(county)
    certificate = services.certificate_issue(actor=county.west_admin, member=county.sun)
    client.force_login(county.west_admin)
    assert (
        client.post(f"/cards/checkin/{meeting.pk}/", {"payload": certificate.payload}).status_code
        == 404
    )
    client.force_login(county.east_observer)
    assert (
        client.post(f"/cards/checkin/{meeting.pk}/", {"payload": certificate.payload}).status_code
        == 403
    )
    assert not Attendance.objects.filter(activity=meeting, member=county.sun).exists()
