"""Large front-end files only where they are used, never render-blocking (issue 20: a report
page's first visit took 5.9 s on a phone behind 1.1 MB of ECharts loaded in the page head).

The production side (a .br and a .gz beside the hashed ECharts, served compressed with a
long cache) is in `dangjian/ops/tests/test_deploy.py`."""

from __future__ import annotations

import re
from typing import Any

from django.urls import reverse

SCRIPT = re.compile(r"<script\b[^>]*\bsrc=\"[^\"]+\"[^>]*>")


def scripts(body: str) -> list[str]:
    return SCRIPT.findall(body)


def test_only_chart_pages_load_echarts_and_no_script_blocks_rendering(
    client: Any, county: Any
) -> None:
    """The statistics report loads ECharts, deferred; the pages without charts do not load it
    at all; every script a page loads from a file is deferred."""
    client.force_login(county.county_admin)
    report = client.get(reverse("reports:report", args=[county.county.pk])).content.decode()
    echarts = [tag for tag in scripts(report) if "echarts" in tag]
    assert len(echarts) == 1
    assert " defer" in echarts[0]
    for url in (
        "/",
        reverse("members:list"),
        f"/dues/org/{county.county.pk}/report/",
        f"/activities/compliance/{county.county.pk}/",
        "/recruitment/",
        reverse("reports:report", args=[county.county.pk]),
    ):
        body = client.get(url).content.decode()
        if url != reverse("reports:report", args=[county.county.pk]):
            assert "echarts" not in body, url
        blocking = [tag for tag in scripts(body) if " defer" not in tag and " async" not in tag]
        assert blocking == [], (url, blocking)
