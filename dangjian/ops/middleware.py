"""Read-replica routing for every request (the Content-Security-Policy is django-csp's,
decision 0151)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from . import routers

WRITING_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class ReplicaMiddleware:
    """Sends the reads of report and statistics requests to the replica, when one is set up and
    has caught up with the reader's own last write (decision 0280)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.prefixes = tuple(getattr(settings, "DANGJIAN_REPLICA_PATHS", ()))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not self.prefixes or not routers.replica_configured():
            return self.get_response(request)
        if request.method in WRITING_METHODS:
            response = self.get_response(request)
            self._remember_write(response)
            return response
        if request.method not in ("GET", "HEAD") or not request.path.startswith(self.prefixes):
            return self.get_response(request)
        # The session and the user come from the primary: someone who has just signed in is
        # known there first. (The user is loaded lazily; this loads it now, outside.)
        user = getattr(request, "user", None)
        if user is not None:
            _ = user.is_authenticated
        pinned = request.COOKIES.get(routers.PIN_COOKIE, "")
        if pinned and not routers.valid_wal_location(pinned):
            pinned = ""
        if not routers.replica_ready(pinned):
            return self.get_response(request)  # the primary: the replica is behind or down
        # The cookie stays: replica_ready() costs one query with or without it, and the next
        # connection may reach another replica, not yet as far (decision 0280).
        with routers.reads_from_replica():
            return self.get_response(request)

    def _remember_write(self, response: HttpResponse) -> None:
        location = routers.primary_wal_location()
        if location:
            response.set_cookie(
                routers.PIN_COOKIE,
                location,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
