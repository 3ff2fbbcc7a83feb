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
from collections.abc import Iterable

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


def reencrypt_text(token: str) -> str:
    """Re-encrypt under the first (current) key; used by key rotation."""
    return _current().rotate(token.encode()).decode()


def lookup_hash(value: str) -> str:
    key = settings.DANGJIAN_LOOKUP_KEY
    if not key:
        raise ImproperlyConfigured("DANGJIAN_LOOKUP_KEY is empty (see docs/keys.md).")
    return hmac.new(key.encode(), value.encode(), hashlib.sha256).hexdigest()


def mask_id_number(value: str) -> str:
    """110101199003077677 → 110101********7677: region kept, birth date and serial hidden."""
    if len(value) < 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    """13812345678 → 138****5678; a short (landline) number keeps only its last four digits."""
    digits = value.strip()
    if len(digits) >= 11:
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    if len(digits) >= 8:  # at least four digits hidden, whatever the length
        return "*" * (len(digits) - 4) + digits[-4:]
    return "*" * len(digits)
