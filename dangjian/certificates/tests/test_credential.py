"""The credential format: the documented test vector, and refusal of every altered credential."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from nacl.signing import SigningKey, VerifyKey

from dangjian.certificates import credential, services
from dangjian.certificates.choices import Outcome
from dangjian.core import signing

DOC = Path(__file__).resolve().parents[3] / "docs" / "certificate-format.md"
ON = dt.date(2026, 11, 24)
NO_REVOCATIONS = services.RevocationIndex(own=frozenset(), foreign=frozenset())


def vector() -> dict[str, str]:
    """The `vector` block of docs/certificate-format.md as {name: value}."""
    block = re.search(r"```vector\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert block is not None, "docs/certificate-format.md has lost its test vector"
    rows = {}
    for line in block.group(1).splitlines():
        name, value = re.split(r"\s{2,}", line, maxsplit=1)
        rows[name] = value
    return rows


def vector_claims(v: dict[str, str]) -> credential.Claims:
    return credential.Claims(
        issuer=v["issuer"],
        serial=bytes.fromhex(v["serial"]),
        member_public_id=uuid.UUID(v["member"]),
        name=v["name"],
        organization_code=v["organization code"],
        category="FULL",
        valid_from=dt.date(2026, 7, 1),
        valid_until=dt.date(2027, 6, 30),
    )


def test_the_documented_vector_is_what_the_code_produces() -> None:
    """Every intermediate of the documented vector matches the encoder, byte for byte."""
    v = vector()
    key = signing.current_key()
    assert v["seed"] == bytes(key.signing_key).hex()
    assert v["public key"] == bytes(key.verify_key).hex()
    assert v["kid"] == key.kid.hex() == signing.key_id(bytes.fromhex(v["public key"])).hex()
    claims = vector_claims(v)
    payload = credential.claims_encode(claims)
    assert payload.hex() == v["payload"]
    assert credential.protected_header(key.kid).hex() == v["protected"]
    tbs = credential.sig_structure(bytes.fromhex(v["protected"]), payload)
    assert tbs.hex() == v["to be signed"]
    assert key.signing_key.sign(tbs).signature.hex() == v["signature"]
    cose = credential.sign1_encode(payload, kid=key.kid, signing_key=key.signing_key)
    assert cose.hex() == v["COSE_Sign1"]
    text = credential.credential_encode(claims, kid=key.kid, signing_key=key.signing_key)
    assert text == v["text"]


def test_the_documented_vector_decodes_and_verifies_with_the_public_key_alone() -> None:
    """An implementer with only the public key and the text gets the claims back."""
    v = vector()
    decoded = credential.credential_decode(v["text"])
    assert decoded.claims == vector_claims(v)
    assert decoded.sign1.kid.hex() == v["kid"]
    VerifyKey(bytes.fromhex(v["public key"])).verify(
        decoded.sign1.to_be_signed(), decoded.sign1.signature
    )


@pytest.mark.django_db
def test_the_vector_verifies_as_valid_within_its_dates_only() -> None:
    text = vector()["text"]
    assert services.verify_text(text, on=ON, index=NO_REVOCATIONS)[0] == Outcome.VALID
    late = dt.date(2027, 7, 1)
    assert services.verify_text(text, on=late, index=NO_REVOCATIONS)[0] == Outcome.EXPIRED
    early = dt.date(2026, 6, 30)
    assert services.verify_text(text, on=early, index=NO_REVOCATIONS)[0] == Outcome.EXPIRED


@pytest.mark.django_db
def test_every_single_byte_change_of_the_text_is_refused() -> None:
    """Replacing any one character of the text by any other byte value never yields `valid`."""
    text = vector()["text"]
    raw = text.encode("latin-1")
    outcomes: set[str] = set()
    for position in range(len(raw)):
        for value in range(256):
            if value == raw[position]:
                continue
            changed = (raw[:position] + bytes([value]) + raw[position + 1 :]).decode("latin-1")
            outcome, _claims = services.verify_text(changed, on=ON, index=NO_REVOCATIONS)
            assert outcome != Outcome.VALID, (position, value)
            outcomes.add(outcome)
    # The changes are caught at every layer, not by one blanket rule.
    assert {Outcome.MALFORMED, Outcome.BAD_SIGNATURE, Outcome.UNKNOWN_ISSUER} <= outcomes


@pytest.mark.django_db
def test_every_single_byte_change_of_the_signed_structure_is_refused() -> None:
    """The same, one layer down: bytes of the COSE_Sign1 changed and re-encoded as valid Base45
    (every value for the CBOR framing, every single-bit flip and inversion elsewhere)."""
    from dangjian.certificates import base45

    cose = bytes.fromhex(vector()["COSE_Sign1"])
    framing = {0, 1, 2, 16, 17, 18, 19, len(cose) - 66, len(cose) - 65}
    for position in range(len(cose)):
        values = (
            range(256)
            if position in framing
            else [cose[position] ^ mask for mask in (1, 2, 4, 8, 16, 32, 64, 128, 255)]
        )
        for value in values:
            if value == cose[position]:
                continue
            changed = cose[:position] + bytes([value]) + cose[position + 1 :]
            text = credential.PREFIX + base45.encode(changed)
            outcome, _claims = services.verify_text(text, on=ON, index=NO_REVOCATIONS)
            assert outcome != Outcome.VALID, (position, value)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "DJ1:",
        "HC1:6BFOXN%TS3DH0YOJ58S S-W5HDC *M0II5XHC9B5G2",
        "dj1:RRQT",
        "DJ1:" + "0" * 2000,
        "https://example.org/",
    ],
)
@pytest.mark.django_db
def test_malformed_inputs(text: str) -> None:
    assert services.verify_text(text, on=ON, index=NO_REVOCATIONS)[0] == Outcome.MALFORMED


def test_a_structure_signed_with_another_algorithm_is_malformed() -> None:
    """alg must be EdDSA (-8): a header saying ES256 (-7) is refused before any key lookup."""
    import cbor2

    from dangjian.certificates import base45

    key = SigningKey(b"\x01" * 32)
    protected = cbor2.dumps({1: -7, 4: b"\x00" * 8})
    payload = credential.claims_encode(vector_claims(vector()))
    signature = key.sign(credential.sig_structure(protected, payload)).signature
    cose = cbor2.dumps(cbor2.CBORTag(18, [protected, {}, payload, signature]))
    with pytest.raises(credential.MalformedCredential):
        credential.credential_decode(credential.PREFIX + base45.encode(cose))


def test_the_documented_verify_url_is_what_the_code_produces() -> None:
    """The URL form of the vector (fragment digits, QR version) matches the document."""
    v = vector()
    assert credential.verify_url(v["text"], v["public url"]) == v["url"]
    fragment = v["url"].partition("#")[2]
    assert (
        credential.digits_decode(fragment.removeprefix(credential.URL_MARK)).hex()
        == (v["COSE_Sign1"])
    )


def test_the_documented_qr_version_is_what_segno_makes(settings: Any) -> None:
    from dangjian.certificates import render

    v = vector()
    settings.DANGJIAN_PUBLIC_URL = v["public url"]
    qr = render.qr_code(v["text"])
    assert (qr.version, qr.error) == (int(v["qr version"]), "M")


def test_a_pasted_url_or_fragment_gives_the_credential_text() -> None:
    v = vector()
    fragment = v["url"].partition("#")[2]
    assert credential.text_from_input(v["url"]) == v["text"]
    assert credential.text_from_input(fragment) == v["text"]
    assert credential.text_from_input("#" + fragment) == v["text"]
    assert credential.text_from_input(v["text"]) == v["text"]


@pytest.mark.parametrize(
    "digits",
    [
        "",  # nothing
        "1" * 16,  # 16 digits: no group has that many
        "9" * 17,  # above 256^7
        "256",  # one group of 3 digits holds one byte: 0…255
        "12a45",
        "١٢٣",  # Arabic-Indic digits are digits to Python, not to us
    ],
)
def test_digits_in_any_other_form_are_refused(digits: str) -> None:
    with pytest.raises(credential.MalformedCredential):
        credential.digits_decode(digits)
    assert credential.text_from_input(credential.URL_MARK + digits) == ""


def test_digits_round_trip_on_every_length_boundary() -> None:
    for length in range(1, 30):
        data = bytes(range(255, 255 - length, -1))
        encoded = credential.digits_encode(data)
        assert encoded.isdigit()
        assert credential.digits_decode(encoded) == data
    assert credential.digits_encode(b"\xff" * 7) == "72057594037927935"
    assert credential.digits_encode(b"\x00") == "000"


@pytest.mark.django_db
def test_a_verify_url_with_altered_digits_is_refused_or_fails_its_signature() -> None:
    """Changing any one digit of the fragment never gives a valid credential."""
    v = vector()
    head, _, digits = v["url"].partition("#" + credential.URL_MARK)
    outcomes = set()
    for position in range(len(digits)):
        changed = str((int(digits[position]) + 1) % 10)
        altered = digits[:position] + changed + digits[position + 1 :]
        text = credential.text_from_input(head + "#" + credential.URL_MARK + altered)
        outcomes.add(services.verify_text(text, on=ON, index=NO_REVOCATIONS)[0])
    assert Outcome.VALID not in outcomes
    assert outcomes <= {Outcome.MALFORMED, Outcome.BAD_SIGNATURE, Outcome.UNKNOWN_ISSUER}
