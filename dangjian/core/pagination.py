from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest
from django.utils.functional import cached_property

PAGE_SIZE = 25


class CappedPaginator(Paginator):
    """Counts at most `cap` rows: counting millions of rows costs seconds on every page, and no
    one pages through them. `capped` says that more rows exist than the pages reach."""

    def __init__(self, object_list: Any, per_page: int, cap: int) -> None:
        super().__init__(object_list, per_page)
        self.cap = cap

    @cached_property
    def counted(self) -> int:
        """The rows, counted up to one past the cap (`SELECT COUNT(*) FROM (… LIMIT cap+1)`)."""
        rows: Any = self.object_list
        return int(rows[: self.cap + 1].count())

    @cached_property
    def count(self) -> int:
        return min(self.counted, self.cap)

    @property
    def capped(self) -> bool:
        return self.counted > self.cap


def paginate(
    request: HttpRequest, queryset: Any, per_page: int = PAGE_SIZE, *, cap: int | None = None
) -> Page:
    """The requested page; a page number out of range gives the last page, not an error.
    With `cap`, at most that many rows are counted and reached (`CappedPaginator`)."""
    paginator = (
        Paginator(queryset, per_page) if cap is None else CappedPaginator(queryset, per_page, cap)
    )
    return paginator.get_page(request.GET.get("page"))


def querystring_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def int_or_404(value: str | None) -> int:
    """A primary key from a query parameter; anything else is a 404, not a crash page."""
    from django.http import Http404

    try:
        return int(value or "")
    except ValueError as exc:
        raise Http404 from exc
