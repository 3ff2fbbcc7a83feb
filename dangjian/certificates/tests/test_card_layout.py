"""The printable card is one page: the serial sits on the card, under the other fields (issue 21)."""

from __future__ import annotations

from typing import Any

import pypdfium2

from dangjian.certificates import render, services
from dangjian.members import services as member_services


def _top(textpage: Any, text: str) -> float:
    """The top of the first character of `text` on the page (PDF points, from the bottom)."""
    searcher = textpage.search(text)
    found = searcher.get_next()
    assert found is not None, text
    return float(textpage.get_charbox(found[0])[3])


def test_the_card_is_one_page_with_the_serial_last(county: Any) -> None:
    # A long organization name is what pushed the serial onto a second page.
    county.east_village.name = "示范县东镇东村经济合作社暨农民专业合作联合社党支部委员会"
    county.east_village.save(update_fields=["name"])
    member_services.member_update(
        actor=county.county_admin, member=county.zhang, changes={"name": "欧阳张三丰"}
    )
    certificate = services.certificate_issue(actor=county.member_user, member=county.zhang)
    document = pypdfium2.PdfDocument(render.card_pdf(certificate))
    assert len(document) == 1
    textpage = document[0].get_textpage()
    text = textpage.get_text_range()
    serial = certificate.serial.upper()
    assert serial in text
    order = ["党员电子活动证", "欧阳张三丰", "组织关系所在党组织", "有效期", serial]
    tops = [_top(textpage, t) for t in order]
    assert tops == sorted(tops, reverse=True), dict(zip(order, tops, strict=True))
    # The serial is inside the page, above its lower edge.
    assert tops[-1] > 10
