"""The recruitment record PDF carries the lines of an official form (issue 21): 填报单位 at the
head of every page, and 负责人, 填表人 and 报出日期 at the end."""

from __future__ import annotations

from typing import Any

import pypdfium2
from django.test import Client

from dangjian.core.dates import today

from .test_views import new_applicant

MM = 72 / 25.4


def _tops(textpage: Any, text: str) -> list[float]:
    """The top of every occurrence of `text` (PDF points from the bottom); [0] if none."""
    searcher = textpage.search(text)
    tops = [0.0]
    while (found := searcher.get_next()) is not None:
        tops.append(float(textpage.get_charbox(found[0])[3]))
    return tops


def test_the_record_has_the_form_head_and_the_signatures_in_order(
    client: Client, county: Any
) -> None:
    applicant = new_applicant(county)
    client.force_login(county.east_secretary)
    response = client.get(f"/recruitment/{applicant.pk}/record.pdf")
    document = pypdfium2.PdfDocument(response.content)
    assert len(document) >= 1
    for page in document:
        textpage = page.get_textpage()
        assert max(_tops(textpage, "填报单位（盖章）")) > page.get_size()[1] - 20 * MM
        assert applicant.organization.name in textpage.get_text_range()
    text = "".join(
        "".join(document[i].get_textpage().get_text_range().split()) for i in range(len(document))
    )
    order = [
        "发展党员全程纪实",
        applicant.name,
        "负责人（签字）",
        "填表人",
        str(county.east_secretary),
        "报出日期",
        f"{today():%Y}年{today().month}月{today().day}日",
    ]
    positions = [text.find(t) for t in order]
    assert -1 not in positions, dict(zip(order, positions, strict=True))
    assert positions == sorted(positions)
