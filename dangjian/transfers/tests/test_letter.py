"""The introduction letter: an A4 PDF with Chinese text and a QR code that verifies it."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

import pypdfium2
import pytest
import zxingcpp
from django.core.exceptions import PermissionDenied
from django.test import Client

from dangjian.audit.models import AuditEvent
from dangjian.transfers import letter, services

from .helpers import issued

pytestmark = pytest.mark.django_db

A4_POINTS = (595, 842)


def test_the_letter_pdf_has_chinese_text_and_a_qr_that_verifies(
    county: Any, client: Client
) -> None:
    transfer = issued(county.east_secretary, county.east_admin, county.zhang, county.west_village)
    client.force_login(county.east_secretary)
    response = client.get(f"/transfers/{transfer.pk}/letter.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert AuditEvent.objects.filter(action="EXPORT", target_id=str(transfer.pk)).exists()

    pdf = pypdfium2.PdfDocument(response.content)
    assert len(pdf) == 1
    page = pdf[0]
    width, height = page.get_size()
    assert (round(width), round(height)) == A4_POINTS
    # The title is letter-spaced: compare without white space.
    text = "".join(page.get_textpage().get_text_range().split())
    for expected in (
        "中国共产党党员组织关系介绍信",
        "张三",
        "东村党支部",
        "西村党支部",
        "回执",
        "2026-09",
    ):
        assert expected in text, expected
    assert transfer.letter_number
    assert transfer.letter_number in text

    image = page.render(scale=3).to_pil()
    codes = zxingcpp.read_barcodes(
        image, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    )
    assert len(codes) == 1
    assert codes[0].text
    url = urlparse(codes[0].text)
    assert url.path == "/transfers/verify/"
    token = parse_qs(url.query)["t"][0]
    outcome, claims = letter.verify_letter_token(token)
    assert outcome == "valid"
    assert claims["n"] == transfer.letter_number
    assert claims["m"] == "张三"

    # The page the QR opens says so too; a changed token is refused.
    page_response = client.get(f"{url.path}?{url.query}")
    assert "签名有效" in page_response.content.decode()
    assert transfer.letter_number in page_response.content.decode()
    claims_part, kid, signature = token.split(".")
    forged = letter.signing.b64url(
        letter.signing.b64url_decode(claims_part).replace("张三".encode(), "李鬼".encode())
    )
    assert letter.verify_letter_token(f"{forged}.{kid}.{signature}")[0] == "bad_signature"
    assert (
        "核验失败"
        in client.get(f"/transfers/verify/?t={forged}.{kid}.{signature}").content.decode()
    )


def test_only_the_two_sides_print_the_letter(county: Any, client: Client) -> None:
    transfer = issued(county.east_secretary, county.east_admin, county.zhang, county.south_village)
    client.force_login(county.west_admin)
    assert client.get(f"/transfers/{transfer.pk}/letter.pdf").status_code == 404
    client.force_login(county.east_observer)  # reads the transfer but acts on neither side
    assert client.get(f"/transfers/{transfer.pk}/letter.pdf").status_code == 403


def test_a_refused_print_writes_no_audit_row(county: Any) -> None:
    """Only the two sides print the letter; an observer's attempt is refused and not logged."""
    transfer = issued(county.east_secretary, county.east_admin, county.zhang, county.south_village)
    with pytest.raises(PermissionDenied):
        services.transfer_letter_print(
            actor=county.east_observer, transfer=transfer, base_url="http://testserver/"
        )
    assert not AuditEvent.objects.filter(action="EXPORT").exists()


def _top(textpage: Any, text: str, occurrence: int = 1) -> float:
    """The top of `text`'s first character (PDF points from the bottom), nth occurrence."""
    searcher = textpage.search(text)
    found = None
    for _ in range(occurrence):
        found = searcher.get_next()
    assert found is not None, text
    return float(textpage.get_charbox(found[0])[3])


