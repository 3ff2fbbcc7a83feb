"""Stable error codes of the portal app (`ValidationError(..., code=...)`).

The API returns these values and tests assert them: never change a value. Each is listed with
its meaning in docs/api.md, and a test keeps the two in step.
"""

from __future__ import annotations

import enum


class ErrorCode(enum.StrEnum):
    ACTIVATION_CODE_EXPIRED = "activation_code_expired"
    ACTIVATION_CODE_REVOKED = "activation_code_revoked"
    ACTIVATION_CODE_UNKNOWN = "activation_code_unknown"
    ACTIVATION_CODE_USED = "activation_code_used"
    ACTIVATION_THROTTLED = "activation_throttled"
    ACTIVATION_WRONG_ID = "activation_wrong_id"
    ALREADY_PENDING = "already_pending"
    DECIDED = "decided"
    NOBODY_TO_INVITE = "nobody_to_invite"
    USERNAME_TAKEN = "username_taken"
