"""Issuing, revoking and verifying certificates against the database."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from nacl.signing import SigningKey

from dangjian.audit.choices import AuditAction
from dangjian.audit.models import AuditEvent
from dangjian.certificates import checks, credential, render, services
from dangjian.certificates.choices import Outcome, RevocationReason
from dangjian.certificates.models import Certificate, ForeignRevocation
from dangjian.core import signing
from dangjian.core.dates import today
from dangjian.exchange import trust
from dangjian.exchange.tests.test_trust import FOREIGN_SEED, foreign_document
from dangjian.members import services as member_services
from dangjian.members.choices import HowRemoved, MemberStatus
from dangjian.site.testing import system_user

pytestmark = pytest.mark.django_db
TEST_SEED = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
NEW_SEED = "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb"


def test_a_member_requests_a_certificate_for_themself(county: Any) -> None:
    """The member's own request signs a credential naming them and their home branch."""
    certificate = services.certificate_issue(actor=county.member_user, member=county.zhang)
    decoded = credential.credential_decode(certificate.payload)
    assert decoded.claims.name == "张三"
    assert decoded.claims.member_public_id == county.zhang.public_id
    assert decoded.claims.organization_code == county.east_village.code
    assert decoded.claims.serial_hex == certificate.serial
    assert certificate.valid_until == dt.date(
        certificate.valid_from.year + 1, certificate.valid_from.month, certificate.valid_from.day
    ) - dt.timedelta(days=1)
    event = AuditEvent.objects.get(action=AuditAction.ISSUE)
    assert event.actor == county.member_user
    assert certificate.serial in event.summary


def test_asking_again_returns_the_same_certificate(county: Any) -> None:
    first = services.certificate_issue(actor=county.member_user, member=county.zhang)
    again = services.certificate_issue(actor=county.member_user, member=county.zhang)
    assert again.pk == first.pk
    assert Certificate.objects.count() == 1


def test_a_changed_name_supersedes_the_old_certificate(county: Any) -> None:
    first = services.certificate_issue(actor=county.member_user, member=county.zhang)
    member_services.member_update(
        actor=county.east_secretary, member=county.zhang, changes={"name": "张三丰"}, reason="更正"
    )
    county.zhang.refresh_from_db()
    second = services.certificate_issue(actor=county.member_user, member=county.zhang)
    first.refresh_from_db()
    assert second.pk != first.pk
    assert second.name == "张三丰"
    assert first.revocation_reason == RevocationReason.SUPERSEDED
    assert services.certificate_verify(first.payload).outcome == Outcome.REVOKED
    assert services.certificate_verify(second.payload).outcome == Outcome.VALID


