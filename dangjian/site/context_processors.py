"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from dangjian.core.extensions import nav_items


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The navigation links registered by the domain apps that this user may follow."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    from dangjian.accounts.scope import scope_for  # accounts sits above core

    scope = scope_for(user)
    items = [item for item in nav_items() if item.visible(scope)]
    # The first few stay in the bar; the rest go under 更多 so the bar fits a laptop screen.
    return {"nav_items": items[:NAV_IN_BAR], "nav_more": items[NAV_IN_BAR:]}


NAV_IN_BAR = 5
