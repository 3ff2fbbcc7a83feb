"""Stable error codes of the exchange app (`ValidationError(..., code=...)`).

The API returns these values and tests assert them: never change a value. Each is listed with
its meaning in docs/api.md, and a test keeps the two in step.
"""

from __future__ import annotations

import enum


class ErrorCode(enum.StrEnum):
    BAD_KEY = "bad_key"
    BAD_PERIOD = "bad_period"
    KEY_EXPIRED = "key_expired"
    KEY_REVOKED = "key_revoked"
    KID_MISMATCH = "kid_mismatch"
    NO_ISSUER = "no_issuer"
    NO_KEYS = "no_keys"
    NO_PAYLOAD = "no_payload"
    NO_SIGNATURE = "no_signature"
    NOT_AUTHORITY = "not_authority"
    OLDER = "older"
    OWN_ISSUER = "own_issuer"
