"""A member shows their certificate on the phone; a host branch reads it and verifies it.

(The certificates app's browser tests live here rather than in dangjian/certificates/tests/:
two session-scoped `browser` fixtures cannot run Playwright's sync API in one process.)"""

from __future__ import annotations

import io
from typing import Any

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from dangjian.certificates import render, services
from dangjian.certificates.models import Certificate

from .conftest import follow_nav, wait_until_kept

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _fresh_revocation_index() -> Any:
    services.revocation_index_clear()
    yield
    services.revocation_index_clear()


def read_qr(page: Any) -> str:
    """Photograph the QR on the screen and decode it, as a host branch's phone would."""
    shot = page.get_by_test_id("certificate-qr").screenshot()
    codes = zxingcpp.read_barcodes(
        Image.open(io.BytesIO(shot)), formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    )
    assert len(codes) == 1, "no QR code could be read from the page"
    return str(codes[0].text)


@pytest.mark.parametrize("page", ["phone"], indirect=True)
def test_the_member_shows_the_qr_and_a_host_branch_verifies_it(
    page: Any, county: Any, sign_in: Any
) -> None:
    sign_in(page, "zhangsan")
    page.get_by_role("button", name="菜单").click()
    follow_nav(page, "我的电子活动证")
    expect(page.get_by_role("heading", name="我的电子活动证")).to_be_visible()
    page.get_by_role("button", name="申领电子活动证").click()
    card = page.get_by_test_id("certificate-card")
    expect(card).to_contain_text("张三")
    expect(card).to_contain_text("东村党支部")

    # The QR holds the verify URL (docs/certificate-format.md); pasting the text still works.
    payload = Certificate.objects.get(member=county.zhang).payload
    assert read_qr(page) == render.card_url(payload)

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


def test_the_verification_page_verifies_offline(page: Any, county: Any) -> None:
    """Once opened with network, the page verifies in the browser (WebCrypto Ed25519) with the
    keys and revoked serials it kept, and opens again without network."""
    from dangjian.certificates import base45, credential

    valid = services.certificate_issue(actor=county.member_user, member=county.zhang)
    revoked = services.certificate_issue(actor=county.east_secretary, member=county.li)
    services.certificate_revoke(actor=county.east_secretary, certificate=revoked)
    cose = bytearray(base45.decode(valid.payload[len(credential.PREFIX) :]))
    cose[-1] ^= 1
    forged = credential.PREFIX + base45.encode(bytes(cose))

    page.goto("/cards/verify/")
    expect(page.get_by_test_id("offline-status")).to_contain_text("已可离线核验")
    # Offline only once the service worker is active and holds the page (it caches on a message
    # after registering: going offline before that made the reload below fail now and then).
    wait_until_kept(page, "/cards/verify/")
    page.context.set_offline(True)
    result = page.locator("#verify-result")
    for payload, outcome in [
        (valid.payload, "valid"),
        (revoked.payload, "revoked"),
        (forged, "bad_signature"),
        ("DJ1:NOT A CERTIFICATE", "malformed"),
    ]:
        page.get_by_label("电子活动证二维码内容").fill(payload)
        page.get_by_role("button", name="核验", exact=True).click()
        expect(result.get_by_role("status")).to_have_attribute("data-outcome", outcome)
        expect(result).to_contain_text("离线核验")
    page.get_by_label("电子活动证二维码内容").fill(valid.payload)
    page.get_by_role("button", name="核验", exact=True).click()
    expect(result).to_contain_text("张三")
    expect(result).to_contain_text(county.east_village.code)

    # A key outside its validity period does not verify (docs/certificate-format.md).
    outcomes = page.evaluate(
        """async (payload) => {
          const data = JSON.parse(localStorage.getItem("dangjian-verifier"));
          const at = (period) => ({ ...data, keys: data.keys.map((k) => ({ ...k, ...period })) });
          const outcome = async (period) => (await djVerifyLocally(payload, at(period))).outcome;
          return [await outcome({ valid_until: "2000-01-01" }),
                  await outcome({ valid_from: "2999-01-01" }),
                  await outcome({ valid_from: "2000-01-01", valid_until: "2999-01-01" })];
        }""",
        valid.payload,
    )
    assert outcomes == ["unknown_issuer", "unknown_issuer", "valid"]

    # Opened again without network, from another page as a bookmark would (Chromium 156 may send
    # a reload past the service worker, tests/browser/test_federation.py): the worker serves the
    # page, and it still verifies.
    page.goto("about:blank")
    page.goto("/cards/verify/")
    expect(page.get_by_role("heading", name="核验电子活动证")).to_be_visible()
    page.get_by_label("电子活动证二维码内容").fill(valid.payload)
    page.get_by_role("button", name="核验", exact=True).click()
    expect(page.locator("#verify-result").get_by_role("status")).to_have_attribute(
        "data-outcome", "valid"
    )
