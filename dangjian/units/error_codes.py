"""Stable error codes of the units app (`ValidationError(..., code=...)`).

The API returns these values and tests assert them: never change a value. Each is listed with
its meaning in docs/api.md, and a test keeps the two in step.
"""

from __future__ import annotations

import enum


class ErrorCode(enum.StrEnum):
    CREDIT_CODE = "credit_code"
    CREDIT_CODE_TAKEN = "credit_code_taken"
    ORGANIZATION_OUTSIDE = "organization_outside"
    IMPORT_FILE = "import_file"
    IMPORT_ROWS = "import_rows"
    NOT_JOINT_BRANCH = "not_joint_branch"
    JOINT_TOO_MANY = "joint_too_many"
    UNIT_COVERED = "unit_covered"
    UNIT_OUTSIDE = "unit_outside"
