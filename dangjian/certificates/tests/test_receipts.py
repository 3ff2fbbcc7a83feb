"""Attendance that travels (docs/attendance-receipt.md): a guest of another deployment checked in
here and the receipt that takes it home; a receipt from another deployment credited here."""

from __future__ import annotations

import copy
import datetime as dt
import json
import uuid
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from dangjian.activities import services as activity_services
from dangjian.activities.choices import ActivityKind
from dangjian.activities.models import Attendance, LifeElsewhere, VisitingGuest
from dangjian.alerts.engine import RULES
from dangjian.audit.models import AuditEvent
from dangjian.certificates import receipts, services
from dangjian.certificates.choices import RevocationReason
from dangjian.certificates.models import AttendanceReceipt
from dangjian.core import signing
from dangjian.core.dates import today
from dangjian.exchange import documents
from dangjian.members import services as member_services
from dangjian.members.choices import ArchiveKind, HowRemoved
from dangjian.members.models import ArchiveEntry

from .federation import OTHER_ISSUER, other_card, other_sign, trust_other

pytestmark = pytest.mark.django_db


def held(county: Any, *, days_ago: int = 1, kind: str = ActivityKind.THEME_DAY) -> Any:
    activity = activity_services.activity_create(
        actor=county.county_admin,
        organization=county.east_village,
        data={"kind": kind, "topic": "周五活动日", "on": today() - dt.timedelta(days=days_ago)},
    )
    activity_services.activity_record(actor=county.east_secretary, activity=activity)
    return activity


# --- the host -------------------------------------------------------------------------------


def test_a_card_of_a_trusted_deployment_records_a_visiting_guest(
    client: Client, county: Any
) -> None:
    trust_other()
    activity = held(county)
    text, claims = other_card(name="周游", organization_code="O0042")
    client.force_login(county.east_secretary)
    response = client.post(f"/cards/checkin/{activity.pk}/", {"payload": text})
    assert response.status_code == 302
    guest = VisitingGuest.objects.get(activity=activity)
    assert (guest.name, guest.home_issuer, guest.home_organization_code) == (
        "周游",
        OTHER_ISSUER,
        "O0042",
    )
    assert guest.certificate_serial == claims.serial_hex
    assert guest.member_public_id == claims.member_public_id
    assert not Attendance.objects.filter(activity=activity, is_guest=True).exists()
    page = client.get(f"/activities/{activity.pk}/")
    assert "周游" in page.content.decode()
    # The same card again is refused; the row stays one.
    client.post(f"/cards/checkin/{activity.pk}/", {"payload": text})
    assert VisitingGuest.objects.filter(activity=activity).count() == 1


def test_a_card_of_an_untrusted_deployment_records_nothing(client: Client, county: Any) -> None:
    activity = held(county)
    text, _claims = other_card()
    client.force_login(county.east_secretary)
    response = client.post(f"/cards/checkin/{activity.pk}/", {"payload": text})
    assert response.status_code == 200
    assert "信任列表" in response.content.decode()
    assert not VisitingGuest.objects.exists()


def test_only_the_host_checks_visiting_guests_in(client: Client, county: Any) -> None:
    trust_other()
    activity = held(county)
    text, _claims = other_card()
    client.force_login(county.west_admin)
    assert client.post(f"/cards/checkin/{activity.pk}/", {"payload": text}).status_code == 404
    client.force_login(county.east_observer)
    assert client.post(f"/cards/checkin/{activity.pk}/", {"payload": text}).status_code == 403
    assert not VisitingGuest.objects.exists()


def _checked_in(county: Any, n: int = 2) -> list[Any]:
    trust_other()
    activity = held(county)
    rows = []
    for i in range(n):
        _text, claims = other_card(name=f"来宾{i}")
        result = services.VerificationResult(outcome=services.Outcome.VALID, claims=claims)
        rows.append(
            receipts.visiting_guest_checkin(
                actor=county.east_secretary, activity=activity, result=result
            )
        )
    return rows


