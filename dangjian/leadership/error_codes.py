"""Stable error codes of the leadership app (`ValidationError(..., code=...)`).

The API returns these values and tests assert them: never change a value. Each is listed with
its meaning in docs/api.md, and a test keeps the two in step.
"""

from __future__ import annotations

import enum


class ErrorCode(enum.StrEnum):
    DUTY = "duty"
    GRADE = "grade"
    NOT_MEMBER = "not_member"
    ORDER = "order"
    YEAR = "year"
