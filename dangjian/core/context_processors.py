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
    return {"nav_items": [item for item in nav_items() if item.visible(scope)]}
