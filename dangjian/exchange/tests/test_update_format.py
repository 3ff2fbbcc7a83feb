"""docs/trust-update.md's test vector, byte for byte."""

from __future__ import annotations

from dangjian.core import signing
from dangjian.exchange import trust, updates
from dangjian.exchange.tests.vectors import check_signed_vector, read_vector


def vector() -> dict[str, str]:
    return read_vector("trust-update.md")


def test_the_documented_vector_is_what_the_code_produces() -> None:
    payload = check_signed_vector(vector(), updates.UPDATE_FORMAT)
    # Each key entry's kid is the key's own, as a reader checks.
    for number, entry in enumerate(payload["keys"], start=1):
        raw, _from, _until = trust.key_entry(entry, number)
        assert signing.key_id(raw).hex() == entry["kid"]
