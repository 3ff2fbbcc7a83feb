"""Trust at federation scale: validity periods, signed trust-list updates from the committee
above (docs/trust-update.md), and every import naming the key that signed it."""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from nacl.signing import SigningKey

from dangjian.core import signing
from dangjian.core.dates import today
from dangjian.exchange import documents, trust, updates
from dangjian.exchange.models import TrustedKey, TrustUpdate

CITY = SigningKey(bytes.fromhex("c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7"))
COUNTY_B = SigningKey(
    bytes.fromhex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb")
)
COUNTY_B_NEW = SigningKey(b"\x07" * 32)
FORMAT = "dangjian-attendance-receipt/1"


def kid(key: SigningKey) -> str:
    return signing.key_id(bytes(key.verify_key)).hex()


def key_row(issuer: str, key: SigningKey, **period: Any) -> dict[str, Any]:
    return {
        "issuer": issuer,
        "kid": kid(key),
        "public_key": signing.b64url(bytes(key.verify_key)),
        **{k: (v.isoformat() if v else None) for k, v in period.items()},
    }


def keys_document(issuer: str, key: SigningKey, **period: Any) -> str:
    row = key_row(issuer, key, **period)
    del row["issuer"]
    return json.dumps({"format": "dangjian-public-keys/1", "issuer": issuer, "keys": [row]})


def signed(issuer: str, key: SigningKey, document_format: str, payload: dict[str, Any]) -> Any:
    return {
        "format": document_format,
        "issuer": issuer,
        "kid": kid(key),
        "signature": signing.b64url(key.sign(documents.canonical(payload)).signature),
        "payload": payload,
    }


