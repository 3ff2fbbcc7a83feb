"""The 电子活动证 part of /api/v1/ (see dangjian.api.v1)."""

from ninja import Router

router = Router(tags=["电子活动证"])
