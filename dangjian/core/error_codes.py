"""Stable error codes that more than one app raises, and the core's own (`ValidationError(..., code=...)`).

The API returns these values and tests assert them: never change a value. Each is listed with
its meaning in docs/api.md, and a test keeps the two in step.
"""

from __future__ import annotations

import enum


class ErrorCode(enum.StrEnum):
    BAD_FIELD = "bad_field"
    BAD_FORMAT = "bad_format"
    BAD_SIGNATURE = "bad_signature"
    DUPLICATE = "duplicate"
    FORBIDDEN = "forbidden"
    FUTURE = "future"
    HOURS = "hours"
    INCOMPLETE = "incomplete"
    INVALID = "invalid"
    NEGATIVE = "negative"
    NOT_FOUND = "not_found"
    NOT_JSON = "not_json"
    NOT_ON_ROSTER = "not_on_roster"
    NOT_PROBATIONARY = "not_probationary"
    OUT_OF_RANGE = "out_of_range"
    OUTSIDE = "outside"
    REQUIRED = "required"
    SERVER_ERROR = "server_error"
    SHEET_BAD_CSV = "sheet_bad_csv"
    SHEET_BAD_TYPE = "sheet_bad_type"
    SHEET_EMPTY = "sheet_empty"
    SHEET_ENCODING = "sheet_encoding"
    SHEET_TIMEOUT = "sheet_timeout"
    SHEET_TOO_BIG = "sheet_too_big"
    SHEET_UNREADABLE = "sheet_unreadable"
    UNAUTHENTICATED = "unauthenticated"
    UNKNOWN_ISSUER = "unknown_issuer"
    UPLOAD_BAD_EXTENSION = "upload_bad_extension"
    UPLOAD_BAD_TYPE = "upload_bad_type"
    UPLOAD_EMPTY = "upload_empty"
    UPLOAD_TOO_LARGE = "upload_too_large"
