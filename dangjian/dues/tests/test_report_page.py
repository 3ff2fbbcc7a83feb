"""The dues report page as a cached figure (decision 0260): what the cache gives back is the
report (`organization_report`, itself the accounts', `test_owing_aggregate.py`), every write
that can change a report drops it, and the worker counts it again ahead of the visitor."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.core.models import Figure
from dangjian.dues import rules, selectors, services, tasks
from dangjian.dues.models import RateTier
from dangjian.site.testing import system_user

from .conftest import TODAY, generate, pay
from .test_owing_aggregate import MONTHS, _scenario


def _fresh(organization: Any, month: int | None = None) -> selectors.ReportPage:
    report = selectors.organization_report(organization, 2026, month, on=TODAY)
    return selectors.ReportPage.of(report, rules.art9_months())


def _report_page(*args: Any, **kwargs: Any) -> selectors.ReportPage:
    """`selectors.report_page` of a page that is never pending here (no subtree is big)."""
    page = selectors.report_page(*args, **kwargs)
    assert page is not None
    return page


def _same(page: selectors.ReportPage, fresh: selectors.ReportPage) -> bool:
    return dataclasses.replace(page, computed_at=None) == fresh


@pytest.mark.parametrize("seed", [2, 3])
def test_the_cached_page_is_the_report(county: Any, frozen: None, seed: int) -> None:
    """Counted, stored as JSON and read back, a committee's page holds every figure of the
    report and its first rows; read again it costs one query, the figure (whether the subtree
    is big was asked once of this instance, as once per request). A branch's is not cached."""
    _scenario(county, seed)
    for organization, month in ((county.county, None), (county.east, 10), (county.west, None)):
        first = _report_page(organization, 2026, month)
        with CaptureQueriesContext(connection) as captured:
            again = _report_page(organization, 2026, month)
        assert len(captured) == 1
        assert first.computed_at is not None
        assert again.computed_at == first.computed_at
        assert _same(again, _fresh(organization, month)), (seed, organization)
        assert first.arrears_count == len(
            selectors.organization_report(organization, 2026, month, on=TODAY).arrears
        )
    branch = _report_page(county.east_village, 2026)
    assert branch.computed_at is None
    assert _same(branch, _fresh(county.east_village))
    assert not Figure.objects.filter(path=county.east_village.path).exists()


def test_the_page_shows_the_first_rows_and_how_many(county: Any, frozen: None) -> None:
    """Past `PAGE_ROWS` the page keeps the first rows and the count (the export has them all)."""
    _scenario(county, 3)
    full = selectors.organization_report(county.county, 2026, on=TODAY)
    page = selectors.ReportPage.of(full, 1)
    assert page.arrears == full.arrears[: selectors.PAGE_ROWS]
    assert page.unpaid == full.long_unpaid(1)[: selectors.PAGE_ROWS]
    stored = selectors.ReportPage.from_json(page.as_json(), None)
    assert stored == page


def test_every_write_that_changes_a_report_drops_it(
    county: Any, dues: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """A payment, a dues profile, the ledger, the farmers' amount and the rate tables each drop
    the cached reports above them; the page counted afterwards is the report again."""
    actor = system_user()

    def writes() -> list[tuple[str, Any]]:
        return [
            ("payment", lambda: pay(county.zhang, "64.00")),
            (
                "profile",
                lambda: services.profile_set(
                    actor=actor,
                    member=county.li,
                    category=None,
                    base=Decimal("12000"),
                    effective_from=dt.date(2026, 6, 1),
                ),
            ),
            ("ledger", lambda: generate(county, *MONTHS[-3:])),
            (
                "farmers",
                lambda: services.farmer_amount_set(
                    actor=actor, organization=county.east_village, amount=Decimal("0.50")
                ),
            ),
            ("rates", lambda: RateTier.objects.order_by("pk").first().save()),  # type: ignore[union-attr]
        ]

    for name, write in writes():
        before = _report_page(county.county, 2026)
        assert Figure.objects.filter(path=county.county.path).exists()
        with django_capture_on_commit_callbacks(execute=True):
            write()
        assert not Figure.objects.filter(path=county.county.path, stale_since=None).exists(), name
        after = _report_page(county.county, 2026)
        assert _same(after, _fresh(county.county)), name
        if name in ("payment", "profile"):
            assert after != before, name


def test_the_worker_warms_the_committees_with_big_subtrees(
    county: Any, dues: Any, settings: Any
) -> None:
    """`report_warm` counts this year's report of the committees with big subtrees (here the
    county's 6 members and 东镇's 5, the threshold 5; not 西镇's 1, nor a branch's); a second
    round finds them fresh and counts nothing."""
    settings.DANGJIAN_BIG_SUBTREE_MEMBERS = 5
    assert tasks.report_warm.call() == 2
    key = selectors.report_page_key(TODAY.year, None, TODAY, rules.art9_months())
    warmed = set(Figure.objects.filter(key=key).values_list("path", flat=True))
    assert warmed == {county.county.path, county.east.path}
    with CaptureQueriesContext(connection) as captured:
        tasks.report_warm.call()
    # The committee list (the grouped count, the organizations), then two cache reads each.
    assert len(captured) == 2 + 2 * 2


def test_the_county_page_reads_the_cache_and_offers_a_recount(
    client: Any, county: Any, dues: Any
) -> None:
    """The committee's page says when it was counted and links to a recount."""
    client.force_login(county.county_admin)
    url = f"/dues/org/{county.county.pk}/report/?year=2026"
    body = client.get(url).content.decode()
    assert 'data-testid="counted-at"' in body
    assert "refresh=1" in body
    pay(county.zhang, "64.00")  # in this test's transaction: no commit, the cache stays
    assert client.get(url).context["report"].collected == Decimal("0.00")
    assert client.get(url + "&refresh=1").context["report"].collected == Decimal("64.00")
    branch = client.get(f"/dues/org/{county.east_village.pk}/report/?year=2026")
    assert branch.context["report"].collected == Decimal("64.00")
    assert 'data-testid="counted-at"' not in branch.content.decode()
