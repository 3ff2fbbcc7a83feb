"""Stable error codes of the reports app (`ValidationError(..., code=...)`).

The API returns these values and tests assert them: never change a value. Each is listed with
its meaning in docs/api.md, and a test keeps the two in step.
"""

from __future__ import annotations

import enum


class ErrorCode(enum.StrEnum):
    ALREADY_FROZEN = "already_frozen"
    AS_OF_IN_FUTURE = "as_of_in_future"
    YEAR_NOT_OVER = "year_not_over"
    YEAR_OUT_OF_RANGE = "year_out_of_range"
