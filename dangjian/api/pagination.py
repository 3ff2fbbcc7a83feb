"""The one pagination of /api/v1/: `?page=&page_size=` → `{"items", "count"}`.

Page numbers and sizes are bounded, so a request for page 10^20 is a 400 with a message,
not an offset the database cannot hold.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ninja import Field, Schema
from ninja.pagination import PageNumberPagination

MAX_PAGE = 1_000_000
MAX_PAGE_SIZE = 500


class Pages(PageNumberPagination):
    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: int | None = Field(None, ge=1, le=MAX_PAGE_SIZE)


class PageOf:
    """A queryset whose page is turned into the API's output only when sliced.

    `@paginate(Pages)` slices what a view returns and counts it; a view that builds its output
    row by row returns `PageOf(queryset, build)`, where `build(rows)` turns one page of rows
    into output (one call per page, so a lookup for the page is made once).
    """

    def __init__(self, queryset: Any, build: Callable[[list[Any]], list[Any]]) -> None:
        self.queryset = queryset
        self.build = build

    def __getitem__(self, page: slice) -> list[Any]:
        return self.build(list(self.queryset[page]))

    def __len__(self) -> int:
        count = getattr(self.queryset, "count", None)
        return int(count()) if callable(count) else len(self.queryset)