def test_the_host_exports_one_signed_receipt_for_the_guests_of_a_deployment(
    county: Any,
) -> None:
    guests = _checked_in(county)
    document = receipts.attendance_receipt_export(
        actor=county.east_secretary, home_issuer=OTHER_ISSUER
    )
    verified = documents.verify(document, receipts.RECEIPT_FORMAT, what="t")
    assert verified.issuer == signing.issuer()
    payload = verified.payload
    assert payload["to"] == OTHER_ISSUER
    assert {e["id"] for e in payload["entries"]} == {str(g.public_id) for g in guests}
    entry = payload["entries"][0]
    assert entry["host_organization"] == {"name": "东村党支部", "code": "C0003"}
    assert entry["kind"] == ActivityKind.THEME_DAY
    assert "id_number" not in json.dumps(payload)
    assert all(
        g.receipt_sha256 == verified.sha256
        for g in VisitingGuest.objects.filter(activity__pk__gt=0)
    )
    assert AuditEvent.objects.filter(target_type="certificates.attendancereceipt").exists()
    # Sent once: nothing is left to export.
    with pytest.raises(ValidationError) as caught:
        receipts.attendance_receipt_export(actor=county.east_secretary, home_issuer=OTHER_ISSUER)
    assert caught.value.code == "nothing_to_export"


def test_a_manager_elsewhere_exports_nothing_of_another_branch(county: Any) -> None:
    _checked_in(county)
    with pytest.raises(ValidationError) as caught:
        receipts.attendance_receipt_export(actor=county.west_admin, home_issuer=OTHER_ISSUER)
    assert caught.value.code == "nothing_to_export"
    assert receipts.pending_by_home(county.west_admin) == []
    assert receipts.pending_by_home(county.east_admin) == [(OTHER_ISSUER, 2)]


def test_the_receipts_page_exports_and_downloads_again(client: Client, county: Any) -> None:
    _checked_in(county, n=1)
    client.force_login(county.east_secretary)
    page = client.get("/cards/receipts/")
    assert page.status_code == 200
    assert OTHER_ISSUER in page.content.decode()
    response = client.post(f"/cards/receipts/export/{OTHER_ISSUER}/")
    assert response.status_code == 200
    first = json.loads(response.content)
    assert first["payload"]["to"] == OTHER_ISSUER
    receipt = AttendanceReceipt.objects.get()
    again = client.get(f"/cards/receipts/{receipt.pk}/")
    assert json.loads(again.content) == first
    # Another exporter's receipt is not theirs to download; a member has no receipts page.
    client.force_login(county.west_admin)
    assert client.get(f"/cards/receipts/{receipt.pk}/").status_code == 404
    client.force_login(county.member_user)
    assert client.get("/cards/receipts/").status_code == 403


def test_a_guest_recorded_by_mistake_is_removed_by_the_host_only(
    client: Client, county: Any
) -> None:
    (guest,) = _checked_in(county, n=1)
    url = f"/activities/{guest.activity_id}/visiting/{guest.pk}/remove/"
    client.force_login(county.east_observer)
    assert client.post(url).status_code == 403
    client.force_login(county.west_admin)
    assert client.post(url).status_code == 404
    assert VisitingGuest.objects.filter(pk=guest.pk).exists()
    client.force_login(county.east_secretary)
    assert client.post(url).status_code == 302
    assert not VisitingGuest.objects.filter(pk=guest.pk).exists()


def test_a_guest_already_sent_home_cannot_be_removed(county: Any) -> None:
    (guest,) = _checked_in(county, n=1)
    receipts.attendance_receipt_export(actor=county.east_secretary, home_issuer=OTHER_ISSUER)
    guest.refresh_from_db()
    with pytest.raises(ValidationError) as caught:
        activity_services.visiting_guest_remove(actor=county.east_secretary, guest=guest)
    assert caught.value.code == "receipt_exported"


# --- the home deployment --------------------------------------------------------------------


def _issued(county: Any, member: Any, days_ago: int = 90) -> Any:
    return services.certificate_issue(
        actor=county.county_admin, member=member, on=today() - dt.timedelta(days=days_ago)
    )


def _entry(certificate: Any, member: Any, *, days_ago: int = 10, **over: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "serial": certificate.serial,
        "member": str(member.public_id),
        "name": member.name,
        "home_organization_code": certificate.organization.code,
        "on": (today() - dt.timedelta(days=days_ago)).isoformat(),
        "kind": ActivityKind.THEME_DAY,
        "topic": "周五活动日",
        "place": "红岩家园党员服务中心",
        "host_organization": {"name": "外县党员服务中心", "code": "O0100"},
        **over,
    }


