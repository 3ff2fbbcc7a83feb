"""Stable error codes of the dues app (`ValidationError(..., code=...)`).

The API returns these values and tests assert them: never change a value. Each is listed with
its meaning in docs/api.md, and a test keeps the two in step.
"""

from __future__ import annotations

import enum


class ErrorCode(enum.StrEnum):
    AMOUNT_ABOVE_OWED = "amount_above_owed"
    BAD_CATEGORY = "bad_category"
    BAD_MONTH = "bad_month"
    BASE_REQUIRED = "base_required"
    FARMER_OUT_OF_RANGE = "farmer_out_of_range"
    NO_PROFILE = "no_profile"
    NO_TIER = "no_tier"
    NOT_A_NUMBER = "not_a_number"
    RECEIPT_TAKEN = "receipt_taken"
    REDUCTION_ABOVE_STANDARD = "reduction_above_standard"
    TOO_LARGE = "too_large"
    TOO_PRECISE = "too_precise"
