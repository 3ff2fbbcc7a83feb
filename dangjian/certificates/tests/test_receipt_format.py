"""docs/attendance-receipt.md's test vector, byte for byte: a second implementer's check."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from nacl.signing import SigningKey

from dangjian.certificates import receipts
from dangjian.core import signing
from dangjian.exchange import documents

DOC = Path(__file__).resolve().parents[3] / "docs" / "attendance-receipt.md"


def vector() -> dict[str, str]:
    block = re.search(r"```vector\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert block is not None, "docs/attendance-receipt.md has lost its test vector"
    rows = {}
    for line in block.group(1).splitlines():
        name, value = re.split(r"\s{2,}", line, maxsplit=1)
        rows[name] = value
    return rows


def test_the_documented_vector_is_what_the_code_produces() -> None:
    v = vector()
    key = SigningKey(bytes.fromhex(v["seed"]))
    assert signing.key_id(bytes(key.verify_key)).hex() == v["kid"]
    payload = json.loads(v["canonical"])
    canonical = documents.canonical(payload)
    assert canonical == v["canonical"].encode("utf-8")
    assert hashlib.sha256(canonical).hexdigest() == v["sha256"]
    assert signing.b64url(key.sign(canonical).signature) == v["signature"]
    # This deployment's test key is the vector's: its own signing gives the same document.
    assert signing.issuer() == v["issuer"]
    document = documents.sign(receipts.RECEIPT_FORMAT, payload)
    assert (document["kid"], document["signature"]) == (v["kid"], v["signature"])
    assert documents.digest(document) == v["sha256"]


@pytest.mark.django_db
def test_the_documented_document_verifies_and_a_changed_byte_does_not() -> None:
    v = vector()
    document = {
        "format": receipts.RECEIPT_FORMAT,
        "issuer": v["issuer"],
        "kid": v["kid"],
        "signature": v["signature"],
        "payload": json.loads(v["canonical"]),
    }
    verified = documents.verify(document, receipts.RECEIPT_FORMAT, what="t")
    assert (verified.issuer, verified.kid, verified.sha256) == (v["issuer"], v["kid"], v["sha256"])
    changed = json.loads(v["canonical"].replace("周五活动日", "周六活动日"))
    with pytest.raises(ValidationError) as caught:
        documents.verify({**document, "payload": changed}, receipts.RECEIPT_FORMAT, what="t")
    assert caught.value.code == "bad_signature"
