"""The trust list: importing another deployment's public keys and verifying what it signs."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from nacl.signing import SigningKey

from dangjian.audit.models import AuditEvent
from dangjian.core import signing
from dangjian.exchange import trust

FOREIGN_SEED = bytes.fromhex("c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7")


def foreign_document(issuer: str = "CN-430000") -> tuple[SigningKey, str]:
    key = SigningKey(FOREIGN_SEED)
    public = bytes(key.verify_key)
    document = {
        "format": "dangjian-public-keys/1",
        "issuer": issuer,
        "keys": [
            {
                "kid": signing.key_id(public).hex(),
                "alg": "Ed25519",
                "public_key": signing.b64url(public),
            }
        ],
    }
    return key, json.dumps(document)


def test_imported_key_verifies_foreign_signatures(tree: Any) -> None:
    key, document = foreign_document()
    kid = signing.key_id(bytes(key.verify_key))
    signature = key.sign(b"package").signature
    assert trust.verify_signed("CN-430000", kid, b"package", signature) == "unknown_issuer"

    imported = trust.trusted_keys_import(actor=tree.county_admin, document=document, label="湖南")
    assert [k.issuer for k in imported] == ["CN-430000"]
    assert trust.verify_signed("CN-430000", kid, b"package", signature) == "valid"
    assert trust.verify_signed("CN-430000", kid, b"packagE", signature) == "bad_signature"
    assert AuditEvent.objects.filter(target_type="trust", action="IMPORT").count() == 1

    trust.trusted_key_remove(actor=tree.county_admin, key=imported[0])
    assert trust.verify_signed("CN-430000", kid, b"package", signature) == "unknown_issuer"


def test_own_signatures_verify_without_import(db: Any) -> None:
    kid, signature = signing.sign(b"card")
    assert trust.verify_signed(signing.issuer(), kid, b"card", signature) == "valid"
    assert trust.verify_signed(signing.issuer(), b"\0" * 8, b"card", signature) == "unknown_issuer"


def test_only_top_level_administrators_manage_the_trust_list(tree: Any) -> None:
    _key, document = foreign_document()
    for user in (tree.east_admin, tree.east_secretary, tree.member_user):
        with pytest.raises(PermissionDenied):
            trust.trusted_keys_import(actor=user, document=document)
    assert trust.trusted_keys() == []


@pytest.mark.parametrize(
    ("document", "code"),
    [
        ("not json", "not_json"),
        (json.dumps({"format": "other"}), "bad_format"),
        (json.dumps({"format": "dangjian-public-keys/1", "issuer": "CN-1", "keys": []}), "no_keys"),
        (
            json.dumps(
                {
                    "format": "dangjian-public-keys/1",
                    "issuer": "CN-1",
                    "keys": [{"public_key": "AAAA"}],
                }
            ),
            "bad_key",
        ),
        (
            json.dumps(
                {
                    "format": "dangjian-public-keys/1",
                    "issuer": "CN-1",
                    "keys": [
                        {
                            "kid": "0000000000000000",
                            "public_key": signing.b64url(
                                bytes(SigningKey(FOREIGN_SEED).verify_key)
                            ),
                        }
                    ],
                }
            ),
            "kid_mismatch",
        ),
        (json.dumps(signing.public_keys_document()), "own_issuer"),
    ],
)
def test_bad_documents_are_refused_with_a_reason(tree: Any, document: str, code: str) -> None:
    with pytest.raises(ValidationError) as info:
        trust.trusted_keys_import(actor=tree.county_admin, document=document)
    assert info.value.error_dict["document"][0].code == code
    assert trust.trusted_keys() == []
