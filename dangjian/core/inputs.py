"""A guard on every request's input: no NUL character reaches a view.

PostgreSQL cannot hold a NUL (0x00) in text: a query parameter or form field carrying one made
the first filter on it raise inside the database driver, a 500 (found by schemathesis on
`GET /api/v1/members/?org=…%00…`). No legitimate input holds one, so the request is refused
with a 400 before any view runs, for pages and API alike (under /api/ in the error shape).
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse
from django.views.defaults import bad_request

# A url-encoded body is read into memory anyway (and stays readable as `request.body`); a
# multipart one is streamed, and reading it here would leave nothing for the view or the
# idempotency check. Its text fields are covered by Django's own form validator
# (forms.CharField refuses NUL characters), and files are never text.
FORM_TYPES = ("application/x-www-form-urlencoded",)


def has_nul(request: HttpRequest) -> bool:
    """Whether the path, the query or a url-encoded form holds a NUL."""
    if "\x00" in request.path:
        return True
    if any(
        "\x00" in key or any("\x00" in v for v in values) for key, values in request.GET.lists()
    ):
        return True
    if request.method == "POST" and request.content_type in FORM_TYPES:
        return any(
            "\x00" in key or any("\x00" in v for v in values)
            for key, values in request.POST.lists()
        )
    return False


class RejectNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if has_nul(request):
            return bad_request(request, BadRequest("NUL character in the request"))
        return self.get_response(request)
