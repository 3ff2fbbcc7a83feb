"""The one pagination of /api/v1/: `?page=&page_size=` → `{"items", "count"}`.

Page numbers and sizes are bounded, so a request for page 10^20 is a 400 with a message,
not an offset the database cannot hold.
"""

from __future__ import annotations

from ninja import Field, Schema
from ninja.pagination import PageNumberPagination

MAX_PAGE = 1_000_000
MAX_PAGE_SIZE = 500


class Pages(PageNumberPagination):
    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: int | None = Field(None, ge=1, le=MAX_PAGE_SIZE)
