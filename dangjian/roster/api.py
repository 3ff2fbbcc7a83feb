"""The 名册导入导出 part of /api/v1/ (see dangjian.api.v1)."""

from ninja import Router

router = Router(tags=["名册导入导出"])
