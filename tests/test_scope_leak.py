"""No page and no API operation shows a user anything of an organization outside their scope.

The test walks *every* URL pattern (Django's resolver) and *every* operation of the OpenAPI
document of /api/v1/, signed in as users of 东镇 (administrator, secretary, observer, member),
and asks for the objects of 西镇 — the other township. Each answer must be a 404, or (for pages
without an object in the URL, such as lists and forms) a page that names nothing of 西镇.

A new URL with a parameter this file does not know how to fill FAILS the test: add one line to
OTHER_ORGANIZATION saying how to find an object of 西镇 for it (docs/testing-scope.md). Pages
anyone may open without signing in are listed in PUBLIC_PAGES / PUBLIC_OPERATIONS on purpose.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from dangjian.api.v1 import api
from dangjian.members import services as member_services
from dangjian.members.choices import PositionTitle
from dangjian.members.models import Position

pytestmark = pytest.mark.django_db

# --- the registry: URL parameter → an object of 西镇 (the other township) ----------------------
# Key "namespace:parameter" for pages, "api:<first path segment>:parameter" for the API.
# One line per new parameter. `c` is the `county` fixture (conftest.py); `west_position` below.
OTHER_ORGANIZATION: dict[str, Callable[[Any], Any]] = {
    "members:pk": lambda c: c.sun.pk,
    "members:field": lambda c: "id_number",
    "members:position_pk": lambda c: west_position(c).pk,
    "organizations:pk": lambda c: c.west_village.pk,
    "reports:pk": lambda c: c.west.pk,
}

# Pages that need no sign-in and show no records (sign-in, health, language switch …).
PUBLIC_PAGES = {
    "accounts:login",
    "accounts:logout",
    "accounts:two_factor_setup",
    "accounts:two_factor_verify",
    "set_language",
    "healthz",
    "ops:live",
    "ops:ready",
    "ops:metrics",
}
# API operations without sign-in (operationId), e.g. certificate verification.
PUBLIC_OPERATIONS: set[str] = set()

# What 西镇 holds: none of it may reach a user of 东镇.
WEST_TEXT = ("西镇党委", "西村党支部", "孙八", "13900001111", "C0005", "C0006")
NOT_FOUND_OR_REFUSED = {404, 403, 405}
USERS = ["east_admin", "east_secretary", "east_observer", "member_user"]


def west_position(c: Any) -> Position:
    existing = Position.objects.filter(member=c.sun).first()
    if existing is not None:
        return existing
    return member_services.position_assign(
        actor=c.county_admin,
        organization=c.west_village,
        member=c.sun,
        title=PositionTitle.SECRETARY,
        started_on=dt.date(2024, 1, 1),
    )


def _patterns(
    patterns: list[Any], prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, str, str]]:
    """(URL name with namespace, namespace, full route) of every pattern."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or ""
            full = f"{namespace}:{inner}" if namespace and inner else inner or namespace
            yield from _patterns(pattern.url_patterns, prefix + str(pattern.pattern), full)
        elif isinstance(pattern, URLPattern) and pattern.name:
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield name, namespace, prefix + str(pattern.pattern)


def page_patterns() -> list[tuple[str, str, str]]:
    return [p for p in _patterns(get_resolver().url_patterns) if not p[1].startswith("api-v1")]


def api_operations() -> list[tuple[str, str, dict[str, Any]]]:
    schema = api.get_openapi_schema()
    return [
        (path, method, operation)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    ]


PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")


def _fill(key: str, county: Any) -> Any:
    if key not in OTHER_ORGANIZATION:
        pytest.fail(
            f"no way to find an object of another organization for {key!r}: add a line "
            f"'{key}': lambda c: …  to OTHER_ORGANIZATION in tests/test_scope_leak.py "
            "(see docs/testing-scope.md)"
        )
    return OTHER_ORGANIZATION[key](county)


def assert_nothing_of_the_west(response: Any, where: str) -> None:
    body = response.content.decode(errors="replace")
    for text in WEST_TEXT:
        assert text not in body, f"{where} shows {text!r} to a user out of scope"


