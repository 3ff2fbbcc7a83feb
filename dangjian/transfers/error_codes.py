"""Stable error codes of the transfers app (`ValidationError(..., code=...)`).

The API returns these values and tests assert them: never change a value. Each is listed with
its meaning in docs/api.md, and a test keeps the two in step.
"""

from __future__ import annotations

import enum


class ErrorCode(enum.StrEnum):
    ALREADY_IMPORTED = "already_imported"
    ALREADY_LEFT = "already_left"
    ALREADY_RECEIVED = "already_received"
    ALREADY_RETURNED = "already_returned"
    BAD_DATE = "bad_date"
    BAD_REGION = "bad_region"
    BAD_YEAR_MONTH = "bad_year_month"
    DISSOLVED = "dissolved"
    LETTER_CHECK_LIMIT = "letter_check_limit"
    LETTER_EXPIRED = "letter_expired"
    MOVED_MEANWHILE = "moved_meanwhile"
    NO_APPROVAL = "no_approval"
    NO_PAYLOAD = "no_payload"
    NO_SIGNATURE = "no_signature"
    NOT_EXPIRED = "not_expired"
    NOT_FOR_US = "not_for_us"
    NOT_GRASSROOTS = "not_grassroots"
    OPEN_OUTFLOW = "open_outflow"
    OPEN_TRANSFER = "open_transfer"
    PACKAGE_MISMATCH = "package_mismatch"
    SAME_ORGANIZATION = "same_organization"
    UNKNOWN_TRANSFER = "unknown_transfer"
    WRONG_ISSUER = "wrong_issuer"
    WRONG_KIND = "wrong_kind"
    WRONG_STATE = "wrong_state"
