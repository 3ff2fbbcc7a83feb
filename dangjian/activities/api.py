"""The 组织生活 part of /api/v1/ (see dangjian.api.v1)."""

from ninja import Router

router = Router(tags=["组织生活"])
