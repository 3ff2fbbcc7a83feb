"""In a real browser: an administrator enrols two-factor sign-in with the QR page and reaches the
audit log; on a phone the menu button works under the Content-Security-Policy (no inline script)."""

from __future__ import annotations

import re
from typing import Any

import pyotp
import pytest
from playwright.sync_api import expect

from .conftest import follow_nav

pytestmark = pytest.mark.browser
# (Here rather than in dangjian/ops/tests: one Playwright instance per test session.)


def _csp_errors(page: Any) -> list[str]:
    errors: list[str] = []
    page.on(
        "console",
        lambda message: (
            errors.append(message.text)
            if "Content Security Policy" in message.text or "Refused to" in message.text
            else None
        ),
    )
    return errors


def test_administrator_enrols_two_factor_and_opens_the_audit_log(
    page: Any, county: Any, sign_in: Any, settings: Any
) -> None:
    settings.DANGJIAN_REQUIRE_TWO_FACTOR = True
    errors = _csp_errors(page)
    sign_in(page, county.east_admin.username)
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/setup/"))
    expect(page.locator(".dj-qr svg")).to_be_visible()
    secret = page.get_by_test_id("secret").inner_text().replace(" ", "")
    page.get_by_label("验证码").fill("000000")
    page.get_by_role("button", name="启用").click()
    expect(page.get_by_text("验证码不正确")).to_be_visible()
    page.get_by_label("验证码").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="启用").click()
    expect(page.get_by_test_id("recovery-codes").locator("li")).to_have_count(10)
    page.get_by_role("link", name="我已保存，继续").click()
    follow_nav(page, "审计日志")
    expect(page.get_by_role("heading", name="审计日志")).to_be_visible()
    expect(page.get_by_text("启用两步验证").first).to_be_visible()
    page.get_by_label("操作", exact=True).select_option("CREATE")
    expect(page).to_have_url(re.compile(r"action=CREATE"))
    assert errors == []


@pytest.mark.parametrize("page", ["phone"], indirect=True)
def test_the_phone_menu_opens_without_inline_script(page: Any, county: Any, sign_in: Any) -> None:
    errors = _csp_errors(page)
    sign_in(page, county.east_secretary.username)
    menu = page.locator("#dj-nav")
    expect(menu).to_be_hidden()
    page.get_by_role("button", name="菜单").click()
    expect(menu).to_be_visible()
    expect(page.get_by_role("button", name="菜单")).to_have_attribute("aria-expanded", "true")
    assert errors == []
