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
    codes = zxingcpp.read_barcodes(image)
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
