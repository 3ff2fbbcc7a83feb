"""Stable error codes of the certificates app (`ValidationError(..., code=...)`).

The API returns these values and tests assert them: never change a value. Each is listed with
its meaning in docs/api.md, and a test keeps the two in step.
"""

from __future__ import annotations

import enum


class ErrorCode(enum.StrEnum):
    ALREADY_REVOKED = "already_revoked"
    NOT_FOR_US = "not_for_us"
    NOTHING_TO_EXPORT = "nothing_to_export"
    NOTHING_TO_PRINT = "nothing_to_print"
    OLDER = "older"
    ORGANIZATION_WITHOUT_CODE = "organization_without_code"
    OWN = "own"
    REPLAYED = "replayed"
    STATUS_NOT_ISSUABLE = "status_not_issuable"
    TOO_MANY_TO_PRINT = "too_many_to_print"
