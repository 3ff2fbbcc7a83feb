"""Stable error codes of the care app (`ValidationError(..., code=...)`).

The API returns these values and tests assert them: never change a value. Each is listed with
its meaning in docs/api.md, and a test keeps the two in step.
"""

from __future__ import annotations

import enum


class ErrorCode(enum.StrEnum):
    AGAIN = "again"
    LAST_PARTICIPANT = "last_participant"
    NO_PARTICIPANTS = "no_participants"
    NOT_IN_ACTIVITY = "not_in_activity"
    OVER_A_DAY = "over_a_day"
    UNKNOWN_MEMBER = "unknown_member"
