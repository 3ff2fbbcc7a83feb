"""Encryption at rest and lookup hashes for sensitive fields (citizen ID numbers).

Values are encrypted with Fernet (AES-128-CBC + HMAC-SHA256) under the first key of
``DANGJIAN_FIELD_ENCRYPTION_KEYS``; the older keys in the list still decrypt, so a key is
rotated by putting a new one first and re-encrypting (``dangjian rotate_keys``).
Equality look-ups (uniqueness, search by ID number) go through an HMAC-SHA256 under a
separate key, so the database never holds a plain or unsalted hash of the number.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import re
from collections.abc import Iterable, Sequence
from typing import Any, NoReturn

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
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
    """`decrypt_text` for many tokens at once (exports of a whole county): the same result,
    about twice as fast (decision 0266).

    Fernet decrypts a token with a new AES-CBC context each time, which costs more than the
    cryptography itself for an 18-character ID number. Here every token is checked exactly as
    Fernet checks it (version byte, HMAC-SHA256 under the signing key of the first key that
    verifies it, in constant time) and then all the ciphertext blocks of one key go through one
    AES context: CBC decryption is ECB decryption of each block XORed with the block before it
    (the IV for the first), which is what the CBC mode computes. A token that no key verifies
    or whose padding is wrong raises as `decrypt_text` does.
    """
    keys = [_split_key(key) for key in settings.DANGJIAN_FIELD_ENCRYPTION_KEYS]
    if not keys:
        _current()  # raises ImproperlyConfigured
    by_key: list[list[int]] = [[] for _ in keys]
    parts: list[tuple[bytes, bytes]] = []  # (iv, ciphertext) per token
    for position, token in enumerate(tokens):
        try:
            data = base64.urlsafe_b64decode(token)
        except (ValueError, TypeError):
            data = b""
        signed, mac = data[:-32], data[-32:]
        iv, ciphertext = data[9:25], data[25:-32]
        if len(data) < 73 or data[0] != 0x80 or len(ciphertext) % 16:
            _undecryptable()
        for index, (signing, _encryption) in enumerate(keys):
            if hmac.compare_digest(hmac.digest(signing, signed, "sha256"), mac):
                by_key[index].append(position)
                break
        else:
            _undecryptable()
        parts.append((iv, ciphertext))
    clear: list[str] = [""] * len(parts)
    for (_signing, encryption), positions in zip(keys, by_key, strict=True):
        if not positions:
            continue
        blocks = b"".join(parts[p][1] for p in positions)
        # The block before each ciphertext block: the IV, then the ciphertext shifted by one.
        before = b"".join(parts[p][0] + parts[p][1][:-16] for p in positions)
        ecb = Cipher(algorithms.AES(encryption), modes.ECB()).decryptor()  # noqa: S305 - CBC, see above
        decrypted = ecb.update(blocks) + ecb.finalize()
        plain = (int.from_bytes(decrypted, "big") ^ int.from_bytes(before, "big")).to_bytes(
            len(blocks), "big"
        )
        offset = 0
        for p in positions:
            length = len(parts[p][1])
            padded = plain[offset : offset + length]
            offset += length
            pad = padded[-1]
            if not 1 <= pad <= 16 or padded[-pad:] != bytes([pad]) * pad:
                _undecryptable()
            clear[p] = padded[:-pad].decode()
    return clear


def _split_key(key: str) -> tuple[bytes, bytes]:
    raw = base64.urlsafe_b64decode(key)
    if len(raw) != 32:
        raise ImproperlyConfigured("A Fernet key must be 32 url-safe base64-encoded bytes.")
    return raw[:16], raw[16:]


def _undecryptable() -> NoReturn:
    raise ImproperlyConfigured(
        "A stored value cannot be decrypted with the configured keys (see docs/keys.md)."
    )


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
# number and an 11-digit mobile number, not inside a longer run of digits.
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")
_PHONE_IN_TEXT = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")


def mask_numbers_in_text(text: str) -> str:
    """Mask every ID and mobile number in `text`; other text stays as it is."""
    text = _ID_IN_TEXT.sub(lambda m: mask_id_number(m.group(0)), text)
    return _PHONE_IN_TEXT.sub(lambda m: mask_phone(m.group(0)), text)


def mask_numbers_in(value: Any) -> Any:
    """`mask_numbers_in_text` over every string of a JSON value (dicts, lists, strings)."""
    if isinstance(value, str):
        return mask_numbers_in_text(value)
    if isinstance(value, dict):
        return {key: mask_numbers_in(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [mask_numbers_in(item) for item in value]
    return value
