"""Stable error codes of the care app (`ValidationError(..., code=...)`).

The API returns these values and tests assert them: never change a value. Each is listed with
its meaning in docs/api.md, and a test keeps the two in step.
"""

from __future__ import annotations

import enum


class ErrorCode(enum.StrEnum):
    AGAIN = "again"
    BAD_CAPACITY = "bad_capacity"
    FULL = "full"
    LAST_PARTICIPANT = "last_participant"
    NO_PARTICIPANTS = "no_participants"
    NOT_IN_ACTIVITY = "not_in_activity"
    NOT_SIGNED_UP = "not_signed_up"
    OVER_A_DAY = "over_a_day"
    SIGNUP_CLOSED = "signup_closed"
    TAKEN_UP = "taken_up"
    TOO_MANY_OPEN_REQUESTS = "too_many_open_requests"
    UNKNOWN_MEMBER = "unknown_member"
