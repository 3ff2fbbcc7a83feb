"""Security headers and read-replica routing for every request."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from . import routers

# No inline script, no eval, nothing from another origin: the pages use static files only
# (node_modules through collectstatic). Inline *style attributes* stay allowed because
# Bootstrap's progress bars and htmx's swap classes set them; script is what matters
# (docs/decisions/0120-content-security-policy.md).
DEFAULT_CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def csp_header() -> str:
    policy = {**DEFAULT_CSP, **getattr(settings, "DANGJIAN_CSP", {})}
    return "; ".join(f"{name} {value}".strip() for name, value in policy.items() if value)


class ContentSecurityPolicyMiddleware:
    """Adds Content-Security-Policy (or its report-only twin) to every response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.header = (
            "Content-Security-Policy-Report-Only"
            if getattr(settings, "DANGJIAN_CSP_REPORT_ONLY", False)
            else "Content-Security-Policy"
        )
        self.value = csp_header()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault(self.header, self.value)
        return response


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
