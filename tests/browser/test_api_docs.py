"""Swagger UI at /api/v1/docs loads from the `ninja` package's own static files (no CDN) and
lists every operation of the OpenAPI document, with no error from the document's parser."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from dangjian.api.v1 import api

pytestmark = pytest.mark.browser


def _operation_count() -> int:
    schema = api.get_openapi_schema()
    return sum(len(operations) for operations in schema["paths"].values())


def test_swagger_lists_every_operation_without_error(page, county, sign_in, live_server):
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    # Under the Content-Security-Policy (django-csp, decision 0151) nothing is refused.
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    sign_in(page, "east")
    page.goto("/api/v1/docs")
    operations = page.locator(".opblock")
    expect(operations.first).to_be_visible()
    expect(operations).to_have_count(_operation_count())
    # Swagger shows a parser's complaint ("duplicated mapping key", …) in .errors-wrapper.
    expect(page.locator(".errors-wrapper")).to_have_count(0)
    expect(page.locator(".info .title")).to_contain_text("党建")
    # Everything came from this server: Swagger's script and style are the package's files.
    assert requested
    assert all(url.startswith(live_server.url) for url in requested), [
        url for url in requested if not url.startswith(live_server.url)
    ]
    assert any(url.endswith("/static/ninja/swagger-ui-bundle.js") for url in requested)
    assert refused == []
