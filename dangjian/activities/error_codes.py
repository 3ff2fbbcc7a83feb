"""Stable error codes of the activities app (`ValidationError(..., code=...)`).

The API returns these values and tests assert them: never change a value. Each is listed with
its meaning in docs/api.md, and a test keeps the two in step.
"""

from __future__ import annotations

import enum


class ErrorCode(enum.StrEnum):
    CANCELLED = "cancelled"
    CAP = "cap"
    CONTENT = "content"
    DONE = "done"
    EMPTY = "empty"
    EXEMPTION_RUNNING = "exemption_running"
    EXPECTED = "expected"
    FORM = "form"
    GRADE = "grade"
    GROUP_ONLY = "group_only"
    GUEST_LOOKUP_LIMIT = "guest_lookup_limit"
    GUEST_OUT_OF_SCOPE = "guest_out_of_scope"
    HANDLED = "handled"
    HANDLING = "handling"
    HELD = "held"
    HOST = "host"
    LEADERSHIP_ONLY = "leadership_only"
    NO_HOME = "no_home"
    NO_QUORUM = "no_quorum"
    NOT_EXPECTED = "not_expected"
    NOT_FOR_GROUP = "not_for_group"
    NOT_GENERAL_MEETING = "not_general_meeting"
    NOT_GUEST = "not_guest"
    NOT_HELD = "not_held"
    NOT_REVIEWED = "not_reviewed"
    NOT_UNQUALIFIED = "not_unqualified"
    NO_VISITED = "no_visited"
    ORDER = "order"
    ORG_KIND = "org_kind"
    PERIOD = "period"
    QUARTER = "quarter"
    RANGE = "range"
    RECEIPT_EXPORTED = "receipt_exported"
    SIZE = "size"
    TIMES = "times"
    TOO_MANY = "too_many"
    TYPE = "type"
    VIA = "via"
