"""Stable error codes of the accounts app (`ValidationError(..., code=...)`).

The API returns these values and tests assert them: never change a value. Each is listed with
its meaning in docs/api.md, and a test keeps the two in step.
"""

from __future__ import annotations

import enum


class ErrorCode(enum.StrEnum):
    SAME_PASSWORD = "same_password"  # noqa: S105 (an error code, not a password)
    TWO_FACTOR_REQUIRED = "two_factor_required"
    TWO_FACTOR_WRONG_CODE = "two_factor_wrong_code"
    WEAK_PASSWORD = "weak_password"  # noqa: S105
    WRONG_PASSWORD = "wrong_password"  # noqa: S105
