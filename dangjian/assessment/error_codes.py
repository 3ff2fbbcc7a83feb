"""Stable error codes of the assessment app (`ValidationError(..., code=...)`).

The API returns these values and tests assert them: never change a value. Each is listed with
its meaning in docs/api.md, and a test keeps the two in step.
"""

from __future__ import annotations

import enum


class ErrorCode(enum.StrEnum):
    COMPUTED = "computed"
    EXISTS = "exists"
    FINISHED = "finished"
    NOTHING_TO_ASSESS = "nothing_to_assess"
