from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Window
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


class OnePassPaginator(Paginator):
    """Counts the rows with the page (`COUNT(*) OVER ()`), then reads the page's rows by their
    keys: for a search whose count and page each read every row of the scope (a name typed
    at a county: its 28,682 members read twice, 150 ms of the database's CPU; decision 0288).
    The queryset is ordered; its annotations are computed for the page's rows only."""

    def get_page(self, number: Any) -> Page:
        try:
            wanted = int(number)
        except (TypeError, ValueError):
            wanted = 1
        if wanted < 1:  # Django's paginator gives the last page: count, as it does
            return super().get_page(number)
        offset = (wanted - 1) * self.per_page
        rows: Any = self.object_list
        # The always-true filter on the count makes Django read the window in a subquery and
        # sort and cut the page outside it. Without it PostgreSQL costs `LIMIT 25` over the
        # window as if it could stop after 25 rows, and walked the whole province's name index
        # (4.3 million entries, 51 s) for a county's 263 matches instead of reading the
        # county's 28,682 members by their path (decision 0290).
        keys = list(
            rows.annotate(_total=Window(Count("*")))
            .filter(_total__gte=1)
            .values_list("pk", "_total")[offset : offset + self.per_page]
        )
        if not keys:  # no rows, or a page past the last: count, and give the last page
            return super().get_page(number)
        self.__dict__["count"] = keys[0][1]
        by_key = {row.pk: row for row in rows.filter(pk__in=[key for key, _total in keys])}
        return Page([by_key[key] for key, _total in keys], wanted, self)


def paginate(
    request: HttpRequest,
    queryset: Any,
    per_page: int = PAGE_SIZE,
    *,
    cap: int | None = None,
    one_pass: bool = False,
) -> Page:
    """The requested page; a page number out of range gives the last page, not an error.
    With `cap`, at most that many rows are counted and reached (`CappedPaginator`); with
    `one_pass`, counted with the page (`OnePassPaginator`)."""
    paginator: Paginator
    if cap is not None:
        paginator = CappedPaginator(queryset, per_page, cap)
    elif one_pass:
        paginator = OnePassPaginator(queryset, per_page)
    else:
        paginator = Paginator(queryset, per_page)
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
