"""A township administrator signs in, finds a member by initials and opens their page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import ARTIFACTS

pytestmark = pytest.mark.browser

LOGIN_ERROR = "用户名或密码不正确，请重新输入。注意区分大小写。"


def search_members(page, text):
    """Type into the member search box; htmx swaps the results in without leaving the page."""
    page.evaluate("window.djSamePage = true")
    page.get_by_role("searchbox").press_sequentially(text)
    expect(page.get_by_test_id("result-count")).to_have_text("共 1 名党员")
    expect(page.locator("#results")).to_have_count(1)  # swapped, not nested
    assert page.evaluate("window.djSamePage === true"), "the list reloaded instead of swapping"
    expect(page).to_have_url(re.compile(rf"/members/\?.*q={text}"))  # hx-push-url


def test_administrator_signs_in_searches_and_opens_a_member(page, county, sign_in):
    """The overview on home, a search by initials (htmx), and the member's archive timeline."""
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    sign_in(page, "east")
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_test_id("overview-sentence")).to_contain_text("共有党员5名")
    expect(page.get_by_role("heading", name="东镇党委")).to_be_visible()

    page.get_by_role("navigation").get_by_role("link", name="党员", exact=True).click()
    expect(page.get_by_role("heading", name="党员")).to_be_visible()
    expect(page.get_by_test_id("result-count")).to_have_text("共 5 名党员")

    search_members(page, "zs")
    results = page.locator("#results")
    expect(results.get_by_role("link", name="张三")).to_be_visible()
    expect(results.get_by_role("link", name="李四")).to_have_count(0)
    expect(results).to_contain_text("138******78")

    results.get_by_role("link", name="张三").click()
    expect(page).to_have_url(re.compile(rf"/members/{county.zhang.pk}/$"))
    expect(page.get_by_role("heading", name=re.compile("张三"))).to_be_visible()
    timeline = page.get_by_test_id("timeline")
    expect(timeline).to_contain_text("建档")
    expect(timeline).to_contain_text("东村党支部")
    expect(page.locator("#id-number")).to_have_text(re.compile(r"110101\*{12}"))
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "member-page-desktop.png"), full_page=True)

    # Back to the results: the whole list page again, not the bare htmx fragment from cache.
    page.go_back()
    expect(
        page.get_by_role("navigation").get_by_role("link", name="党员", exact=True)
    ).to_be_visible()
    expect(page.get_by_role("searchbox")).to_be_visible()
    expect(page.locator("#results").get_by_role("link", name="张三")).to_be_visible()


def test_reveal_asks_then_shows_the_full_number(page, county, sign_in):
    """显示 asks for confirmation, then swaps in the full ID number (htmx POST with CSRF)."""
    sign_in(page, "east")
    page.goto(f"/members/{county.zhang.pk}/")
    dialogs: list[str] = []

    def confirm(dialog):
        dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", confirm)
    page.locator("#id-number").get_by_role("button", name="显示").click()
    expect(page.get_by_test_id("revealed")).to_have_text(county.zhang.id_number)
    assert dialogs
    assert "审计" in dialogs[0]


@pytest.mark.parametrize("page", ["phone"], indirect=True)
def test_member_list_is_usable_on_a_phone(page, county, sign_in):
    """On a 390 px screen: the menu opens, the list fits the width, search and tap work."""
    sign_in(page, "east")
    page.get_by_role("button", name="菜单").click()
    page.get_by_role("navigation").get_by_role("link", name="党员", exact=True).click()
    expect(page.get_by_test_id("result-count")).to_have_text("共 5 名党员")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # Secondary columns give way to name, category and organization.
    expect(page.locator("#results th.dj-hide-sm").first).to_be_hidden()
    expect(page.locator("#results").get_by_role("link", name="王五")).to_be_in_viewport()

    search_members(page, "zs")
    link = page.locator("#results").get_by_role("link", name="张三")
    box = link.bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= 390
    link.tap()
    expect(page.get_by_test_id("timeline")).to_contain_text("建档")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "member-page-phone.png"), full_page=True)


def test_failed_sign_in_says_so_in_chinese(page, county, sign_in):
    sign_in(page, "east", password="wrong-password")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.get_by_role("alert")).to_have_text(LOGIN_ERROR)
    expect(page.get_by_label("用户名")).to_have_value("east")
