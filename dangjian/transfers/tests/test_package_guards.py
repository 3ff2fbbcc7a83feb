"""Guards of the package and receipt imports, in one database: documents are signed with this
deployment's own key (which verifies like a trusted one) so each refusal can be reached."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dangjian.core import signing
from dangjian.core.dates import today
from dangjian.members.choices import HowAdded
from dangjian.members.models import ArchiveEntry, Member, Membership
from dangjian.site.testing import member_record, new_id_number
from dangjian.transfers import exchange, package, services
from dangjian.transfers.choices import TransferKind, TransferState

pytestmark = pytest.mark.django_db


def _package(**transfer: Any) -> dict[str, Any]:
    record = member_record(name="周九")
    member = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in record.items()}
    member["id_number"] = new_id_number(record["birth_date"], record["sex"])
    payload = {
        "transfer": {
            "id": str(uuid.uuid4()),
            "letter_number": "CN-OTHER-2026-000007",
            "issued_on": today().isoformat(),
            "valid_until": (today() + dt.timedelta(days=30)).isoformat(),
            "dues_paid_until": "2026-09",
            "reason": "随子女居住",
            "from_organization": {"name": "外省某村党支部", "code": "X1"},
            "to": {"issuer": signing.issuer(), "organization": "西村党支部"},
            **transfer,
        },
        "member": member,
        "memberships": [{"organization": "外省某村党支部", "started_on": "2016-07-01"}],
        "positions": [],
        "archive": [
            {
                "at": "2016-07-01T08:00:00+00:00",
                "kind": "CREATED",
                "summary": "在 外省某村党支部 建档",
            }
        ],
    }
    return package.sign_document(package.PACKAGE_FORMAT, payload)


def codes(exc: ValidationError) -> str:
    return str(getattr(exc, "code", "") or "")


def test_a_package_creates_the_member_with_archive_and_a_receipt(county: Any) -> None:
    document = _package()
    transfer = exchange.transfer_package_import(
        actor=county.west_admin, document=document, organization=county.west_village
    )
    assert transfer.kind == TransferKind.INBOUND
    assert transfer.state == TransferState.RECEIVED
    member = Member.objects.get(pk=transfer.member_id)
    row = Membership.objects.get(member=member)
    assert (row.organization, row.how_added) == (county.west_village, HowAdded.TRANSFERRED_IN)
    copied = ArchiveEntry.objects.get(member=member, summary__contains="外省某村党支部 建档")
    assert copied.at.year == 2016  # the original time is kept
    receipt = package.verify_document(transfer.receipt, package.RECEIPT_FORMAT)
    assert receipt["payload"]["package_sha256"] == package.digest(document)
    assert transfer.package_kid == document["kid"]  # which key signed the package


def test_only_a_manager_of_the_receiving_organization_imports(county: Any) -> None:
    with pytest.raises(PermissionDenied):
        exchange.transfer_package_import(
            actor=county.east_admin, document=_package(), organization=county.west_village
        )


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"to": {"issuer": "CN-ELSEWHERE", "organization": "x"}}, "not_for_us"),
        ({"valid_until": "2020-01-01"}, "letter_expired"),
        ({"valid_until": "not a date"}, "incomplete"),
    ],
)
def test_a_package_not_for_us_expired_or_incomplete_is_refused(
    county: Any, change: dict[str, Any], code: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        exchange.transfer_package_import(
            actor=county.west_admin, document=_package(**change), organization=county.west_village
        )
    assert codes(caught.value) == code
    assert not Member.objects.filter(name="周九").exists()


def test_the_same_package_twice_creates_one_member(county: Any) -> None:
    document = _package()
    exchange.transfer_package_import(
        actor=county.west_admin, document=document, organization=county.west_village
    )
    with pytest.raises(ValidationError) as caught:
        exchange.transfer_package_import(
            actor=county.west_admin, document=document, organization=county.west_village
        )
    assert codes(caught.value) == "already_imported"
    assert Member.objects.filter(name="周九").count() == 1


def _outbound(county: Any) -> Any:
    transfer = services.transfer_create(
        actor=county.east_secretary,
        member=county.zhang,
        kind=TransferKind.OUTBOUND,
        counterpart_issuer="CN-OTHER",
        counterpart_organization="外省某村党支部",
    )
    services.transfer_submit(actor=county.east_secretary, transfer=transfer)
    services.transfer_approve(actor=county.east_admin, transfer=transfer)
    return services.transfer_issue(
        actor=county.east_secretary, transfer=transfer, dues_paid_until="2026-09"
    )


def _receipt(transfer_id: str, digest: str) -> dict[str, Any]:
    return package.sign_document(
        package.RECEIPT_FORMAT,
        {"transfer": transfer_id, "package_sha256": digest, "received_on": today().isoformat()},
    )


def test_receipts_for_unknown_transfers_or_from_the_wrong_issuer_are_refused(county: Any) -> None:
    transfer = _outbound(county)
    document = exchange.transfer_package_export(actor=county.east_secretary, transfer=transfer)
    with pytest.raises(ValidationError) as caught:
        exchange.transfer_receipt_import(
            actor=county.east_secretary, document=_receipt(str(uuid.uuid4()), "x")
        )
    assert codes(caught.value) == "unknown_transfer"
    # Signed here (CN-TEST), but the transfer went to CN-OTHER.
    with pytest.raises(ValidationError) as caught:
        exchange.transfer_receipt_import(
            actor=county.east_secretary,
            document=_receipt(str(transfer.public_id), package.digest(document)),
        )
    assert codes(caught.value) == "wrong_issuer"
    with pytest.raises(PermissionDenied):
        exchange.transfer_receipt_import(
            actor=county.west_admin,
            document=_receipt(str(transfer.public_id), package.digest(document)),
        )
    transfer.refresh_from_db()
    assert transfer.state == TransferState.IN_TRANSIT
    assert Membership.objects.get(member=county.zhang, ended_on__isnull=True)


def test_only_outbound_transfers_in_transit_export_a_package(county: Any) -> None:
    within = services.transfer_create(
        actor=county.east_secretary,
        member=county.li,
        kind=TransferKind.WITHIN,
        to_organization=county.west_village,
    )
    with pytest.raises(ValidationError) as caught:
        exchange.transfer_package_export(actor=county.east_secretary, transfer=within)
    assert codes(caught.value) == "wrong_kind"
    transfer = _outbound(county)
    with pytest.raises(PermissionDenied):
        exchange.transfer_package_export(actor=county.west_admin, transfer=transfer)


# --- the pages --------------------------------------------------------------------------------


def test_import_and_export_pages(county: Any, client: Any) -> None:
    """Upload a package, download the receipt; a changed file shows why and writes nothing."""
    from django.contrib.auth import get_user_model
    from django.core.files.uploadedfile import SimpleUploadedFile

    document = _package()
    tampered = _package()
    tampered["payload"]["member"]["name"] = "李鬼"
    client.force_login(county.west_admin)
    refused = client.post(
        "/transfers/import/",
        {
            "organization": county.west_village.pk,
            "file": SimpleUploadedFile("p.json", package.dumps(tampered)),
        },
    )
    assert refused.status_code == 200
    assert "签名无效" in refused.content.decode()
    assert not Member.objects.filter(name__in=["周九", "李鬼"]).exists()
    accepted = client.post(
        "/transfers/import/",
        {
            "organization": county.west_village.pk,
            "file": SimpleUploadedFile("p.json", package.dumps(document)),
        },
    )
    assert accepted.status_code == 302
    # The member came from elsewhere and has no account here: the page offers one.
    offer = client.get(accepted["Location"]).content.decode()
    assert 'data-testid="offer-activation"' in offer
    assert f"/invitations/org/{county.west_village.pk}/" in offer
    Member.objects.filter(name="周九").update(
        user=get_user_model().objects.create_user("zhoujiu", password=None)
    )
    assert 'data-testid="offer-activation"' not in client.get(accepted["Location"]).content.decode()
    receipt = client.get(accepted["Location"] + "receipt.json")
    assert receipt["Content-Disposition"].startswith("attachment")
    assert package.verify_document(receipt.content, package.RECEIPT_FORMAT)
    # The east side can neither see the inbound transfer nor import into the west.
    client.force_login(county.east_admin)
    assert client.get(accepted["Location"]).status_code == 404
    assert client.get(accepted["Location"] + "receipt.json").status_code == 404

    transfer = _outbound(county)
    client.force_login(county.east_secretary)
    exported = client.post(f"/transfers/{transfer.pk}/package/")
    assert exported["Content-Type"] == "application/json"
    assert package.verify_document(exported.content, package.PACKAGE_FORMAT)
    client.force_login(county.west_admin)
    assert client.post(f"/transfers/{transfer.pk}/package/").status_code == 404


def test_receipt_page_closes_the_outbound_transfer(county: Any, client: Any) -> None:
    """A receipt signed by the trusted deployment it went to closes the transfer: 转出."""
    import json

    from django.core.files.uploadedfile import SimpleUploadedFile
    from nacl.signing import SigningKey

    from dangjian.exchange import trust
    from dangjian.members.choices import MemberStatus
    from dangjian.site.testing import system_user

    other = SigningKey(bytes(range(32)))
    trust.trusted_keys_import(
        actor=system_user(),
        document=json.dumps(
            {
                "format": "dangjian-public-keys/1",
                "issuer": "CN-OTHER",
                "keys": [{"public_key": signing.b64url(bytes(other.verify_key))}],
            }
        ),
    )
    transfer = _outbound(county)
    exported = exchange.transfer_package_export(actor=county.east_secretary, transfer=transfer)
    payload = {
        "transfer": str(transfer.public_id),
        "package_sha256": package.digest(exported),
        "received_on": today().isoformat(),
        "organization": "外省某村党支部",
    }
    receipt = {
        "format": package.RECEIPT_FORMAT,
        "issuer": "CN-OTHER",
        "kid": signing.key_id(bytes(other.verify_key)).hex(),
        "signature": signing.b64url(other.sign(package.canonical(payload)).signature),
        "payload": payload,
    }
    client.force_login(county.east_secretary)
    response = client.post(
        "/transfers/receipts/import/",
        {"file": SimpleUploadedFile("r.json", package.dumps(receipt))},
    )
    assert response.status_code == 302
    transfer.refresh_from_db()
    assert transfer.state == TransferState.RECEIVED
    county.zhang.refresh_from_db()
    assert county.zhang.status == MemberStatus.TRANSFERRED_OUT
    again = client.post(
        "/transfers/receipts/import/",
        {"file": SimpleUploadedFile("r.json", package.dumps(receipt))},
    )
    assert "已经导入过" in again.content.decode()


def test_family_members_and_stays_abroad_travel_in_the_package(county: Any) -> None:
    """The 家庭成员 and 出国出境 sets go out in the package and come back in at the receiver,
    the relative's name encrypted again under the receiver's key; a package without them (an
    older sender, `_package`) still imports."""
    from dangjian.members import services as member_services
    from dangjian.members.choices import ArchiveKind, FamilyRelation, TripPurpose

    member_services.family_member_add(
        actor=county.east_secretary,
        member=county.zhang,
        relation=FamilyRelation.DAUGHTER,
        name="张小梅",
        birth_year=2008,
    )
    member_services.trip_abroad_add(
        actor=county.east_secretary,
        member=county.zhang,
        left_on=dt.date(2025, 5, 1),
        returned_on=dt.date(2025, 5, 20),
        destination="马来西亚",
        purpose=TripPurpose.PRIVATE,
    )
    transfer = services.transfer_create(
        actor=county.east_secretary,
        member=county.zhang,
        kind=TransferKind.OUTBOUND,
        counterpart_issuer="CN-OTHER",
        counterpart_organization="西村党支部",
    )
    services.transfer_submit(actor=county.east_secretary, transfer=transfer)
    services.transfer_approve(actor=county.east_admin, transfer=transfer)
    transfer = services.transfer_issue(
        actor=county.east_secretary, transfer=transfer, dues_paid_until="2026-09"
    )
    payload = exchange.transfer_package_export(actor=county.east_secretary, transfer=transfer)[
        "payload"
    ]
    assert payload["family_members"] == [
        {
            "relation": "DAUGHTER",
            "name": "张小梅",
            "birth_year": 2008,
            "birth_date": None,
            "political_status": "",
            "work_unit": "",
            "post": "",
        }
    ]
    assert payload["trips_abroad"][0]["returned_on"] == "2025-05-20"
    # The same person arriving from elsewhere: a new transfer id and ID number for this database.
    payload["transfer"]["id"] = str(uuid.uuid4())
    payload["transfer"]["to"]["issuer"] = signing.issuer()
    payload["member"]["id_number"] = new_id_number(county.zhang.birth_date, county.zhang.sex)
    received = exchange.transfer_package_import(
        actor=county.west_admin,
        document=package.sign_document(package.PACKAGE_FORMAT, payload),
        organization=county.west_village,
    )
    member = Member.objects.get(pk=received.member_id)
    (relative,) = member.family.all()
    assert (relative.name, relative.relation, relative.birth_year) == ("张小梅", "DAUGHTER", 2008)
    (trip,) = member.trips.all()
    assert (trip.destination, trip.returned_on) == ("马来西亚", dt.date(2025, 5, 20))
    copied = ArchiveEntry.objects.get(member=member, kind=ArchiveKind.FAMILY)
    assert copied.plain_after()["family_name"] == "张小梅"
    older = exchange.transfer_package_import(
        actor=county.west_admin, document=_package(), organization=county.west_village
    )
    assert not Member.objects.get(pk=older.member_id).family.exists()


def test_a_receipt_import_records_and_shows_the_key_that_signed_it(
    county: Any, client: Any
) -> None:
    from nacl.signing import SigningKey

    from dangjian.exchange import trust
    from dangjian.exchange.tests.test_updates import keys_document, kid, signed

    other = SigningKey(b"\x06" * 32)
    trust.trusted_keys_import(actor=county.county_admin, document=keys_document("CN-OTHER", other))
    transfer = _outbound(county)
    digest = package.digest(
        exchange.transfer_package_export(actor=county.east_secretary, transfer=transfer)
    )
    payload = {
        "transfer": str(transfer.public_id),
        "package_sha256": digest,
        "received_on": today().isoformat(),
    }
    good = signed("CN-OTHER", other, package.RECEIPT_FORMAT, payload)
    stranger = SigningKey(b"\x05" * 32)
    unknown = signed("CN-OTHER", stranger, package.RECEIPT_FORMAT, payload)
    forged = dict(unknown, kid=kid(other))
    for document, code in ((unknown, "unknown_issuer"), (forged, "bad_signature")):
        with pytest.raises(ValidationError) as caught:
            exchange.transfer_receipt_import(actor=county.east_secretary, document=document)
        assert codes(caught.value) == code
        transfer.refresh_from_db()
        assert (transfer.state, transfer.receipt_kid) == (TransferState.IN_TRANSIT, "")
    exchange.transfer_receipt_import(actor=county.east_secretary, document=good)
    transfer.refresh_from_db()
    assert transfer.receipt_kid == kid(other)
    client.force_login(county.east_secretary)
    page = client.get(transfer.get_absolute_url()).content.decode()
    assert 'data-testid="receipt-signed-by"' in page
    assert kid(other) in page
    assert client.get(f"/api/v1/transfers/{transfer.pk}").json()["receipt_kid"] == kid(other)