def _receipt(*entries: dict[str, Any], to: str | None = None) -> dict[str, Any]:
    payload = {
        "to": to or signing.issuer(),
        "exported_at": "2026-12-01T10:00:00+08:00",
        "entries": list(entries),
    }
    return other_sign(receipts.RECEIPT_FORMAT, payload)


def _no_life(county: Any) -> set[str]:
    return {case.subject for case in RULES["no_life"].find(county.county, today())}


def test_a_receipt_credits_the_member_and_clears_the_article_9_alert(county: Any) -> None:
    trust_other()
    certificate = _issued(county, county.zhang)
    assert f"member:{county.zhang.pk}" in _no_life(county)
    receipt = receipts.attendance_receipt_import(
        actor=county.county_admin, document=_receipt(_entry(certificate, county.zhang))
    )
    assert (receipt.entries, receipt.credited, receipt.counterpart) == (1, 1, OTHER_ISSUER)
    assert receipt.kid == other_sign(receipts.RECEIPT_FORMAT, {})["kid"]
    assert receipt.outcomes[0]["outcome"] == "credited"
    row = LifeElsewhere.objects.get(member=county.zhang)
    assert (row.organization, row.host_issuer, row.host_organization) == (
        county.east_village,
        OTHER_ISSUER,
        "外县党员服务中心",
    )
    entry = ArchiveEntry.objects.get(member=county.zhang, kind=ArchiveKind.LIFE_ELSEWHERE)
    assert OTHER_ISSUER in entry.summary
    assert f"member:{county.zhang.pk}" not in _no_life(county)
    event = AuditEvent.objects.get(target_type="certificates.attendancereceipt")
    assert receipt.kid in event.summary


def _nothing_written() -> None:
    assert not LifeElsewhere.objects.exists()
    assert not AttendanceReceipt.objects.exists()
    assert not ArchiveEntry.objects.filter(kind=ArchiveKind.LIFE_ELSEWHERE).exists()


