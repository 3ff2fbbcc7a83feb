from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest

PAGE_SIZE = 25


def paginate(request: HttpRequest, queryset: Any, per_page: int = PAGE_SIZE) -> Page:
    """The requested page; a page number out of range gives the last page, not an error."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


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