def test_out_of_scope_and_other_members_may_not_issue(county: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.certificate_issue(actor=county.west_admin, member=county.zhang)
    with pytest.raises(PermissionDenied):
        services.certificate_issue(actor=county.member_user, member=county.li)
    assert services.certificate_issue(actor=county.east_secretary, member=county.li).name == "李四"


def test_a_member_who_lost_contact_cannot_be_issued_one(county: Any) -> None:
    member_services.member_change_status(
        actor=county.east_secretary, member=county.li, status=MemberStatus.LOST_CONTACT
    )
    with pytest.raises(ValidationError) as error:
        services.certificate_issue(actor=county.east_secretary, member=county.li)
    assert error.value.code == "status_not_issuable"
    assert "失联" in error.value.messages[0]
    assert not Certificate.objects.exists()


def test_bulk_issue_covers_the_mobile_members_of_the_subtree_once(county: Any) -> None:
    for member in (county.li, county.qian, county.sun):
        member_services.member_change_status(
            actor=system_user(), member=member, status=MemberStatus.MOBILE
        )
    assert services.certificate_issue_bulk(actor=county.east_admin, organization=county.east) == 2
    assert set(Certificate.objects.values_list("name", flat=True)) == {"李四", "钱七"}
    assert services.certificate_issue_bulk(actor=county.east_admin, organization=county.east) == 0
    with pytest.raises(PermissionDenied):
        services.certificate_issue_bulk(actor=county.east_admin, organization=county.west)
    for certificate in Certificate.objects.all():
        assert services.certificate_verify(certificate.payload).outcome == Outcome.VALID


def test_bulk_issue_renews_what_expires_within_thirty_days(county: Any) -> None:
    member_services.member_change_status(
        actor=system_user(), member=county.li, status=MemberStatus.MOBILE
    )
    old = services.certificate_issue(
        actor=county.east_secretary, member=county.li, on=dt.date(2025, 12, 1)
    )
    assert (
        services.certificate_issue_bulk(
            actor=county.east_secretary, organization=county.east_village
        )
        == 1
    )
    old.refresh_from_db()
    assert old.revocation_reason == RevocationReason.SUPERSEDED
    assert Certificate.objects.filter(revoked_at__isnull=True).get().valid_until > old.valid_until


# --- automatic revocation -------------------------------------------------------------------


def test_a_transfer_out_revokes_the_certificate(county: Any) -> None:
    """Revocation follows a transfer out automatically, in the same transaction."""
    certificate = services.certificate_issue(actor=county.member_user, member=county.zhang)
    assert services.certificate_verify(certificate.payload).outcome == Outcome.VALID
    member_services.member_remove(
        actor=county.east_secretary,
        member=county.zhang,
        how_removed=HowRemoved.TRANSFERRED_OUT,
        on=today(),
        reason="转往外省",
    )
    certificate.refresh_from_db()
    assert certificate.revocation_reason == RevocationReason.TRANSFERRED_OUT
    assert services.certificate_verify(certificate.payload).outcome == Outcome.REVOKED
    event = AuditEvent.objects.filter(action=AuditAction.REVOKE).get()
    assert event.detail["automatic"] is True


@pytest.mark.parametrize(
    ("how", "reason"),
    [
        (HowRemoved.DIED, RevocationReason.DECEASED),
        (HowRemoved.SUSPENDED, RevocationReason.SUSPENDED),
        (HowRemoved.EXPELLED, RevocationReason.LEFT),
        (HowRemoved.LAPSED, RevocationReason.LEFT),
    ],
)
def test_leaving_the_roster_revokes(county: Any, how: HowRemoved, reason: str) -> None:
    certificate = services.certificate_issue(actor=county.east_secretary, member=county.li)
    member_services.member_remove(
        actor=county.east_secretary,
        member=county.li,
        how_removed=how,
        on=today(),
        reason="依据",
    )
    certificate.refresh_from_db()
    assert certificate.revocation_reason == reason


def test_losing_contact_revokes_but_going_abroad_does_not(county: Any) -> None:
    li = services.certificate_issue(actor=county.east_secretary, member=county.li)
    wang = services.certificate_issue(actor=county.east_secretary, member=county.wang)
    member_services.member_change_status(
        actor=county.east_secretary, member=county.li, status=MemberStatus.LOST_CONTACT
    )
    member_services.member_change_status(
        actor=county.east_secretary, member=county.wang, status=MemberStatus.ABROAD
    )
    assert services.certificate_verify(li.payload).outcome == Outcome.REVOKED
    assert services.certificate_verify(wang.payload).outcome == Outcome.VALID


def test_a_move_within_the_deployment_revokes_and_a_new_one_names_the_new_branch(
    county: Any,
) -> None:
    old = services.certificate_issue(actor=county.member_user, member=county.zhang)
    member_services.membership_move(
        actor=county.east_admin,
        member=county.zhang,
        organization=county.south_village,
        on=today(),
        reason="搬迁",
    )
    assert services.certificate_verify(old.payload).outcome == Outcome.REVOKED
    new = services.certificate_issue(actor=county.member_user, member=county.zhang)
    result = services.certificate_verify(new.payload)
    assert result.outcome == Outcome.VALID
    assert result.organization == county.south_village
    assert result.organization_code == county.south_village.code


def test_a_revocation_rolled_back_with_its_transaction_leaves_the_certificate_valid(
    county: Any,
) -> None:
    certificate = services.certificate_issue(actor=county.member_user, member=county.zhang)
    with pytest.raises(ValidationError):
        member_services.member_remove(
            actor=county.east_secretary,
            member=county.zhang,
            how_removed=HowRemoved.DIED,
            on=today(),
            reason="",  # refused: no reason given
        )
    certificate.refresh_from_db()
    assert certificate.revoked_at is None
    assert services.certificate_verify(certificate.payload).outcome == Outcome.VALID


def test_manual_revocation_is_scoped_and_audited(county: Any) -> None:
    certificate = services.certificate_issue(actor=county.member_user, member=county.zhang)
    with pytest.raises(PermissionDenied):
        services.certificate_revoke(actor=county.west_admin, certificate=certificate)
    services.certificate_revoke(actor=county.east_secretary, certificate=certificate)
    assert services.certificate_verify(certificate.payload).outcome == Outcome.REVOKED
    with pytest.raises(ValidationError):
        services.certificate_revoke(actor=county.east_secretary, certificate=certificate)
    assert AuditEvent.objects.filter(action=AuditAction.REVOKE).count() == 1


# --- verification outcomes ------------------------------------------------------------------


def test_verify_answers_the_member_and_home_organization_when_valid(county: Any) -> None:
    certificate = services.certificate_issue(actor=county.member_user, member=county.zhang)
    result = services.certificate_verify(certificate.payload + "\n")
    assert result.outcome == Outcome.VALID
    assert result.member == county.zhang
    assert (result.name, result.organization_name) == ("张三", "东村党支部")


def test_an_expired_certificate(county: Any) -> None:
    certificate = services.certificate_issue(actor=county.member_user, member=county.zhang)
    later = certificate.valid_until + dt.timedelta(days=1)
    result = services.certificate_verify(certificate.payload, on=later)
    assert result.outcome == Outcome.EXPIRED
    assert result.member is None
    assert result.name == ""
    noon = dt.datetime(later.year, later.month, later.day, 12, tzinfo=dt.UTC)
    with time_machine.travel(noon, tick=False):
        assert services.certificate_verify(certificate.payload).outcome == Outcome.EXPIRED


def test_a_forged_signature_is_a_bad_signature(county: Any) -> None:
    """Claims signed by another key under our issuer name and kid do not pass."""
    key = signing.current_key()
    claims = credential.credential_decode(
        services.certificate_issue(actor=county.member_user, member=county.zhang).payload
    ).claims
    forged = credential.credential_encode(claims, kid=key.kid, signing_key=SigningKey(b"\x07" * 32))
    assert services.certificate_verify(forged).outcome == Outcome.BAD_SIGNATURE


def test_unknown_issuer_until_its_keys_are_trusted(county: Any) -> None:
    foreign_key, document = foreign_document()
    claims = credential.Claims(
        issuer="CN-430000",
        serial=b"\x11" * 8,
        member_public_id=county.zhang.public_id,
        name="刘一",
        organization_code="43000000001",
        category="PROBATIONARY",
        valid_from=today(),
        valid_until=today() + dt.timedelta(days=30),
    )
    text = credential.credential_encode(
        claims,
        kid=signing.key_id(bytes(foreign_key.verify_key)),
        signing_key=foreign_key,
    )
    assert services.certificate_verify(text).outcome == Outcome.UNKNOWN_ISSUER
    trust.trusted_keys_import(actor=county.county_admin, document=document)
    result = services.certificate_verify(text)
    assert result.outcome == Outcome.VALID
    assert (result.name, result.organization_code, result.member) == ("刘一", "43000000001", None)


def test_a_credential_signed_with_a_rotated_out_key_still_verifies(county: Any) -> None:
    """After a rotation the old key only verifies: what it signed stays valid, new ones use
    the new key, and removing the old key makes its credentials unknown."""
    old = services.certificate_issue(actor=county.member_user, member=county.zhang)
    with override_settings(DANGJIAN_SIGNING_KEYS=[NEW_SEED, TEST_SEED]):
        assert services.certificate_verify(old.payload).outcome == Outcome.VALID
        new = services.certificate_issue(actor=county.east_secretary, member=county.li)
        assert (
            new.kid
            != old.kid
            == signing.key_id(bytes(SigningKey(bytes.fromhex(TEST_SEED)).verify_key)).hex()
        )
        assert services.certificate_verify(new.payload).outcome == Outcome.VALID
        assert [k["kid"] for k in signing.public_keys_document()["keys"]] == [new.kid, old.kid]
    with override_settings(DANGJIAN_SIGNING_KEYS=[NEW_SEED]):
        assert services.certificate_verify(old.payload).outcome == Outcome.UNKNOWN_ISSUER


def test_revocation_reaches_other_processes_through_the_index(county: Any) -> None:
    """A revocation written by another process (here: a bare update) is caught by the final
    check of our own certificate row even before the in-memory index reloads."""
    certificate = services.certificate_issue(actor=county.member_user, member=county.zhang)
    assert services.certificate_verify(certificate.payload).outcome == Outcome.VALID
    Certificate.objects.filter(pk=certificate.pk).update(
        revoked_at=dt.datetime.now(dt.UTC), revocation_reason=RevocationReason.OTHER
    )
    assert services.certificate_verify(certificate.payload).outcome == Outcome.REVOKED


# --- the signed revocation list -------------------------------------------------------------


def test_the_revocation_list_is_signed_and_lists_unexpired_revoked_serials(county: Any) -> None:
    kept = services.certificate_issue(actor=county.member_user, member=county.zhang)
    gone = services.certificate_issue(actor=county.east_secretary, member=county.li)
    services.certificate_revoke(actor=county.east_secretary, certificate=gone)
    sign1, revocations = services.revocation_list_decode(services.revocation_list_signed())
    assert revocations.issuer == signing.issuer()
    assert revocations.serials == [gone.serial]
    assert kept.serial not in revocations.serials
    assert (
        trust.verify_signed(revocations.issuer, sign1.kid, sign1.to_be_signed(), sign1.signature)
        == "valid"
    )
    later = dt.datetime.combine(gone.valid_until + dt.timedelta(days=1), dt.time(), dt.UTC)
    assert (
        services.revocation_list_decode(services.revocation_list_signed(at=later))[1].serials == []
    )


def _foreign_list(serials: list[bytes], issued_at: int) -> bytes:
    import cbor2

    key = SigningKey(FOREIGN_SEED)
    payload = cbor2.dumps({1: "CN-430000", 2: issued_at, 3: serials})
    return credential.sign1_encode(
        payload, kid=signing.key_id(bytes(key.verify_key)), signing_key=key
    )


def test_another_deployments_revocation_list_is_imported_and_checked(county: Any) -> None:
    data = _foreign_list([b"\x11" * 8], 1_790_000_000)
    with pytest.raises(ValidationError) as error:
        services.revocation_list_import(actor=county.county_admin, data=data)
    assert "信任列表" in str(error.value)
    trust.trusted_keys_import(actor=county.county_admin, document=foreign_document()[1])
    with pytest.raises(PermissionDenied):
        services.revocation_list_import(actor=county.east_admin, data=data)
    tampered = data[:-1] + bytes([data[-1] ^ 1])
    with pytest.raises(ValidationError, match="签名无效"):
        services.revocation_list_import(actor=county.county_admin, data=tampered)
    assert not ForeignRevocation.objects.exists()  # refused lists write nothing
    imported = services.revocation_list_import(actor=county.county_admin, data=data)
    assert services.revocation_index().is_revoked("CN-430000", "11" * 8)
    assert list(ForeignRevocation.objects.values_list("serial", "kid")) == [
        ("11" * 8, imported.kid)
    ]
    assert imported.kid == signing.key_id(bytes(SigningKey(FOREIGN_SEED).verify_key)).hex()
    with pytest.raises(ValidationError, match="更旧"):
        services.revocation_list_import(
            actor=county.county_admin, data=_foreign_list([], 1_700_000_000)
        )
    with pytest.raises(ValidationError, match="不是"):
        services.revocation_list_import(actor=county.county_admin, data=b"not cbor")


def test_a_typical_member_fits_qr_version_10_at_level_m(county: Any, settings: Any) -> None:
    """A long name and a long organization code still fit the version we promise, in a QR that
    holds a verify URL of a public address of 30 characters (checks.MAX_PUBLIC_URL_LENGTH)."""
    settings.DANGJIAN_PUBLIC_URL = "https://dangjian.county.gov.cn"
    assert len(settings.DANGJIAN_PUBLIC_URL) == checks.MAX_PUBLIC_URL_LENGTH
    type(county.zhang).objects.filter(pk=county.zhang.pk).update(name="欧阳诸葛明")
    county.east_village.code = "360730123456789012"
    county.east_village.save(update_fields=["code"])
    county.zhang.refresh_from_db()
    certificate = services.certificate_issue(actor=county.member_user, member=county.zhang)
    qr = render.qr_code(certificate.payload)
    assert qr.mode is None  # two segments: the URL in byte mode, the credential in numeric mode
    assert qr.error == "M"
    assert isinstance(qr.version, int)
    assert qr.version <= 10


def test_a_member_off_the_roster_is_told_why_not(county: Any) -> None:
    member_services.member_remove(
        actor=county.east_secretary,
        member=county.zhang,
        how_removed=HowRemoved.TRANSFERRED_OUT,
        on=today(),
        reason="转往外省",
    )
    with pytest.raises(ValidationError) as error:
        services.certificate_issue(actor=county.member_user, member=county.zhang)
    assert error.value.code == "not_on_roster"
    with pytest.raises(PermissionDenied):
        services.certificate_issue(actor=county.east_secretary, member=county.zhang)


def test_the_card_download_is_audited_and_only_for_its_member_or_a_reader(county: Any) -> None:
    """The member (and a reader of their organization) gets the card, with an audit row each;
    someone outside gets neither."""
    certificate = services.certificate_issue(actor=county.member_user, member=county.zhang)
    exports = AuditEvent.objects.filter(action=AuditAction.EXPORT)
    with pytest.raises(PermissionDenied):
        services.certificate_card_export(
            actor=county.west_admin, certificate=certificate, kind="png"
        )
    assert not exports.exists()
    own = services.certificate_card_export(
        actor=county.member_user, certificate=certificate, kind="png"
    )
    assert own[:4] == b"\x89PNG"
    services.certificate_card_export(actor=county.east_admin, certificate=certificate, kind="pdf")
    assert [(e.actor, e.target_id) for e in exports.order_by("pk")] == [
        (county.member_user, str(county.zhang.pk)),
        (county.east_admin, str(county.zhang.pk)),
    ]


def test_a_long_public_address_is_warned_about(settings: Any) -> None:
    settings.DANGJIAN_PUBLIC_URL = "https://dangjian.county.gov.cn/"
    assert checks.public_url_fits_the_qr() == []
    settings.DANGJIAN_PUBLIC_URL = "https://dangjian.shangrao.county.gov.cn"
    assert [w.id for w in checks.public_url_fits_the_qr()] == ["dangjian.certificates.W001"]