def test_every_page_pattern_is_known() -> None:
    """Each parameter of each page has a registry entry (the test below would also fail)."""
    missing = []
    for name, namespace, route in page_patterns():
        for parameter in PARAMETER.findall(route):
            if f"{namespace}:{parameter}" not in OTHER_ORGANIZATION:
                missing.append(f"{name} ({route}): {namespace}:{parameter}")
    assert missing == [], f"add to OTHER_ORGANIZATION: {missing}"


@pytest.mark.parametrize("who", USERS)
def test_no_page_shows_the_other_organization(county: Any, client: Any, who: str) -> None:
    user = getattr(county, who)
    checked = 0
    for name, namespace, route in page_patterns():
        if name in PUBLIC_PAGES:
            continue
        parameters = PARAMETER.findall(route)
        kwargs = {p: _fill(f"{namespace}:{p}", county) for p in parameters}
        url = reverse(name, kwargs=kwargs)
        for method in ("get", "post"):
            client.force_login(user)
            response = getattr(client, method)(url)
            where = f"{method.upper()} {url} ({name}) as {who}"
            if parameters:
                assert response.status_code in NOT_FOUND_OR_REFUSED, (
                    f"{where}: {response.status_code}, expected 404"
                )
            else:
                assert response.status_code < 500, where
            assert_nothing_of_the_west(response, where)
            checked += 1
    assert checked >= 20  # the walk really walked


@pytest.mark.parametrize("who", USERS)
def test_no_api_operation_shows_the_other_organization(county: Any, client: Any, who: str) -> None:
    user = getattr(county, who)
    for path, method, operation in api_operations():
        operation_id = operation.get("operationId", path)
        if not operation.get("security") and operation_id not in PUBLIC_OPERATIONS:
            pytest.fail(
                f"{method.upper()} {path} answers without sign-in: add {operation_id!r} to "
                "PUBLIC_OPERATIONS if that is intended"
            )
        segment = path.removeprefix("/api/v1/").split("/", 1)[0]
        url = path
        query: dict[str, Any] = {}
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "path":
                value = _fill(f"api:{segment}:{parameter['name']}", county)
                url = url.replace("{" + parameter["name"] + "}", str(value))
            elif parameter["in"] == "query" and parameter.get("required"):
                query[parameter["name"]] = _fill(f"api:{segment}:{parameter['name']}", county)
        client.force_login(user)
        if method == "get":
            response = client.get(url, query)
        else:
            response = getattr(client, method)(url, data={}, content_type="application/json")
        where = f"{method.upper()} {url} ({operation_id}) as {who}"
        assert response.status_code < 500, where
        if "{" in path:
            assert response.status_code in NOT_FOUND_OR_REFUSED | {400, 422}, where
        assert_nothing_of_the_west(response, where)


def test_the_registry_really_points_at_the_other_organization(county: Any) -> None:
    """Every entry yields an object of 西镇 (so a wrong lambda cannot make the test pass)."""
    from dangjian.members.models import Member
    from dangjian.organizations.models import Organization

    west_path = county.west.path
    for key, find in OTHER_ORGANIZATION.items():
        value = find(county)
        if key.endswith(":field"):
            continue
        candidates = []
        if key.startswith(("members:pk",)):
            membership = Member.objects.get(pk=value).memberships.order_by("-pk").first()
            assert membership is not None
            candidates = [membership.organization]
        elif key.endswith("position_pk"):
            candidates = [Position.objects.get(pk=value).organization]
        else:
            candidates = [Organization.objects.get(pk=value)]
        assert all(org.path.startswith(west_path) for org in candidates), key


def test_the_walk_fails_for_an_unknown_parameter(county: Any) -> None:
    """The safety net itself: an unknown parameter name makes the walk fail, not skip."""
    with pytest.raises(pytest.fail.Exception, match="add a line"):
        _fill("newapp:thing_pk", county)
