"""Read-replica routing for every request (the Content-Security-Policy is django-csp's,
decision 0151)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from . import routers


class ReplicaMiddleware:
    """Sends the reads of report and statistics requests to the replica, when one is set up."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.prefixes = tuple(getattr(settings, "DANGJIAN_REPLICA_PATHS", ()))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            self.prefixes
            and request.method in ("GET", "HEAD")
            and request.path.startswith(self.prefixes)
        ):
            with routers.reads_from_replica():
                return self.get_response(request)
        return self.get_response(request)
