"""The credential of the electronic activity certificate: claims → CBOR → COSE_Sign1 → Base45.

Pure functions, no database: what docs/certificate-format.md specifies and its test vector
checks. The text form is ``DJ1:`` followed by the Base45 of a tagged COSE_Sign1 (RFC 9052)
signed with Ed25519 (EdDSA, alg -8), with the key id in the protected header and the claims
(issuer included) in the payload. It is not compressed: the structure is mostly signature,
key id, serial and UUID, which deflate cannot shrink (see docs/decisions/0051).

Decoding is strict: every layer must be exactly the canonical encoding of what it decodes to,
so that a credential has one text form and any change to it is refused.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, NamedTuple

import cbor2
from nacl.signing import SigningKey

from . import base45

PREFIX = "DJ1:"
MAX_TEXT_LENGTH = 1000  # a credential is about 260 characters; refuse anything far larger early
COSE_SIGN1_TAG = 18
ALG_EDDSA = -8
HEADER_ALG = 1
HEADER_KID = 4
KID_BYTES = 8
SERIAL_BYTES = 8
EPOCH = dt.date(1970, 1, 1)
PROTECTED_PREFIX = bytes([0xA2, 0x01, 0x27, 0x04, 0x48])  # {1: -8, 4: h'<8 bytes>'}

# Payload keys (docs/certificate-format.md).
CLAIM_ISSUER = 1
CLAIM_SERIAL = 2
CLAIM_MEMBER = 3
CLAIM_NAME = 4
CLAIM_ORGANIZATION = 5
CLAIM_CATEGORY = 6
CLAIM_VALID_FROM = 7
CLAIM_VALID_UNTIL = 8

CATEGORY_CODES = {"FULL": 1, "PROBATIONARY": 2}
CATEGORY_NAMES = {code: name for name, code in CATEGORY_CODES.items()}


class MalformedCredential(ValueError):
    """Not a credential of this format (a decoding error, not a signature failure)."""


class Claims(NamedTuple):
    issuer: str
    serial: bytes
    member_public_id: uuid.UUID
    name: str
    organization_code: str
    category: str  # MemberCategory value: FULL or PROBATIONARY
    valid_from: dt.date
    valid_until: dt.date  # the last day on which the credential is valid

    @property
    def serial_hex(self) -> str:
        return self.serial.hex()


class Sign1(NamedTuple):
    protected: bytes  # the protected header exactly as signed
    kid: bytes
    payload: bytes
    signature: bytes

    def to_be_signed(self) -> bytes:
        return sig_structure(self.protected, self.payload)


class Decoded(NamedTuple):
    sign1: Sign1
    claims: Claims


def _days(day: dt.date) -> int:
    return (day - EPOCH).days


def claims_encode(claims: Claims) -> bytes:
    return cbor2.dumps(
        {
            CLAIM_ISSUER: claims.issuer,
            CLAIM_SERIAL: claims.serial,
            CLAIM_MEMBER: claims.member_public_id.bytes,
            CLAIM_NAME: claims.name,
            CLAIM_ORGANIZATION: claims.organization_code,
            CLAIM_CATEGORY: CATEGORY_CODES[claims.category],
            CLAIM_VALID_FROM: _days(claims.valid_from),
            CLAIM_VALID_UNTIL: _days(claims.valid_until),
        }
    )


def protected_header(kid: bytes) -> bytes:
    return cbor2.dumps({HEADER_ALG: ALG_EDDSA, HEADER_KID: kid})


def _bstr_head(length: int) -> bytes:
    if length < 24:
        return bytes([0x40 + length])
    if length < 256:
        return bytes([0x58, length])
    return bytes([0x59]) + length.to_bytes(2, "big")


_SIG_STRUCTURE_START = bytes([0x84, 0x6A]) + b"Signature1"


def sig_structure(protected: bytes, payload: bytes) -> bytes:
    """Sig_structure of COSE_Sign1 (RFC 9052 §4.4) with empty external data:
    ["Signature1", protected, h'', payload], written out directly (it is on the hot path)."""
    return b"".join(
        (
            _SIG_STRUCTURE_START,
            _bstr_head(len(protected)),
            protected,
            b"\x40",
            _bstr_head(len(payload)),
            payload,
        )
    )


def sign1_encode(payload: bytes, *, kid: bytes, signing_key: SigningKey) -> bytes:
    protected = protected_header(kid)
    signature = signing_key.sign(sig_structure(protected, payload)).signature
    return cbor2.dumps(cbor2.CBORTag(COSE_SIGN1_TAG, [protected, {}, payload, signature]))


def credential_encode(claims: Claims, *, kid: bytes, signing_key: SigningKey) -> str:
    cose = sign1_encode(claims_encode(claims), kid=kid, signing_key=signing_key)
    return PREFIX + base45.encode(cose)


def canonical_loads(data: bytes) -> Any:
    """Decode CBOR and insist that it is the one encoding of its value (no trailing bytes,
    no longer-than-needed lengths, no indefinite lengths)."""
    try:
        value = cbor2.loads(data)
        again = cbor2.dumps(value)
    except Exception as exc:  # cbor2 raises many kinds on hostile input
        raise MalformedCredential("cbor") from exc
    if again != data:
        raise MalformedCredential("not canonical")
    return value


def _bstr(data: bytes, position: int) -> tuple[bytes, int]:
    """The byte string whose CBOR head starts at `position`, in its shortest encoding only."""
    head = data[position]
    if head >> 5 != 2:
        raise MalformedCredential("expected a byte string")
    info = head & 0x1F
    if info < 24:
        length, start = info, position + 1
    elif info == 24:
        length, start = data[position + 1], position + 2
        if length < 24:
            raise MalformedCredential("length not in its shortest form")
    elif info == 25:
        length, start = int.from_bytes(data[position + 1 : position + 3]), position + 3
        if length < 256:
            raise MalformedCredential("length not in its shortest form")
    else:
        raise MalformedCredential("byte string too long or of indefinite length")
    end = start + length
    if end > len(data):
        raise MalformedCredential("truncated")
    return data[start:end], end


def sign1_decode(data: bytes) -> Sign1:
    """The tagged COSE_Sign1 of this format, read by hand: its outer shape is fixed (tag 18, an
    array of four, an empty unprotected map), so each byte is checked where it must be, which is
    both strict (one encoding only) and fast. The protected header must be exactly
    a2 01 27 04 48 <kid>: {1: -8, 4: kid} in deterministic CBOR."""
    try:
        if data[0] != 0xD2 or data[1] != 0x84:
            raise MalformedCredential("not a tagged COSE_Sign1 array")
        protected, position = _bstr(data, 2)
        if data[position] != 0xA0:
            raise MalformedCredential("unprotected header must be empty")
        payload, position = _bstr(data, position + 1)
        signature, position = _bstr(data, position)
    except IndexError as exc:
        raise MalformedCredential("truncated") from exc
    if position != len(data) or len(signature) != 64:
        raise MalformedCredential("signature or trailing bytes")
    if len(protected) != len(PROTECTED_PREFIX) + KID_BYTES or not protected.startswith(
        PROTECTED_PREFIX
    ):
        raise MalformedCredential("algorithm or key id")
    return Sign1(
        protected=protected,
        kid=protected[len(PROTECTED_PREFIX) :],
        payload=payload,
        signature=signature,
    )


def _text(value: Any, limit: int) -> str:
    if not isinstance(value, str) or not value or len(value) > limit:
        raise MalformedCredential("text claim")
    return value


def _day(value: Any) -> dt.date:
    if type(value) is not int or not 0 <= value < 2_000_000:
        raise MalformedCredential("date claim")
    return EPOCH + dt.timedelta(days=value)


def claims_decode(payload: bytes) -> Claims:
    # The payload is covered by the signature, so it is not re-encoded to check its form here:
    # only the signer could have chosen another encoding.
    try:
        value = cbor2.loads(payload)
    except Exception as exc:  # cbor2 raises many kinds on hostile input
        raise MalformedCredential("cbor") from exc
    if not isinstance(value, dict) or set(value) != set(range(1, 9)):
        raise MalformedCredential("claims")
    serial, member, category = value[CLAIM_SERIAL], value[CLAIM_MEMBER], value[CLAIM_CATEGORY]
    if not isinstance(serial, bytes) or len(serial) != SERIAL_BYTES:
        raise MalformedCredential("serial")
    if not isinstance(member, bytes) or len(member) != 16:
        raise MalformedCredential("member")
    if type(category) is not int or category not in CATEGORY_NAMES:
        raise MalformedCredential("category")
    claims = Claims(
        issuer=_text(value[CLAIM_ISSUER], 64),
        serial=serial,
        member_public_id=uuid.UUID(bytes=member),
        name=_text(value[CLAIM_NAME], 60),
        organization_code=_text(value[CLAIM_ORGANIZATION], 64),
        category=CATEGORY_NAMES[category],
        valid_from=_day(value[CLAIM_VALID_FROM]),
        valid_until=_day(value[CLAIM_VALID_UNTIL]),
    )
    if claims.valid_until < claims.valid_from:
        raise MalformedCredential("dates")
    return claims


def credential_decode(text: str) -> Decoded:
    """Parse a credential's text without checking its signature."""
    if len(text) > MAX_TEXT_LENGTH or not text.startswith(PREFIX):
        raise MalformedCredential("prefix")
    try:
        cose = base45.decode(text[len(PREFIX) :])
    except base45.Base45Error as exc:
        raise MalformedCredential("base45") from exc
    try:
        sign1 = sign1_decode(cose)
        return Decoded(sign1=sign1, claims=claims_decode(sign1.payload))
    except (TypeError, KeyError, OverflowError) as exc:  # hostile input must never crash a verifier
        raise MalformedCredential("structure") from exc