def _refused(county: Any, document: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        receipts.attendance_receipt_import(actor=county.county_admin, document=document)
    return str(caught.value.code)


def test_tampered_unknown_and_misaddressed_receipts_write_nothing(county: Any) -> None:
    certificate = _issued(county, county.zhang)
    document = _receipt(_entry(certificate, county.zhang))
    assert _refused(county, document) == "unknown_issuer"  # the key is not trusted yet
    trust_other()
    tampered = copy.deepcopy(document)
    tampered["payload"]["entries"][0]["on"] = today().isoformat()
    assert _refused(county, tampered) == "bad_signature"
    assert _refused(county, json.dumps(document).encode()[:-5]) == "not_json"
    assert _refused(county, {**document, "format": "dangjian-transfer-receipt/1"}) == "bad_format"
    assert _refused(county, _receipt(_entry(certificate, county.zhang), to="CN-ELSE")) == (
        "not_for_us"
    )
    assert _refused(county, _receipt(_entry(certificate, county.zhang, kind="NAP"))) == (
        "incomplete"
    )
    _nothing_written()


def test_a_replayed_receipt_is_refused(county: Any) -> None:
    trust_other()
    certificate = _issued(county, county.zhang)
    entry = _entry(certificate, county.zhang)
    document = _receipt(entry)
    receipts.attendance_receipt_import(actor=county.county_admin, document=document)
    assert _refused(county, document) == "replayed"
    assert LifeElsewhere.objects.count() == 1
    # The same entry in a new file is not credited twice.
    again = receipts.attendance_receipt_import(
        actor=county.county_admin, document=_receipt(entry, _entry(certificate, county.zhang))
    )
    assert [o["outcome"] for o in again.outcomes] == ["already_credited", "credited"]
    assert LifeElsewhere.objects.count() == 2


def test_unknown_revoked_and_expired_cards_are_not_credited(county: Any) -> None:
    trust_other()
    zhang = _issued(county, county.zhang)
    li = _issued(county, county.li)
    services.certificate_revoke(
        actor=county.county_admin, certificate=li, reason=RevocationReason.OTHER
    )
    receipt = receipts.attendance_receipt_import(
        actor=county.county_admin,
        document=_receipt(
            _entry(zhang, county.zhang, serial="00" * 8),  # a serial we never issued
            _entry(zhang, county.li),  # zhang's card, another member
            _entry(li, county.li, days_ago=0),  # revoked before (on) the day
            _entry(zhang, county.zhang, days_ago=200),  # before the card was valid
        ),
    )
    assert [o["outcome"] for o in receipt.outcomes] == [
        "unknown_card",
        "unknown_card",
        "revoked",
        "expired",
    ]
    assert receipt.credited == 0
    assert not LifeElsewhere.objects.exists()


def test_a_member_who_moved_since_is_credited_at_the_current_branch(county: Any) -> None:
    trust_other()
    certificate = _issued(county, county.zhang)
    # Attended 10 days ago; moved 5 days ago (the move revokes the card, after the activity).
    member_services.membership_move(
        actor=county.county_admin,
        member=county.zhang,
        organization=county.west_village,
        on=today() - dt.timedelta(days=5),
        reason="调整",
    )
    receipt = receipts.attendance_receipt_import(
        actor=county.county_admin, document=_receipt(_entry(certificate, county.zhang))
    )
    assert receipt.outcomes[0]["outcome"] == "credited"
    assert LifeElsewhere.objects.get().organization == county.west_village


def test_a_member_no_longer_on_the_roster_is_not_credited(county: Any) -> None:
    trust_other()
    certificate = _issued(county, county.zhang)
    member_services.member_remove(
        actor=county.county_admin,
        member=county.zhang,
        how_removed=HowRemoved.DIED,
        on=today(),
        reason="病故",
    )
    receipt = receipts.attendance_receipt_import(
        actor=county.county_admin, document=_receipt(_entry(certificate, county.zhang))
    )
    assert receipt.outcomes[0]["outcome"] == "not_on_roster"
    assert not LifeElsewhere.objects.exists()


def test_only_a_top_administrator_imports(client: Client, county: Any) -> None:
    trust_other()
    certificate = _issued(county, county.zhang)
    document = _receipt(_entry(certificate, county.zhang))
    with pytest.raises(PermissionDenied):
        receipts.attendance_receipt_import(actor=county.east_admin, document=document)
    client.force_login(county.east_admin)
    file = SimpleUploadedFile("r.json", documents.dumps(document))
    assert client.post("/cards/receipts/", {"file": file}).status_code == 403
    _nothing_written()
    client.force_login(county.county_admin)
    file = SimpleUploadedFile("r.json", documents.dumps(document))
    response = client.post("/cards/receipts/", {"file": file}, follow=True)
    assert response.status_code == 200
    assert LifeElsewhere.objects.filter(member=county.zhang).exists()
    assert "credited" in response.content.decode()
    member_page = client.get(f"/members/{county.zhang.pk}/")
    assert "外县党员服务中心" in member_page.content.decode()


def test_the_api_exports_and_imports_attendance_receipts(client: Client, county: Any) -> None:
    """/api/v1/cards/receipts/…: the host exports (its own guests only), the home imports (a
    top-level administrator); refusals in the error shape write nothing."""
    _checked_in(county, 1)

    def post(path: str, body: Any) -> Any:
        return client.post(f"/api/v1/cards/receipts/{path}", body, content_type="application/json")

    client.force_login(county.west_admin)
    assert client.get("/api/v1/cards/receipts/pending").json() == []
    assert post("export", {"home_issuer": OTHER_ISSUER}).json()["code"] == "nothing_to_export"
    client.force_login(county.east_secretary)
    pending = client.get("/api/v1/cards/receipts/pending").json()
    assert pending == [{"home_issuer": OTHER_ISSUER, "guests": 1}]
    exported = post("export", {"home_issuer": OTHER_ISSUER}).json()
    assert documents.verify(exported, receipts.RECEIPT_FORMAT, what="t").payload["to"] == (
        OTHER_ISSUER
    )
    certificate = _issued(county, county.zhang)
    document = _receipt(_entry(certificate, county.zhang))
    refused = post("import", {"document": document})
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    client.force_login(county.county_admin)
    tampered = copy.deepcopy(document)
    tampered["payload"]["entries"][0]["on"] = today().isoformat()
    assert post("import", {"document": tampered}).json()["code"] == "bad_signature"
    assert not LifeElsewhere.objects.exists()
    imported = post("import", {"document": document})
    assert imported.status_code == 201
    body = imported.json()
    assert (body["counterpart"], body["kid"], body["credited"]) == (
        OTHER_ISSUER,
        document["kid"],
        1,
    )
    assert post("import", {"document": document}).json()["code"] == "replayed"
    listed = client.get("/api/v1/cards/receipts").json()
    assert next((r["direction"], r["kid"]) for r in listed["items"]) == ("in", document["kid"])
