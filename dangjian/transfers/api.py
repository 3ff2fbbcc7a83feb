"""The 组织关系转接 part of /api/v1/ (see dangjian.api.v1)."""

from ninja import Router

router = Router(tags=["组织关系转接"])
