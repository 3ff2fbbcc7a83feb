"""The request a view receives, typed."""

from __future__ import annotations

from django.http import HttpRequest

from .models import User


class AuthenticatedHttpRequest(HttpRequest):
    """A request that reached a view or an API operation: LoginRequiredMiddleware and the API's
    authentication turn anonymous ones away first, so `user` is a User. For the type checker
    only; a view open to anonymous visitors (`@login_not_required`) takes an HttpRequest."""

    user: User
