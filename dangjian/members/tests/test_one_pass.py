"""A county's name search counted with its page (core.pagination.OnePassPaginator, decision
0288): the same page and count as Django's paginator, from one read of the scope."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dangjian.core.pagination import OnePassPaginator
from dangjian.members import selectors
from dangjian.members.selectors import MemberFilters
from dangjian.site.testing import build_member

pytestmark = pytest.mark.django_db

NAMES = ["张一", "张二", "李张", "王五张", "张", "赵六", "钱张七"]


@pytest.fixture
def searched(county: Any) -> Any:
    for i, name in enumerate(NAMES):
        build_member(
            organization=county.east_village if i % 2 else county.south_village,
            name=name,
            birth_date=dt.date(1970 + i, 1, 1),
        )
    return selectors.member_list(user=county.county_admin, filters=MemberFilters(q="张"))


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(per_page=st.integers(1, 5), number=st.one_of(st.integers(-1, 9), st.just("x")))
def test_the_page_and_count_are_those_of_djangos_paginator(
    searched: Any, per_page: int, number: Any
) -> None:
    expected = Paginator(searched, per_page).get_page(number)
    page = OnePassPaginator(searched, per_page).get_page(number)
    assert [m.pk for m in page] == [m.pk for m in expected]
    assert (page.number, page.paginator.count) == (expected.number, expected.paginator.count)
    assert [m.organization_name for m in page] == [m.organization_name for m in expected]


def test_one_read_of_the_scope_then_the_pages_rows_by_key(searched: Any) -> None:
    with CaptureQueriesContext(connection) as queries:
        page = OnePassPaginator(searched, 2).get_page(2)
        assert page.paginator.count == 7  # the fixture's 张三 and six of ours (not 赵六)
        assert len(page) == 2
    first, second = (q["sql"] for q in queries.captured_queries)
    assert "OVER ()" in first
    assert "LIMIT 2 OFFSET 2" in first
    assert "OVER" not in second
    # The window is counted in a subquery and the page sorted and cut outside it: a LIMIT
    # beside the window let PostgreSQL plan to stop early (a province's name index walked
    # for a county's search, decision 0290).
    window, limit = first.index("OVER ()"), first.index("LIMIT 2 OFFSET 2")
    assert first.index("FROM (") < window
    assert window < first.rindex(")", 0, limit) < limit


def test_no_rows_and_a_page_past_the_end(county: Any) -> None:
    nobody = selectors.member_list(user=county.county_admin, filters=MemberFilters(q="无此人"))
    page = OnePassPaginator(nobody, 5).get_page(3)
    assert (page.number, page.paginator.count, list(page)) == (1, 0, [])


def test_the_member_list_counts_a_countys_name_search_with_its_page(
    client: Any, county: Any, searched: Any
) -> None:
    """Only a name searched anywhere (not in a large scope, not pinyin, not browsing)."""
    client.force_login(county.county_admin)
    for params, one_pass in [({"q": "张"}, True), ({"q": "zhang"}, False), ({}, False)]:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/members/", params).status_code == 200
        assert any("OVER ()" in q["sql"] for q in queries.captured_queries) is one_pass, params
    assert "共 7 名党员" in client.get("/members/", {"q": "张"}).content.decode()
