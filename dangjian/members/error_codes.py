"""Stable error codes of the members app (`ValidationError(..., code=...)`).

The API returns these values and tests assert them: never change a value. Each is listed with
its meaning in docs/api.md, and a test keeps the two in step.
"""

from __future__ import annotations

import enum


class ErrorCode(enum.StrEnum):
    BULK_INVALID = "bulk_invalid"
    FAMILY_INVALID = "family_invalid"
    ID_BIRTH_DATE = "id_birth_date"
    ID_CHECKSUM = "id_checksum"
    ID_FORMAT = "id_format"
    ID_INVALID = "id_invalid"
    ID_LENGTH = "id_length"
    ID_REGION = "id_region"
    ID_STORED_AS_NUMBER = "id_stored_as_number"
    IMPORT_CONFLICT = "import_conflict"
    LOCAL_COMMITTEE_MEMBER = "local_committee_member"
    MASS_ORGANIZATION_INVALID = "mass_organization_invalid"
    ON_ROSTER = "on_roster"
    POSITION_CONFLICT = "position_conflict"
    POSITION_INVALID = "position_invalid"
    POSITION_OUTSIDER = "position_outsider"
    STATUS_NEEDS_REMOVAL = "status_needs_removal"
    TRIP_INVALID = "trip_invalid"
    USER_TAKEN = "user_taken"
