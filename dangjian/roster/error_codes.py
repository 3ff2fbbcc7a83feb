"""Stable error codes of the roster app (`ValidationError(..., code=...)`).

The API returns these values and tests assert them: never change a value. Each is listed with
its meaning in docs/api.md, and a test keeps the two in step.
"""

from __future__ import annotations

import enum


class ErrorCode(enum.StrEnum):
    CANNOT_COMMIT = "cannot_commit"
    FILE_UNREADABLE = "file_unreadable"
    HAS_ERRORS = "has_errors"
    NOT_READY = "not_ready"
    ORGANIZATION_REQUIRED = "organization_required"
    UNKNOWN_ORGANIZATION = "unknown_organization"
