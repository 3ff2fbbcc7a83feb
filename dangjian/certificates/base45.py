"""Base45 (RFC 9285): bytes as text in the 45-character alphabet of QR alphanumeric mode.

Written here rather than taken from a package because it is twenty lines and the decoder must
be strict: a credential has exactly one text form, so anything that is not canonical Base45
(a character outside the alphabet, lower case, a group whose value is too large, a dangling
single character) is refused rather than repaired.
"""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_VALUE = {char: index for index, char in enumerate(ALPHABET)}


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
    if len(text) % 3 == 1:
        raise Base45Error("length")
    try:
        values = [_VALUE[char] for char in text]
    except KeyError as exc:
        raise Base45Error("character") from exc
    out = bytearray()
    for index in range(0, len(values), 3):
        group = values[index : index + 3]
        if len(group) == 3:
            n = group[0] + group[1] * 45 + group[2] * 2025
            if n > 0xFFFF:
                raise Base45Error("group")
            out += n.to_bytes(2, "big")
        else:
            n = group[0] + group[1] * 45
            if n > 0xFF:
                raise Base45Error("group")
            out.append(n)
    return bytes(out)
