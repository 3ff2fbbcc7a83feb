"""docs/attendance-receipt.md's test vector, byte for byte: a second implementer's check."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError

from dangjian.certificates import receipts
from dangjian.core import signing
from dangjian.exchange import documents
from dangjian.exchange.tests.vectors import check_signed_vector, read_vector


def vector() -> dict[str, str]:
    return read_vector("attendance-receipt.md")


def test_the_documented_vector_is_what_the_code_produces() -> None:
    v = vector()
    # This deployment's test key is the vector's: its own signing gives the same document.
    assert signing.issuer() == v["issuer"]
    payload = check_signed_vector(v, receipts.RECEIPT_FORMAT)
    assert documents.digest(documents.sign(receipts.RECEIPT_FORMAT, payload)) == v["sha256"]


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
