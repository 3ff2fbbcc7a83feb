"""Base45 (RFC 9285): bytes as text in the 45-character alphabet of QR alphanumeric mode.

Written here rather than taken from a package because it is twenty lines and the decoder must
be strict: a credential has exactly one text form, so anything that is not canonical Base45
(a character outside the alphabet, lower case, a group whose value is too large, a dangling
single character) is refused rather than repaired.
"""

from __future__ import annotations

import array
import sys

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_TABLE = bytes(
    ALPHABET.find(chr(code)) % 256 if chr(code) in ALPHABET else 0xFF for code in range(256)
)


class Base45Error(ValueError):
    """The text is not canonical Base45."""


def encode(data: bytes) -> str:
    out: list[str] = []
    for index in range(0, len(data) - 1, 2):
        n = data[index] * 256 + data[index + 1]
        n, c = divmod(n, 45)
        e, d = divmod(n, 45)
        out += (ALPHABET[c], ALPHABET[d], ALPHABET[e])
    if len(data) % 2:
        d, c = divmod(data[-1], 45)
        out += (ALPHABET[c], ALPHABET[d])
    return "".join(out)


def decode(text: str) -> bytes:
    # Characters become their values in one translate; a character outside the alphabet becomes
    # 0xFF and is caught below. Then three strided slices give the groups, with no per-character
    # Python loop: verification decodes thousands of credentials a second.
    if len(text) % 3 == 1 or not text.isascii():
        raise Base45Error("length or character")
    values = text.encode("ascii").translate(_TABLE)
    if b"\xff" in values:
        raise Base45Error("character")
    full = len(values) - len(values) % 3
    try:  # an array of unsigned 16-bit numbers refuses a group above 65535 by itself
        groups = array.array(
            "H",
            [
                c + d * 45 + e * 2025
                for c, d, e in zip(
                    values[0:full:3], values[1:full:3], values[2:full:3], strict=True
                )
            ],
        )
    except OverflowError as exc:
        raise Base45Error("group") from exc
    if sys.byteorder == "little":
        groups.byteswap()
    out = groups.tobytes()
    if full != len(values):
        n = values[-2] + values[-1] * 45
        if n > 0xFF:
            raise Base45Error("group")
        out += bytes([n])
    return out
