"""The organization page's 电子活动证 panel as a kept figure (decision 0283): a big subtree's page
shows the coverage kept in `core.figures` after a change below and queues one recount for the
worker; a small subtree's page counts on every visit."""

from __future__ import annotations

from typing import Any

import pytest
from django_tasks_db.models import DBTaskResult

from dangjian.certificates import panels
from dangjian.core.models import Figure
from dangjian.members import services as member_services
from dangjian.members.choices import MemberStatus
from dangjian.site.testing import (
    RECOUNTING,
    organization_panel,
    panel_counted_by_the_worker,
    run_queued,
    system_user,
)

pytestmark = pytest.mark.django_db

TASK = "dangjian.certificates.tasks.coverage_recount"


def panel(client: Any, org: Any, query: str = "") -> str:
    """The 电子活动证 panel of the organization page, as rendered."""
    return organization_panel(client, org, "certificates", query)


def goes_mobile(member: Any, callbacks: Any) -> None:
    """A member of the subtree becomes 流动 (committed: the figures above are marked stale)."""
    with callbacks(execute=True):
        member_services.member_change_status(
            actor=system_user(), member=member, status=MemberStatus.MOBILE
        )


def counted_by_the_worker(client: Any, org: Any, callbacks: Any) -> None:
    panel_counted_by_the_worker(
        client, org, "certificates", task=TASK, figure="流动党员", callbacks=callbacks
    )


def test_a_big_subtree_shows_the_kept_coverage_and_queues_one_recount(
    client: Any, county: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """东镇 (5 members, the threshold 5) is big: after a member below goes 流动 the panel shows
    the kept coverage with the note, one recount is queued (a second visit queues none), and
    the worker's recount stores and shows the new coverage."""
    settings.DANGJIAN_BIG_SUBTREE_MEMBERS = 5
    client.force_login(county.east_admin)
    counted_by_the_worker(client, county.east, django_capture_on_commit_callbacks)
    first = panel(client, county.east)
    assert "流动党员 0 名，其中 0 名待签发或换发" in first
    assert 'data-testid="counted-at"' in first
    goes_mobile(county.qian, django_capture_on_commit_callbacks)
    row = Figure.objects.get(path=county.east.path, key=panels.COVERAGE_KEY)
    assert row.stale_since is not None
    for _visit in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            html = panel(client, county.east)
        assert "流动党员 0 名，其中 0 名待签发或换发" in html  # kept, not counted now
        assert RECOUNTING in html
        assert DBTaskResult.objects.filter(task_path=TASK).count() == 1
    assert TASK in run_queued()
    row.refresh_from_db()
    assert row.value == {"mobile": 1, "pending": 1}
    assert row.stale_since is None
    html = panel(client, county.east)
    assert "流动党员 1 名，其中 1 名待签发或换发" in html
    assert RECOUNTING not in html


def test_refresh_counts_a_big_subtree_now(
    client: Any, county: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.DANGJIAN_BIG_SUBTREE_MEMBERS = 5
    client.force_login(county.east_admin)
    counted_by_the_worker(client, county.east, django_capture_on_commit_callbacks)
    goes_mobile(county.qian, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        html = panel(client, county.east, "?refresh=1")
    assert "流动党员 1 名，其中 1 名待签发或换发" in html
    assert not DBTaskResult.objects.filter(task_path=TASK).exists()


def test_a_small_subtree_counts_on_the_request(
    client: Any, county: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """Below the threshold (2,000 by default) the panel counts on every visit, as before: the
    change shows at once and nothing is kept or queued."""
    client.force_login(county.east_admin)
    assert "流动党员 0 名" in panel(client, county.east)
    goes_mobile(county.qian, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        html = panel(client, county.east)
    assert "流动党员 1 名，其中 1 名待签发或换发" in html
    assert 'data-testid="counted-at"' not in html
    assert not Figure.objects.filter(key=panels.COVERAGE_KEY).exists()
    assert not DBTaskResult.objects.exists()
