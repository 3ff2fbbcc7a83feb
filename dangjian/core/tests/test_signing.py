"""This deployment's Ed25519 keys: signing, key ids, rotation, misconfiguration."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from nacl.signing import SigningKey

from dangjian.core import signing

OLD = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
NEW = "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb"


def test_sign_and_verify_with_the_current_key() -> None:
    kid, signature = signing.sign(b"message")
    key = signing.own_verify_key(kid)
    assert key is not None
    assert signing.verify(key, b"message", signature)
    assert not signing.verify(key, b"messagf", signature)
    assert len(kid) == signing.KID_BYTES


def test_key_id_is_the_hash_of_the_public_key() -> None:
    public = bytes(SigningKey(bytes.fromhex(OLD)).verify_key)
    # RFC 8032 test 1 public key: d75a9801…; its SHA-256 starts 21fe31df…
    assert public.hex().startswith("d75a980182b10ab7")
    assert signing.key_id(public).hex() == signing.current_key().kid_hex


def test_rotation_keeps_old_signatures_verifiable() -> None:
    with override_settings(DANGJIAN_SIGNING_KEYS=[OLD]):
        kid, signature = signing.sign(b"letter")
    with override_settings(DANGJIAN_SIGNING_KEYS=[NEW, OLD]):
        assert signing.current_key().kid != kid
        key = signing.own_verify_key(kid)
        assert key is not None
        assert signing.verify(key, b"letter", signature)
    with override_settings(DANGJIAN_SIGNING_KEYS=[NEW]):
        assert signing.own_verify_key(kid) is None


@pytest.mark.parametrize("keys", [[], ["abc"], ["zz" * 32]])
def test_missing_or_malformed_keys_say_what_to_fix(keys: list[str]) -> None:
    with override_settings(DANGJIAN_SIGNING_KEYS=keys), pytest.raises(ImproperlyConfigured) as info:
        signing.current_key()
    assert "DANGJIAN_SIGNING_KEYS" in str(info.value)


def test_public_keys_document_lists_every_own_key() -> None:
    with override_settings(DANGJIAN_SIGNING_KEYS=[NEW, OLD]):
        document = signing.public_keys_document()
    assert document["issuer"] == "CN-TEST"
    assert [k["kid"] for k in document["keys"]] == [k.kid_hex for k in signing._load((NEW, OLD))]
    raw = signing.b64url_decode(document["keys"][0]["public_key"])
    assert signing.key_id(raw).hex() == document["keys"][0]["kid"]
