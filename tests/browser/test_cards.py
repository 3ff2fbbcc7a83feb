"""Issue 23, the card in the pocket: a secretary invites the branch, a member who has never
signed in activates on their phone with the letter's code, the secretary issues the card, the
member sees it in /me/, a host secretary's phone camera reads the QR, which opens the
issuing deployment's verify page; the page verifies in the browser, also with the network cut,
and the host branch records the guest's attendance with the scanned URL.

With DANGJIAN_SCREENSHOTS=docs/screenshots the test leaves the screenshots of
docs/certificate-format.md: the card in /me/ and the verify page (phone).
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from dangjian.activities.models import Attendance
from dangjian.certificates import render, services
from dangjian.certificates.models import Certificate
from dangjian.core.dates import today
from dangjian.members.models import Member

from .conftest import VIEWPORTS, wait_until_kept

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("DANGJIAN_SCREENSHOTS", "")
PASSWORD = "Hong-qi-2026"


@pytest.fixture(autouse=True)
def _fresh_revocation_index() -> Any:
    services.revocation_index_clear()
    yield
    services.revocation_index_clear()


def shot(page: Any, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"cards-{name}.png"), full_page=True)


def phone(browser: Any, live_server: Any) -> Any:
    context = browser.new_context(locale="zh-CN", base_url=live_server.url, **VIEWPORTS["phone"])
    context.set_default_timeout(10_000)
    return context


@pytest.mark.parametrize("page", ["phone"], indirect=True)
def test_a_card_goes_from_the_secretary_to_a_host_branchs_phone(
    page: Any, browser: Any, live_server: Any, county: Any, sign_in: Any, settings: Any
) -> None:
    from dangjian.activities import services as activity_services

    settings.DANGJIAN_PUBLIC_URL = live_server.url  # the address phones reach this deployment at
    activity = activity_services.activity_create(
        actor=county.west_admin,
        organization=county.west_village,
        data={"kind": "THEME_DAY", "topic": "重温入党誓词", "on": today()},
    )

    # The secretary invites the branch; 李四, who has never signed in, activates on a phone.
    sign_in(page, "secretary")
    page.goto(county.east_village.get_absolute_url())
    page.get_by_test_id("panel-accounts").get_by_role("link", name="邀请党员开通账号").click()
    page.get_by_test_id("invite-all").click()
    expect(page.get_by_test_id("invitation-progress")).to_contain_text("已生成 3 份激活函")
    letter = page.get_by_test_id("letter").filter(has_text="李四")
    link = re.search(r"https?://\S+/activate/\?code=\w+", letter.locator("textarea").input_value())
    assert link, "the letter's text has no activation link"
    member_context = phone(browser, live_server)
    member = member_context.new_page()
    member.goto(live_server.url + "/activate/" + link.group(0).split("/activate/", 1)[1])
    member.get_by_label("身份证号后 4 位").fill(Member.objects.get(pk=county.li.pk).id_number[-4:])
    member.get_by_label("设置密码", exact=True).fill(PASSWORD)
    member.get_by_label("再输一次密码").fill(PASSWORD)
    member.get_by_role("button", name="开通并登录").click()
    expect(member).to_have_url(re.compile(r"/me/$"))

    # The secretary issues 李四's card from the member page, on a phone.
    page.goto(county.li.get_absolute_url())
    panel = page.get_by_test_id("certificate-panel")
    panel.get_by_role("button", name="签发电子活动证").click()
    expect(page.get_by_test_id("certificate-panel")).to_contain_text("有效")
    certificate = Certificate.objects.get(member=county.li, revoked_at__isnull=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # The member sees the card in /me/ on their own phone.
    member.goto("/me/")
    card = member.get_by_test_id("certificate-card")
    expect(card).to_contain_text("李四")
    expect(card).to_contain_text(certificate.serial.upper())
    expect(member.get_by_test_id("card-save-png")).to_be_visible()
    assert member.evaluate("document.documentElement.scrollWidth") <= 390
    card.scroll_into_view_if_needed()
    shot(member, "me")

    # A host secretary's phone camera reads the QR from the screen: a URL, nothing else.
    screen = member.screenshot()
    codes = zxingcpp.read_barcodes(
        Image.open(io.BytesIO(screen)),
        formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode),
    )
    assert len(codes) == 1, "no QR code could be read from the member's screen"
    url = str(codes[0].text)
    assert re.fullmatch(re.escape(live_server.url) + r"/v/#DJ1N:\d+", url), url
    assert url == render.card_url(certificate.payload)
    member_context.close()

    # The host secretary's phone opens the URL; the page verifies it by itself.
    host_context = phone(browser, live_server)
    host = host_context.new_page()
    host.goto(url)
    result = host.locator("#verify-result")
    expect(result.get_by_role("status")).to_have_attribute("data-outcome", "valid")
    expect(result).to_contain_text("李四")
    expect(result).to_contain_text("已在本机核验")
    expect(host.get_by_label("电子活动证二维码内容")).to_have_value(certificate.payload)
    assert host.evaluate("document.documentElement.scrollWidth") <= 390
    shot(host, "verify")
    # Offline only once the worker controls the page and keeps it and its script.
    wait_until_kept(host, "/v/", host.locator("script[data-sw-url]").get_attribute("src") or "")

    # The network is cut after the first visit: the QR is scanned again and the page opens and
    # verifies again. Opened as the camera opens it, from another page (the same URL again
    # would only move to its fragment); Chromium 156 sends a reload past the service worker
    # (tests/browser/test_federation.py), so `reload()` would fail offline.
    host_context.set_offline(True)
    host.goto("about:blank")
    host.goto(url)
    expect(host.get_by_role("heading", name="核验电子活动证")).to_be_visible()
    expect(result.get_by_role("status")).to_have_attribute("data-outcome", "valid")
    expect(result).to_contain_text("离线核验")
    expect(result).to_contain_text("李四")
    host_context.set_offline(False)

    # Back online, the host secretary records the guest with the scanned URL.
    sign_in(host, "west")
    host.goto(f"/cards/checkin/{activity.pk}/")
    host.get_by_label("电子活动证二维码内容").fill(url)
    host.get_by_role("button", name="核验并登记").click()
    expect(host.get_by_role("alert").first).to_contain_text("李四")
    attendance = Attendance.objects.get(activity=activity, member=county.li)
    assert attendance.certificate_serial == certificate.serial
    host_context.close()