def code_of(document: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        documents.verify(document, FORMAT, what="t")
    return str(caught.value.code)


def test_a_key_outside_its_validity_period_is_refused_by_name(tree: Any) -> None:
    day = dt.timedelta(days=1)
    trust.trusted_keys_import(
        actor=tree.county_admin,
        document=keys_document("CN-B", COUNTY_B, valid_from=today() - day, valid_until=today()),
    )
    document = signed("CN-B", COUNTY_B, FORMAT, {"to": "x"})
    assert documents.verify(document, FORMAT, what="t").kid == kid(COUNTY_B)
    assert documents.verify(document, FORMAT, what="t", on=today()).issuer == "CN-B"
    with pytest.raises(ValidationError) as caught:
        documents.verify(document, FORMAT, what="t", on=today() + day)
    assert caught.value.code == "key_expired"
    with pytest.raises(ValidationError) as caught:
        documents.verify(document, FORMAT, what="t", on=today() - 2 * day)
    assert caught.value.code == "key_expired"
    assert trust.key_status("CN-B", bytes.fromhex(kid(COUNTY_B)), today()) == "in_force"
    assert trust.trusted_keys_in_force(today() + day) == []


def test_a_period_that_ends_before_it_starts_is_refused(tree: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        trust.trusted_keys_import(
            actor=tree.county_admin,
            document=keys_document(
                "CN-B", COUNTY_B, valid_from=today(), valid_until=today() - dt.timedelta(days=1)
            ),
        )
    assert caught.value.error_dict["document"][0].code == "bad_period"
    assert not TrustedKey.objects.exists()


def _city(tree: Any) -> None:
    trust.trusted_keys_import(
        actor=tree.county_admin, document=keys_document("CN-CITY", CITY), authority=True
    )


def _update(issued_at: dt.datetime, *, keys: Any = (), revoked: Any = ()) -> Any:
    payload = updates.update_payload(keys=list(keys), revoked=list(revoked), issued_at=issued_at)
    return signed("CN-CITY", CITY, updates.UPDATE_FORMAT, payload)


AT = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def test_the_committee_above_rotates_and_revokes_keys(tree: Any) -> None:
    _city(tree)
    trust.trusted_keys_import(actor=tree.county_admin, document=keys_document("CN-B", COUNTY_B))
    old = signed("CN-B", COUNTY_B, FORMAT, {"to": "x"})
    new = signed("CN-B", COUNTY_B_NEW, FORMAT, {"to": "x"})
    assert code_of(new) == "unknown_issuer"
    update = updates.trust_update_import(
        actor=tree.county_admin,
        document=_update(
            AT,
            keys=[key_row("CN-B", COUNTY_B_NEW, valid_from=today(), valid_until=None)],
            revoked=[{"issuer": "CN-B", "kid": kid(COUNTY_B), "reason": "密钥泄露"}],
        ),
    )
    assert (update.issuer, update.kid) == ("CN-CITY", kid(CITY))
    assert documents.verify(new, FORMAT, what="t").kid == kid(COUNTY_B_NEW)
    assert code_of(old) == "key_revoked"
    revoked = TrustedKey.objects.get(issuer="CN-B", kid=kid(COUNTY_B))
    assert "密钥泄露" in revoked.revoked_by
    assert not TrustedKey.objects.get(issuer="CN-B", kid=kid(COUNTY_B_NEW)).is_authority


def test_refused_updates_write_nothing(tree: Any) -> None:
    trust.trusted_keys_import(actor=tree.county_admin, document=keys_document("CN-B", COUNTY_B))
    revoke = [{"issuer": "CN-B", "kid": kid(COUNTY_B), "reason": "x"}]
    document = _update(AT, revoked=revoke)

    def refused(doc: Any) -> str:
        with pytest.raises(ValidationError) as caught:
            updates.trust_update_import(actor=tree.county_admin, document=doc)
        return str(caught.value.code)

    assert refused(document) == "unknown_issuer"  # the city is not trusted yet
    # A trusted key that is not the authority's may not sign updates.
    trust.trusted_keys_import(actor=tree.county_admin, document=keys_document("CN-CITY", CITY))
    assert refused(document) == "not_authority"
    _city(tree)
    tampered = copy.deepcopy(document)
    tampered["payload"]["revoked"][0]["kid"] = "0" * 16
    assert refused(tampered) == "bad_signature"
    assert refused({**document, "payload": {**document["payload"], "x": 1}}) == "bad_signature"
    assert not TrustUpdate.objects.exists()
    assert TrustedKey.objects.get(issuer="CN-B").revoked_at is None
    updates.trust_update_import(actor=tree.county_admin, document=document)
    assert refused(document) == "older"  # replayed
    assert refused(_update(AT - dt.timedelta(days=1))) == "older"
    assert TrustUpdate.objects.count() == 1


def test_an_update_never_touches_this_deployments_own_keys(tree: Any) -> None:
    _city(tree)
    own_kid = signing.sign(b"x")[0].hex()
    updates.trust_update_import(
        actor=tree.county_admin,
        document=_update(AT, revoked=[{"issuer": signing.issuer(), "kid": own_kid}]),
    )
    kid_bytes, signature = signing.sign(b"card")
    assert trust.verify_signed(signing.issuer(), kid_bytes, b"card", signature) == "valid"


def test_only_a_top_administrator_imports_or_signs_updates(tree: Any) -> None:
    _city(tree)
    with pytest.raises(PermissionDenied):
        updates.trust_update_import(actor=tree.east_admin, document=_update(AT))
    with pytest.raises(PermissionDenied):
        updates.trust_update_sign(actor=tree.east_admin, keys=[], revoked=[])
    document = updates.trust_update_sign(
        actor=tree.county_admin, keys=[key_row("CN-B", COUNTY_B)], revoked=[]
    )
    assert documents.verify(document, updates.UPDATE_FORMAT, what="t").issuer == signing.issuer()


def test_the_trust_page_imports_an_update(client: Client, tree: Any) -> None:
    _city(tree)
    document = documents.dumps(_update(AT, keys=[key_row("CN-B", COUNTY_B)]))
    client.force_login(tree.east_admin)
    upload = SimpleUploadedFile("u.json", document)
    assert (
        client.post("/cards/trust/", {"update-file": upload, "update-submit": "1"}).status_code
        == 403
    )
    client.force_login(tree.county_admin)
    upload = SimpleUploadedFile("u.json", document)
    response = client.post(
        "/cards/trust/", {"update-file": upload, "update-submit": "1"}, follow=True
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert kid(CITY) in body
    assert TrustedKey.objects.filter(issuer="CN-B").exists()
