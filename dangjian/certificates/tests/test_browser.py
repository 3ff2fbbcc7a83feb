"""A member shows their certificate on the phone; a host branch reads it and verifies it."""

from __future__ import annotations

import io
from typing import Any

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from dangjian.certificates.models import Certificate

pytestmark = pytest.mark.browser


def read_qr(page: Any) -> str:
    """Photograph the QR on the screen and decode it, as a host branch's phone would."""
    shot = page.get_by_test_id("certificate-qr").screenshot()
    codes = zxingcpp.read_barcodes(Image.open(io.BytesIO(shot)))
    assert len(codes) == 1, "no QR code could be read from the page"
    return str(codes[0].text)


@pytest.mark.parametrize("page", ["phone"], indirect=True)
def test_the_member_shows_the_qr_and_a_host_branch_verifies_it(
    page: Any, county: Any, sign_in: Any
) -> None:
    sign_in(page, "zhangsan")
    page.get_by_role("button", name="菜单").click()
    page.get_by_role("navigation").get_by_role("link", name="我的电子活动证").click()
    expect(page.get_by_role("heading", name="我的电子活动证")).to_be_visible()
    page.get_by_role("button", name="申领电子活动证").click()
    card = page.get_by_test_id("certificate-card")
    expect(card).to_contain_text("张三")
    expect(card).to_contain_text("东村党支部")

    payload = read_qr(page)
    assert payload == Certificate.objects.get(member=county.zhang).payload

    page.goto("/cards/verify/")
    page.get_by_label("电子活动证二维码内容").fill(payload)
    page.get_by_role("button", name="核验", exact=True).click()
    result = page.locator("#verify-result")
    expect(result.get_by_role("status")).to_contain_text("有效")
    expect(result).to_contain_text("张三")
    expect(result).to_contain_text("东村党支部")

    # One character changed: refused, and the name is not shown.
    tampered = payload[:40] + ("A" if payload[40] != "A" else "B") + payload[41:]
    page.get_by_label("电子活动证二维码内容").fill(tampered)
    page.get_by_role("button", name="核验", exact=True).click()
    expect(result.get_by_role("status")).not_to_contain_text("有效")
    expect(result).not_to_contain_text("张三")
