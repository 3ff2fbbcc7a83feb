"""The 发展党员 part of /api/v1/ (see dangjian.api.v1)."""

from ninja import Router

router = Router(tags=["发展党员"])
