"""The organization page's 党员账号 panel as a kept figure (decision 0283): a big subtree's page
shows the counts kept in `core.figures` after a change below and queues one recount for the
worker; a small subtree's page counts on every visit."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from dangjian.core.models import Figure
from dangjian.portal import selectors
from dangjian.site.testing import PENDING, RECOUNTING, build_member, run_queued

pytestmark = pytest.mark.django_db

TASK = "dangjian.portal.tasks.account_counts_recount"


def panel(client: Any, org: Any, query: str = "") -> str:
    """The 党员账号 panel of the organization page, as rendered."""
    body = client.get(reverse("reports:organization", args=[org.pk]) + query).content.decode()
    match = re.search(r'<section[^>]*data-testid="panel-accounts".*?</section>', body, re.S)
    assert match is not None
    return match.group(0)


def uninvited(html: str) -> int:
    match = re.search(r"未邀请 (\d+) 人", html)
    assert match is not None
    return int(match.group(1))


def add_member(org: Any, callbacks: Any) -> None:
    """A member without an account, committed so that the figures above are marked stale."""
    with callbacks(execute=True):
        build_member(organization=org, name="周九", joined_on=dt.date(2010, 7, 1))


def counted_by_the_worker(client: Any, org: Any, callbacks: Any) -> None:
    """A big subtree's panel never counted says so and queues its count (decision 0287); the
    worker counts it."""
    with callbacks(execute=True):
        html = panel(client, org)
    assert PENDING in html
    assert "未邀请" not in html  # no figures while pending
    assert TASK in run_queued()


def test_a_big_subtree_shows_the_kept_counts_and_queues_one_recount(
    client: Any, county: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """东镇 (5 members, the threshold 5) is big: after a change below the panel shows the kept
    counts with the note, one recount is queued (a second visit queues none), and the worker's
    recount stores and shows the new counts."""
    settings.DANGJIAN_BIG_SUBTREE_MEMBERS = 5
    client.force_login(county.east_admin)
    counted_by_the_worker(client, county.east, django_capture_on_commit_callbacks)
    first = panel(client, county.east)
    before = uninvited(first)
    assert 'data-testid="counted-at"' in first
    assert RECOUNTING not in first
    add_member(county.south_village, django_capture_on_commit_callbacks)
    row = Figure.objects.get(path=county.east.path, key=selectors.ACCOUNT_COUNTS_KEY)
    assert row.stale_since is not None
    for _visit in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            html = panel(client, county.east)
        assert uninvited(html) == before  # the kept counts, not counted on the request
        assert RECOUNTING in html
        assert DBTaskResult.objects.filter(task_path=TASK).count() == 1
    assert TASK in run_queued()
    row.refresh_from_db()
    assert row.value["none"] == before + 1
    assert row.stale_since is None
    html = panel(client, county.east)
    assert uninvited(html) == before + 1
    assert RECOUNTING not in html


def test_refresh_counts_a_big_subtree_now(
    client: Any, county: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.DANGJIAN_BIG_SUBTREE_MEMBERS = 5
    client.force_login(county.east_admin)
    counted_by_the_worker(client, county.east, django_capture_on_commit_callbacks)
    before = uninvited(panel(client, county.east))
    add_member(county.south_village, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        html = panel(client, county.east, "?refresh=1")
    assert uninvited(html) == before + 1
    assert not DBTaskResult.objects.filter(task_path=TASK).exists()


def test_a_small_subtree_counts_on_the_request(
    client: Any, county: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """Below the threshold (2,000 by default) the panel counts on every visit, as before: the
    change shows at once and nothing is kept or queued."""
    client.force_login(county.east_admin)
    before = uninvited(panel(client, county.east))
    add_member(county.south_village, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        html = panel(client, county.east)
    assert uninvited(html) == before + 1
    assert 'data-testid="counted-at"' not in html
    assert not Figure.objects.filter(key=selectors.ACCOUNT_COUNTS_KEY).exists()
    assert not DBTaskResult.objects.exists()
