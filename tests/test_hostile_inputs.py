"""No page answers 500 to hostile input: overflowing numbers and dates at the calendar's ends,
in the query and in the form.

The walk reuses the registry of tests/test_scope_leak.py (every URL pattern, each parameter
filled with an object of 西镇), signed in as the county administrator, for whom all of it is in
scope: each page is asked with hostile query parameters (GET) and with a form whose every usual
field holds the hostile value (POST). It found a year of 10^23 on the snapshot form (a 500);
`dangjian.core.forms.style_form` now gives every form field default bounds. A 4xx or a form
with errors is fine; a 500 is a finding.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.test_scope_leak import (
    PARAMETER,
    _fill,
    _key,
    page_patterns,
)

pytestmark = pytest.mark.django_db

# The query and form names the pages read (grep request.GET / form fields), each hostile.
FIELDS = [
    "page",
    "page_size",
    "year",
    "month",
    "quarter",
    "on",
    "date",
    "from",
    "to",
    "org",
    "parent",
    "q",
    "kind",
    "status",
    "category",
    "ordering",
    "amount",
    "voluntary_amount",
    "base",
    "months",
    "hours",
    "paid_on",
    "started_on",
    "ended_on",
    "joined_on",
    "full_member_on",
    "birth_date",
    "effective_from",
    "left_on",
    "arrived_on",
    "valid_days",
    "entitled",
    "present",
    "votes_for",
    "training_hours",
    "step",
    "member",
    "members",
    "organization",
    "id_number",
    "phone",
    "name",
    "topic",
    "reason",
]


def _urls(county: Any) -> list[tuple[str, str]]:
    urls = []
    for name, namespace, route in page_patterns():
        kwargs = {p: _fill(_key(name, namespace, p), county) for p in PARAMETER.findall(route)}
        urls.append((name, reverse(name, kwargs=kwargs)))
    return urls


# One walk per value, every field holding it: a walk costs a second or two per page, so the
# values are the ones that found 500s (an overflowing number, dates past the calendar's ends).
WALKS = ["99999999999999999999999", "-99999999999999999999999", "0001-01-01", "9999-12-31"]


@pytest.mark.parametrize("value", WALKS)
def test_no_page_answers_500_to_hostile_input(county: Any, value: str) -> None:
    client = Client(raise_request_exception=False)
    findings = []
    walked = 0
    data = dict.fromkeys(FIELDS, value)
    for name, url in _urls(county):
        for method in ("get", "post"):
            client.force_login(county.county_admin)
            response = getattr(client, method)(url, data)
            walked += 1
            if response.status_code >= 500:
                findings.append(f"{method.upper()} {url} ({name}): {response.status_code}")
    assert walked > 100
    assert findings == []
