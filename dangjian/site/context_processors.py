"""Template context shared by every page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.functional import Promise

from dangjian.core.extensions import nav_items


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The navigation links registered by the domain apps that this user may follow."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    from dangjian.accounts.scope import scope_for  # accounts sits above core

    scope = scope_for(user)
    items = [
        NavLink(item.label, _url(item.url_name)) for item in nav_items() if item.visible(scope)
    ]
    # The first few stay in the bar; the rest go under 更多 so the bar fits a laptop screen.
    return {"nav_items": items[:NAV_IN_BAR], "nav_more": items[NAV_IN_BAR:]}


NAV_IN_BAR = 5


@dataclass(frozen=True)
class NavLink:
    label: str | Promise
    url: str


_URLS: dict[tuple[str, str, str], str] = {}


def _url(url_name: str) -> str:
    """The link's address, reversed once per process (and URL prefix, URL configuration):
    every page showed the same links, reversed again on each request."""
    key = (url_name, get_script_prefix(), str(get_urlconf() or settings.ROOT_URLCONF))
    url = _URLS.get(key)
    if url is None:
        url = _URLS[key] = reverse(url_name)
    return url
