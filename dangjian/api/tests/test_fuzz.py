"""A schemathesis run against /api/v1/'s OpenAPI document, at a small budget.

Every operation is called with generated data, as an in-scope administrator (by token), through
the real WSGI application and database: no server errors, and every response (including errors
in the {"code","message","fields"} shape) must match the schema. A large budget runs in
bench/api_fuzz.py.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from dangjian.api import tokens
from dangjian.api.v1 import api

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
MAX_EXAMPLES = int(os.environ.get("DANGJIAN_FUZZ_EXAMPLES", "8"))

schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
schema.app = WSGIHandler()


@pytest.fixture(autouse=True)
def keep_the_test_connection() -> Any:
    """As django.test.Client does: a request through the WSGI handler must not close the
    database connection that holds the test's transaction."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def admin_headers(county: Any) -> dict[str, str]:
    token = tokens.api_token_create(actor=county.east_admin, name="fuzz", days=1)[1]
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.django_db(transaction=False)
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
    database=None,
)
def test_api_conforms_to_its_schema(case: Any, admin_headers: dict[str, str]) -> None:
    case.call_and_validate(headers=admin_headers, checks=CHECKS)