def test_the_letter_has_the_national_layout_counterfoil_letter_and_receipt(
    county: Any, client: Client
) -> None:
    """Issue 21: one A4 sheet, top to bottom the counterfoil (存根) kept by the sender, the
    letter the member carries, the receipt (回执) sent back, each with its seal and signature
    places, cut lines between them."""
    transfer = issued(county.east_secretary, county.east_admin, county.zhang, county.west_village)
    document = pypdfium2.PdfDocument(letter.letter_pdf(transfer, "http://testserver"))
    assert len(document) == 1
    textpage = document[0].get_textpage()
    text = textpage.get_text_range()
    for expected in (
        "存根",
        "回执",
        "盖章",
        "经办人（签字）",
        "党员本人（签字）",
        "此处裁开",
        "有效期",
    ):
        assert expected in text, expected
    counterfoil = _top(textpage, "存根")
    letter_title = _top(textpage, "兹介绍")
    receipt = _top(textpage, "回执）")
    assert counterfoil > letter_title > receipt
    # Each part carries the letter's number; the letter and the receipt have a seal place.
    assert text.count(transfer.letter_number) >= 5  # three parts and two cut lines
    assert text.count("盖章处") == 2
    cuts = [_top(textpage, "此处裁开", n) for n in (1, 2)]
    assert counterfoil > cuts[0] > letter_title > cuts[1] > receipt


def _letter_url(county: Any, transfer: Any) -> str:
    client = Client()
    client.force_login(county.east_secretary)
    pdf = pypdfium2.PdfDocument(client.get(f"/transfers/{transfer.pk}/letter.pdf").content)
    (code,) = zxingcpp.read_barcodes(
        pdf[0].render(scale=3).to_pil(),
        formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode),
    )
    url = urlparse(code.text)
    return f"{url.path}?{url.query}"


def test_the_letter_qr_opens_a_public_page_with_a_masked_name(county: Any, settings: Any) -> None:
    """Anyone (no sign-in) sees the letter's facts to match the paper: the name masked, both
    organizations, the dates, the state; no ID number; the check is audited."""
    settings.DANGJIAN_PUBLIC_URL = "https://dj.example.gov.cn"
    transfer = issued(county.east_secretary, county.east_admin, county.zhang, county.west_village)
    path = _letter_url(county, transfer)
    response = Client().get(path)
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-outcome="valid"' in body
    assert "张*" in body
    assert "张三" not in body
    assert "东村党支部" in body
    assert "西村党支部" in body
    assert transfer.letter_number
    assert transfer.letter_number in body
    assert "转接中" in body
    assert county.zhang.id_number not in body
    assert county.zhang.id_number[:6] not in body
    assert AuditEvent.objects.filter(target_type=services.LETTER_CHECK, actor=None).count() == 1


def test_a_received_letter_shows_as_no_longer_usable(county: Any) -> None:
    transfer = issued(county.east_secretary, county.east_admin, county.zhang, county.west_village)
    path = _letter_url(county, transfer)
    services.transfer_receive(actor=county.west_admin, transfer=transfer)
    body = Client().get(path).content.decode()
    assert 'data-outcome="not_usable"' in body
    assert "已接收" in body


def test_a_tampered_letter_is_refused_on_the_public_page(county: Any) -> None:
    transfer = issued(county.east_secretary, county.east_admin, county.zhang, county.west_village)
    token = letter.letter_token(transfer)
    claims_part, kid, signature = token.split(".")
    forged = letter.signing.b64url(
        letter.signing.b64url_decode(claims_part).replace("西村".encode(), "南村".encode())
    )
    body = Client().get(f"/transfers/verify/?t={forged}.{kid}.{signature}").content.decode()
    assert 'data-outcome="bad_signature"' in body
    assert "南村" not in body
    assert "张" not in body
    assert 'data-outcome="malformed"' in Client().get("/transfers/verify/?t=x").content.decode()


def test_public_letter_checks_are_limited_per_client_address(county: Any, settings: Any) -> None:
    """The budget is counted per address for anonymous callers: one address used up does not
    stop another, nor a signed-in user."""
    settings.DANGJIAN_LETTER_CHECKS_PER_HOUR = 2
    transfer = issued(county.east_secretary, county.east_admin, county.zhang, county.west_village)
    path = "/transfers/verify/?t=" + letter.letter_token(transfer)
    first = Client(REMOTE_ADDR="203.0.113.7")
    assert first.get(path).status_code == 200
    assert first.get(path).status_code == 200
    refused = first.get(path)
    assert refused.status_code == 429
    assert "上限" in refused.content.decode()
    assert "张" not in refused.content.decode()
    assert Client(REMOTE_ADDR="203.0.113.8").get(path).status_code == 200
    signed_in = Client(REMOTE_ADDR="203.0.113.7")
    signed_in.force_login(county.west_admin)
    assert signed_in.get(path).status_code == 200
