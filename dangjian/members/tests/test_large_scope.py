"""A city's or a province's member list (decision 0286): a name is found by its start from an
index, the list counts up to a cap, and the organization filter offers the top of the tree.

The thresholds are settings and module constants, set low here so that the small county of the
fixtures is "large" on one side of each boundary and not on the other."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.core.pagination import CappedPaginator
from dangjian.members import selectors, views
from dangjian.members.models import Member
from dangjian.members.selectors import MemberFilters
from dangjian.organizations.choices import OrgKind
from dangjian.site.testing import build_member, build_org

pytestmark = pytest.mark.django_db

# The fixture's tree: 示范县委, 东镇党委, 西镇党委 and three village branches.
ORGANIZATIONS = 6


def names(user: Any, **filters: Any) -> list[str]:
    return [m.name for m in selectors.member_list(user=user, filters=MemberFilters(**filters))]


def test_a_large_scope_finds_a_name_by_its_start_and_a_smaller_one_anywhere(county, settings):
    build_member(organization=county.south_village, name="三张", birth_date=dt.date(1971, 2, 3))
    settings.DANGJIAN_LARGE_SCOPE_ORGANIZATIONS = ORGANIZATIONS - 1  # 6 > 5: large
    assert selectors.is_large_scope(county.county_admin)
    assert names(county.county_admin, q="张") == ["张三"]
    assert names(county.county_admin, q="三") == ["三张"]
    assert names(county.county_admin, q="张三") == ["张三"]
    settings.DANGJIAN_LARGE_SCOPE_ORGANIZATIONS = ORGANIZATIONS  # 6 is not more than 6
    assert not selectors.is_large_scope(county.county_admin)
    assert names(county.county_admin, q="张") == ["三张", "张三"]  # pinyin: sanzhang, zhangsan
    assert names(county.county_admin, q="三") == ["三张", "张三"]


def test_the_size_is_that_of_the_organization_chosen_or_of_the_readers_scope(county, settings):
    """东镇 holds three organizations: below the threshold, whoever reads it."""
    build_member(organization=county.south_village, name="三张", birth_date=dt.date(1971, 2, 3))
    settings.DANGJIAN_LARGE_SCOPE_ORGANIZATIONS = 3
    assert selectors.is_large_scope(county.county_admin)
    assert not selectors.is_large_scope(county.county_admin, county.east)
    assert not selectors.is_large_scope(county.east_admin)
    assert names(county.county_admin, q="三", organization=county.east) == ["三张", "张三"]
    assert names(county.east_admin, q="三") == ["三张", "张三"]
    assert names(county.county_admin, q="三") == ["三张"]


def test_a_large_scope_lists_names_in_code_point_order_and_keeps_the_other_searches(
    county, settings
):
    for name in ("张二", "张一"):
        build_member(organization=county.east_village, name=name, birth_date=dt.date(1980, 1, 1))
    settings.DANGJIAN_LARGE_SCOPE_ORGANIZATIONS = 1
    # 一 U+4E00, 三 U+4E09, 二 U+4E8C: the index's order, the same on both databases.
    assert names(county.county_admin, q="张") == ["张一", "张三", "张二"]
    # Pinyin, initials and numbers search as in any scope, in pinyin order.
    assert names(county.county_admin, q="zs") == ["张三"]
    assert names(county.county_admin, q="zhang") == ["张二", "张三", "张一"]
    assert names(county.county_admin, q="13812345678") == ["张三"]
    # The scope still holds: 西镇's administrator does not find 东镇's members by any start.
    assert names(county.west_admin, q="张") == []
    assert names(county.west_admin, q="孙") == ["孙八"]


def test_a_large_scope_search_uses_the_name_index_on_postgresql(county, settings):
    """The condition and the order are those of the migration's index (name COLLATE "C")."""
    if connection.vendor != "postgresql":
        pytest.skip("the index is PostgreSQL's")
    settings.DANGJIAN_LARGE_SCOPE_ORGANIZATIONS = 1
    queryset = selectors.member_list(user=county.county_admin, filters=MemberFilters(q="张"))
    sql = str(queryset.query)
    assert 'COLLATE "C"' in sql
    assert "LIKE" in sql
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'member_name_c_idx'")
        (definition,) = cursor.fetchone()
    assert 'COLLATE "C"' in definition


def test_the_capped_paginator_counts_one_past_the_cap_and_pages_within_it(county):
    members = Member.objects.order_by("pk")  # six members
    with CaptureQueriesContext(connection) as queries:
        paginator = CappedPaginator(members, per_page=2, cap=3)
        assert paginator.count == 3
    assert paginator.capped
    assert paginator.num_pages == 2
    assert [m.name for m in paginator.page(2)] == [members[2].name]
    (count,) = [q["sql"] for q in queries.captured_queries]
    assert "LIMIT 4" in count
    exact = CappedPaginator(members, per_page=2, cap=6)
    assert (exact.count, exact.capped) == (6, False)


