"""Stable error codes of the rectification app (`ValidationError(..., code=...)`).

The API returns these values and tests assert them: never change a value. Each is listed with
its meaning in docs/api.md, and a test keeps the two in step.
"""

from __future__ import annotations

import enum


class ErrorCode(enum.StrEnum):
    REVIEW_EXISTS = "review_exists"
    REVIEW_DECIDED = "review_decided"
    NOTHING_TO_REVIEW = "nothing_to_review"
    ALREADY_DECIDED = "already_decided"
    CASE_CLOSED = "case_closed"
    NOT_RECOVERED = "not_recovered"
    UNDECIDED = "undecided"
