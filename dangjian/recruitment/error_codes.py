"""Stable error codes of the recruitment app (`ValidationError(..., code=...)`).

The API returns these values and tests assert them: never change a value. Each is listed with
its meaning in docs/api.md, and a test keeps the two in step.
"""

from __future__ import annotations

import enum


class ErrorCode(enum.StrEnum):
    ALREADY_VOTED = "already_voted"
    EXCEPTION_NOT_ALLOWED = "exception_not_allowed"
    EXTENDED_ONCE = "extended_once"
    NO_MEMBER = "no_member"
    NOT_OPEN = "not_open"
    PLAN_NOT_COMMITTEE = "plan_not_committee"
    STEP_INVALID = "step_invalid"
    STEP_ORDER = "step_order"
    TIME_RULE = "time_rule"
    WRONG_ORGANIZATION = "wrong_organization"
