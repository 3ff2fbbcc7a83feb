"""Stable error codes of the organizations app (`ValidationError(..., code=...)`).

The API returns these values and tests assert them: never change a value. Each is listed with
its meaning in docs/api.md, and a test keeps the two in step.
"""

from __future__ import annotations

import enum


class ErrorCode(enum.StrEnum):
    BRANCH_WITH_CHILDREN = "branch_with_children"
    GROUP_OUTSIDE_BRANCH = "group_outside_branch"
    LOCAL_COMMITTEE_PLACEMENT = "local_committee_placement"
    MOVE_INTO_SELF = "move_into_self"
    PARENT_IS_GROUP = "parent_is_group"
    PARENT_REQUIRED = "parent_required"
    UNDER_BRANCH = "under_branch"