# The URL form: what the QR holds, so that a phone camera opens the issuing deployment's verify
# page. The credential rides in the URL fragment, which a browser never sends to a server, as
# decimal digits (the COSE_Sign1 bytes in groups of 7, each group a zero-padded number): digits
# are the QR's densest mode and need no escaping in a URL, where Base45's space and "%" would
# (docs/decisions/0160-certificate-qr-as-a-url.md).
URL_MARK = "DJ1N:"
VERIFY_PATH = "/v/"  # config/urls.py: the verify page under a short path
_GROUP_BYTES = 7
_GROUP_DIGITS = {1: 3, 2: 5, 3: 8, 4: 10, 5: 13, 6: 15, 7: 17}  # ceil(8·k·log10 2)
_BYTES_OF_DIGITS = {digits: size for size, digits in _GROUP_DIGITS.items()}


def digits_encode(data: bytes) -> str:
    """Bytes as decimal digits: every 7 bytes (big-endian) as 17 digits, a shorter last group
    as the fewest digits that hold it (1 byte → 3, 2 → 5, 3 → 8, 4 → 10, 5 → 13, 6 → 15)."""
    groups = (data[i : i + _GROUP_BYTES] for i in range(0, len(data), _GROUP_BYTES))
    return "".join(
        str(int.from_bytes(group, "big")).zfill(_GROUP_DIGITS[len(group)]) for group in groups
    )


