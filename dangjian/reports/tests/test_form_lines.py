"""The annual report PDF carries the lines of an official statistical form (issue 21):
填报单位 at the head of every page, and 单位负责人, 填表人 and 报出日期 after the last table."""

from __future__ import annotations

from typing import Any

import pypdfium2
from django.urls import reverse

from dangjian.core.dates import today

MM = 72 / 25.4


def _tops(textpage: Any, text: str) -> list[float]:
    """The top of every occurrence of `text` (PDF points from the bottom); [0] if none."""
    searcher = textpage.search(text)
    tops = [0.0]
    while (found := searcher.get_next()) is not None:
        tops.append(float(textpage.get_charbox(found[0])[3]))
    return tops  # PDF points in a millimetre


def _top(textpage: Any, text: str) -> float | None:
    found = textpage.search(text).get_next()
    return None if found is None else float(textpage.get_charbox(found[0])[3])


def test_every_page_names_the_reporting_unit_and_the_last_ends_with_the_signatures(
    client: Any, county: Any
) -> None:
    client.force_login(county.east_admin)
    response = client.get(reverse("reports:export", args=[county.east.pk, "pdf"]))
    document = pypdfium2.PdfDocument(response.content)
    assert len(document) >= 2
    texts = []
    for page in document:
        textpage = page.get_textpage()
        height = page.get_size()[1]
        texts.append(textpage.get_text_range())
        # In the page's top margin (20 mm), above the body (page 1 has it in the head too).
        assert max(_tops(textpage, "填报单位（盖章）")) > height - 20 * MM
        assert "东镇党委" in texts[-1]
        assert "统计截止日" in texts[-1]
    last = "".join(texts[-1].split())
    signatures = [
        "单位负责人（签字）",
        "填表人",
        str(county.east_admin),
        "报出日期",
        f"{today():%Y}年",
    ]
    positions = [last.find(s) for s in signatures]
    assert -1 not in positions, dict(zip(signatures, positions, strict=True))
    assert positions == sorted(positions)
    # After every table: nothing but the page number follows the signature line.
    whole = "".join("".join(t.split()) for t in texts)
    assert whole.rfind("报出日期") > whole.rfind("党员基本情况")
    textpage = document[len(document) - 1].get_textpage()
    last_top = _top(textpage, "单位负责人")
    assert last_top is not None
    body_tops = [
        float(textpage.get_charbox(i)[3])
        for i in range(textpage.count_chars())
        if not textpage.get_text_range(i, 1).isspace()
    ]
    below = [t for t in body_tops if t < last_top - 12]  # lower lines than the signatures
    assert all(t < 18 * MM for t in below)  # only the page number, in the bottom margin
