"""The API's URLs. Pages require sign-in through LoginRequiredMiddleware; the API answers
for itself (401 in the error shape, or no sign-in at all for the public calls), so its views
are exempt from the redirect to the login page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.urls import URLPattern, URLResolver

from .v1 import api


def _exempt(patterns: list[URLPattern | URLResolver]) -> list[URLPattern | URLResolver]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            _exempt(pattern.url_patterns)
        else:
            pattern.callback = login_not_required(pattern.callback)
    return patterns


_patterns, _app_name, _namespace = api.urls
# Included by config.urls as path("api/v1/", urls).
urls = (_exempt(list(_patterns)), _app_name, _namespace)