def digits_decode(text: str) -> bytes:
    """The inverse of digits_encode; refuses any other text (one text form per credential)."""
    if len(text) > MAX_TEXT_LENGTH * 2 or not (text.isascii() and text.isdigit()):
        raise MalformedCredential("digits")
    full_groups, rest = divmod(len(text), _GROUP_DIGITS[_GROUP_BYTES])
    sizes = [_GROUP_DIGITS[_GROUP_BYTES]] * full_groups
    if rest:
        if rest not in _BYTES_OF_DIGITS:
            raise MalformedCredential("digits")
        sizes.append(rest)
    out = bytearray()
    position = 0
    for size in sizes:
        length = _BYTES_OF_DIGITS[size]
        value = int(text[position : position + size])
        if value >= 256**length:
            raise MalformedCredential("digits")
        out += value.to_bytes(length, "big")
        position += size
    return bytes(out)


def url_fragment(text: str) -> str:
    """The fragment of the verify URL for a credential text (`DJ1:` + Base45)."""
    if not text.startswith(PREFIX):
        raise MalformedCredential("prefix")
    try:
        cose = base45.decode(text[len(PREFIX) :])
    except base45.Base45Error as exc:
        raise MalformedCredential("base45") from exc
    return URL_MARK + digits_encode(cose)


def verify_url(text: str, public_url: str) -> str:
    """`<public_url>/v/#DJ1N:<digits>`: what the card's QR holds."""
    return public_url.rstrip("/") + VERIFY_PATH + "#" + url_fragment(text)


def text_from_input(value: str) -> str:
    """The credential text from what was pasted or scanned: the text itself, a verify URL or
    its fragment. A URL form that does not decode gives "" (refused as malformed)."""
    _, hash_sign, fragment = value.partition("#")
    candidate = fragment if hash_sign else value
    if not candidate.startswith(URL_MARK):
        return value
    try:
        return PREFIX + base45.encode(digits_decode(candidate[len(URL_MARK) :]))
    except MalformedCredential:
        return ""