def test_a_large_list_page_says_it_is_capped_and_that_names_match_by_start(
    client, county, settings, monkeypatch
):
    client.force_login(county.county_admin)
    settings.DANGJIAN_LARGE_SCOPE_ORGANIZATIONS = ORGANIZATIONS - 1
    monkeypatch.setattr(selectors, "LIST_CAP", 4)
    html = client.get("/members/").content.decode()
    assert "超过 4 名党员，只列出前 4 名" in html
    assert len(re.findall(r'<a href="/members/\d+/">', html)) == 4
    assert 'data-testid="names-by-start"' not in html  # no name typed
    html = client.get("/members/", {"q": "张"}).content.decode()
    assert 'data-testid="names-by-start"' in html
    assert "共 1 名党员" in html
    settings.DANGJIAN_LARGE_SCOPE_ORGANIZATIONS = ORGANIZATIONS
    html = client.get("/members/").content.decode()
    assert "共 6 名党员" in html
    assert "超过" not in html


def test_a_search_in_a_large_scope_counts_to_a_lower_cap_than_a_browse(
    client, county, settings, monkeypatch
):
    """Typed text counts to SEARCH_CAP, browsing to LIST_CAP, a number to LIST_CAP (it finds
    one or two); a county counts everything (decision 0288)."""
    for name in ("张一", "张二", "张四"):
        build_member(organization=county.east_village, name=name, birth_date=dt.date(1980, 1, 1))
    client.force_login(county.county_admin)
    settings.DANGJIAN_LARGE_SCOPE_ORGANIZATIONS = ORGANIZATIONS - 1
    monkeypatch.setattr(selectors, "LIST_CAP", 5)
    monkeypatch.setattr(selectors, "SEARCH_CAP", 2)
    assert selectors.list_cap(large=True, q="张") == 2
    assert selectors.list_cap(large=True, q="zhang") == 2
    assert selectors.list_cap(large=True, q="13812345678") == 5
    assert selectors.list_cap(large=True, q=" ") == 5
    assert selectors.list_cap(large=False, q="张") is None
    for q in ("张", "zhang"):
        html = client.get("/members/", {"q": q}).content.decode()
        assert "超过 2 名党员，只列出前 2 名" in html, q
        assert len(re.findall(r'<a href="/members/\d+/">', html)) == 2
    html = client.get("/members/").content.decode()
    assert "超过 5 名党员，只列出前 5 名" in html
    settings.DANGJIAN_LARGE_SCOPE_ORGANIZATIONS = ORGANIZATIONS
    html = client.get("/members/", {"q": "张"}).content.decode()
    assert "共 4 名党员" in html
    assert "超过" not in html


def test_a_long_organization_filter_offers_the_top_three_levels_and_the_chosen_one(
    client, county, monkeypatch
):
    general = build_org(name="东镇机关党总支", kind=OrgKind.GENERAL_BRANCH, parent=county.east)
    deep = build_org(name="机关第一党支部", parent=general)
    build_member(organization=deep, name="周深", birth_date=dt.date(1985, 5, 5))
    client.force_login(county.county_admin)

    def options(html: str) -> list[str]:
        select = html.split('name="org"', 1)[1].split("</select>", 1)[0]
        return [o.strip("\u3000") for o in re.findall(r"<option[^>]*>([^<]*)</option>", select)]

    monkeypatch.setattr(views, "ORGANIZATIONS_LISTED", ORGANIZATIONS + 2)  # 8 organizations
    html = client.get("/members/").content.decode()
    assert "机关第一党支部" in options(html)
    assert 'data-testid="organizations-limited"' not in html
    monkeypatch.setattr(views, "ORGANIZATIONS_LISTED", ORGANIZATIONS + 1)
    html = client.get("/members/").content.decode()
    assert "东镇机关党总支" in options(html)  # depth 2, the third level
    assert "机关第一党支部" not in options(html)  # depth 3
    assert 'data-testid="organizations-limited"' in html
    # A deeper organization from a link is accepted, listed and selected.
    html = client.get("/members/", {"org": deep.pk}).content.decode()
    assert "机关第一党支部" in options(html)
    assert f'<option value="{deep.pk}" selected>' in html
    assert "周深" in html
    assert "张三" not in html


def test_the_organization_filter_stays_in_scope_when_it_is_long(client, county, monkeypatch):
    monkeypatch.setattr(views, "ORGANIZATIONS_LISTED", 1)
    client.force_login(county.east_admin)
    html = client.get("/members/").content.decode()
    select = html.split('name="org"', 1)[1].split("</select>", 1)[0]
    assert "东镇党委" in select
    assert "西镇党委" not in select
    assert "示范县委" not in select
    assert client.get("/members/", {"org": county.west_village.pk}).status_code == 404


def test_postgresql_keeps_finer_statistics_of_the_organization_path():
    """A subtree's size is estimated from 1,000 buckets (migration organizations.0002)."""
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL setting")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attstattarget FROM pg_attribute WHERE attrelid ="
            " 'organizations_organization'::regclass AND attname = 'path'"
        )
        assert cursor.fetchone()[0] == 1000
