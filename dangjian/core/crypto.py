"""Encryption at rest and lookup hashes for sensitive fields (citizen ID numbers).

Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under the first key of
``DANGJIAN_FIELD_ENCRYPTION_KEYS``; the older keys in the list still decrypt, so a key is
rotated by putting a new one first and re-encrypting (``dangjian rotate_keys``).
Equality look-ups (uniqueness, search by ID number) go through an HMAC-SHA256 under a
separate key, so the database never holds a plain or unsalted hash of the number.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
from collections.abc import Iterable, Sequence
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@functools.cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("DANGJIAN_FIELD_ENCRYPTION_KEYS is empty (see docs/keys.md).")
    return MultiFernet([Fernet(key.encode()) for key in keys])


def _current() -> MultiFernet:
    return _fernet(tuple(settings.DANGJIAN_FIELD_ENCRYPTION_KEYS))


def encrypt_text(value: str) -> str:
    return _current().encrypt(value.encode()).decode()


def encrypt_many(values: Iterable[str]) -> list[str]:
    """`encrypt_text` for many values (bulk imports): the keys are looked up once.

    Each token is made by the library, with its own random IV (decision 0031).
    """
    encrypt = _current().encrypt
    return [encrypt(value.encode()).decode() for value in values]


def decrypt_text(token: str) -> str:
    try:
        return _current().decrypt(token.encode()).decode()
    except InvalidToken as exc:  # a key was removed before its data was rotated
        raise ImproperlyConfigured(
            "A stored value cannot be decrypted with the configured keys (see docs/keys.md)."
        ) from exc


def decrypt_many(tokens: Sequence[str]) -> list[str]:
    """`decrypt_text` for many tokens at once (exports of a whole county): the keys are looked
    up once and every token is checked and decrypted by the library's Fernet (decision 0266: a
    faster hand-written CBC path was tried and removed; cryptography stays the library's)."""
    decrypt = _current().decrypt
    try:
        return [decrypt(token.encode()).decode() for token in tokens]
    except InvalidToken as exc:  # a key was removed before its data was rotated
        raise ImproperlyConfigured(
            "A stored value cannot be decrypted with the configured keys (see docs/keys.md)."
        ) from exc


def reencrypt_text(token: str) -> str:
    """Re-encrypt under the first (current) key; used by key rotation."""
    return _current().rotate(token.encode()).decode()


def lookup_hash(value: str) -> str:
    key = settings.DANGJIAN_LOOKUP_KEY
    if not key:
        raise ImproperlyConfigured("DANGJIAN_LOOKUP_KEY is empty (see docs/keys.md).")
    return hmac.new(key.encode(), value.encode(), hashlib.sha256).hexdigest()


# What a role that may not reveal a number is shown of it. The rule (docs/privacy.md): no
# combination of what such a role sees may narrow the number to fewer than 100 candidates.
# Beside a masked ID number every page shows the birth date (digits 7-14) and the sex (the
# parity of digit 17), and the region (digits 1-6) follows from the organization and native
# place; the check digit (18) follows from the other 17. So the mask shows the region only:
# digits 15-16 and 17 (of the right parity) stay open, 10 * 10 * 5 = 500 candidates.
# Showing even the check digit would leave about 500 / 11 = 45, and the old mask (region and
# the last four) left exactly one once the birth date was read beside it.
ID_NUMBER_SHOWN = 6


def mask_id_number(value: str) -> str:
    """110101199003077677 → 110101************: the region only; never the birth digits, the
    serial or the check digit."""
    if len(value) < 10:
        return "*" * len(value)
    return value[:ID_NUMBER_SHOWN] + "*" * (len(value) - ID_NUMBER_SHOWN)


def mask_name(value: str) -> str:
    """张三 → 张*, 欧阳诸葛 → 欧***: the first character only, for pages open to anyone (the
    public check of a transfer letter), where the reader holds the paper with the full name."""
    name = value.strip()
    return name[:1] + "*" * (len(name) - 1) if len(name) > 1 else name


def mask_phone(value: str) -> str:
    """13812345678 → 138******78: a mobile number keeps its first three and last two digits
    (10^6 candidates); a shorter (landline) number only its last two; under eight characters
    nothing."""
    digits = value.strip()
    if len(digits) >= 11:
        return digits[:3] + "*" * (len(digits) - 5) + digits[-2:]
    if len(digits) >= 8:  # at least six digits hidden, whatever the length
        return "*" * (len(digits) - 2) + digits[-2:]
    return "*" * len(digits)


def encrypt_bytes(value: bytes) -> bytes:
    """A Fernet token for bytes (working files such as an import's spool)."""
    return _current().encrypt(value)


def decrypt_bytes(token: bytes) -> bytes:
    try:
        return _current().decrypt(token)
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "A stored value cannot be decrypted with the configured keys (see docs/keys.md)."
        ) from exc


# Clear numbers in free text (audit summaries and details, filters): an 18-character ID
# number and an 11-digit mobile number, not inside a longer run of digits. A run of ASCII
# letters and digits that is hexadecimal with at least one letter (a UUID's part, a digest) is
# an identifier, never a number: masking the 11 digits in "a13812345678" would change the
# export id or file digest an audit event records, and no reader could find the event again.
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")
_PHONE_IN_TEXT = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
_ASCII_RUN = re.compile(r"[0-9A-Za-z]+")
_HEX_WITH_A_LETTER = re.compile(r"[0-9A-Fa-f]*[A-Fa-f][0-9A-Fa-f]*")


def _mask_phones_in_run(match: re.Match[str]) -> str:
    run = match.group(0)
    if _HEX_WITH_A_LETTER.fullmatch(run):
        return run
    return _PHONE_IN_TEXT.sub(lambda m: mask_phone(m.group(0)), run)


def mask_numbers_in_text(text: str) -> str:
    """Mask every ID and mobile number in `text`; other text (identifiers among it) stays as
    it is."""
    text = _ID_IN_TEXT.sub(lambda m: mask_id_number(m.group(0)), text)
    return _ASCII_RUN.sub(_mask_phones_in_run, text)


def mask_numbers_in(value: Any) -> Any:
    """`mask_numbers_in_text` over every string of a JSON value (dicts, lists, strings)."""
    if isinstance(value, str):
        return mask_numbers_in_text(value)
    if isinstance(value, dict):
        return {key: mask_numbers_in(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [mask_numbers_in(item) for item in value]
    return value
