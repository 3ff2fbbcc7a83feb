"""The annual report counted once and kept (decision 0275): a committee's first visit queues
the count and shows its progress, the worker counts it, the page then shows the figures with
when they were counted; a change below makes them out of date and queues a new count; the
exports show the page's figures; out of scope is a 404; the kept page costs a few queries."""

from __future__ import annotations

import datetime as dt
import io
import os
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from python_calamine import CalamineWorkbook

from dangjian.core import tasks as core_tasks
from dangjian.core.dates import today
from dangjian.core.tests.workers import worker_process
from dangjian.reports import services
from dangjian.reports import tasks as report_tasks
from dangjian.reports.models import ReportRun
from dangjian.site.testing import build_member

pytestmark = pytest.mark.django_db

EAST_NAMES = ("东镇党委", "东村党支部", "南村党支部")


@pytest.fixture
def large(monkeypatch: Any) -> None:
    """Every committee counts as large: its report goes to the queue (as a county's does)."""
    monkeypatch.setattr(services, "INLINE_MEMBERS", 1)


def page_url(org: Any, **query: str) -> str:
    url = reverse("reports:report", args=[org.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def run_queued() -> int:
    """What `dangjian worker` does with the queued counts (the worker itself is tested in core,
    in the pass of committing tests)."""
    queued = DBTaskResult.objects.filter(task_path="dangjian.reports.tasks.report_run")
    for result in queued:
        report_tasks.report_run.call(*result.args_kwargs["args"])
    count = queued.count()
    queued.delete()
    return count


def test_a_first_visit_queues_the_count_and_shows_progress_then_the_figures(
    client: Any, county: Any, large: None, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(county.east_admin)
    with django_capture_on_commit_callbacks(execute=True):
        body = client.get(page_url(county.east)).content.decode()
    assert 'data-status="QUEUED"' in body
    assert "正在统计年报" in body
    assert 'hx-trigger="every 2s"' in body
    assert 'data-testid="report-summary"' not in body  # no figures yet
    run = ReportRun.objects.get(organization=county.east, as_of=today())
    queued = DBTaskResult.objects.get(task_path="dangjian.reports.tasks.report_run")
    assert queued.args_kwargs["args"] == [run.pk]
    # A second visit, and the poll, queue nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        client.get(page_url(county.east))
        poll = client.get(page_url(county.east, progress="1"), HTTP_HX_REQUEST="true")
    assert DBTaskResult.objects.count() == 1
    assert "HX-Refresh" not in poll
    assert "<html" not in poll.content.decode()
    # The worker counts it, table by table.
    assert run_queued() == 1
    run.refresh_from_db()
    assert (run.status, run.done) == (ReportRun.Status.DONE, run.total)
    assert run.total >= 10
    assert run.computed_at is not None
    poll = client.get(page_url(county.east, progress="1"), HTTP_HX_REQUEST="true")
    assert poll["HX-Refresh"] == "true"
    body = client.get(page_url(county.east)).content.decode()
    assert "共有党员5名" in body
    at = timezone.localtime(run.computed_at).strftime("%Y-%m-%d %H:%M")
    assert f"统计于 {at}" in body
    assert 'hx-trigger="every 2s"' not in body


def test_progress_is_shown_while_the_worker_counts(
    client: Any, county: Any, large: None, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(county.east_admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(page_url(county.east))
    run = ReportRun.objects.get(organization=county.east)
    ReportRun.objects.filter(pk=run.pk).update(
        status=ReportRun.Status.RUNNING,
        done=3,
        total=12,
        started_at=timezone.now(),
        heartbeat_at=timezone.now(),
        runner_host=core_tasks.this_host(),
        runner_pid=os.getpid(),
    )
    poll = client.get(page_url(county.east, progress="1"), HTTP_HX_REQUEST="true")
    assert "已完成 3 / 12 张表" in poll.content.decode()
    assert "width: 25%" in poll.content.decode()


def test_a_count_whose_worker_died_is_failed_and_queued_again(
    client: Any, county: Any, large: None, django_capture_on_commit_callbacks: Any
) -> None:
    """A run left RUNNING by a process that is gone is not shown as running forever: the
    poll shows the failure, the next visit queues a new count."""
    client.force_login(county.east_admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(page_url(county.east))
    DBTaskResult.objects.all().delete()
    dead = subprocess.Popen(["true"])
    dead.wait()
    run = ReportRun.objects.get(organization=county.east)
    ReportRun.objects.filter(pk=run.pk).update(
        status=ReportRun.Status.RUNNING,
        started_at=timezone.now(),
        heartbeat_at=timezone.now(),
        runner_host=core_tasks.this_host(),
        runner_pid=dead.pid,
    )
    poll = client.get(page_url(county.east, progress="1"), HTTP_HX_REQUEST="true")
    assert "后台统计中断" in poll.content.decode()
    assert poll["HX-Refresh"] == "true"
    assert not DBTaskResult.objects.exists()  # the poll itself queues nothing
    with django_capture_on_commit_callbacks(execute=True):
        client.get(page_url(county.east))
    assert DBTaskResult.objects.count() == 1
    assert run_queued() == 1
    assert "共有党员5名" in client.get(page_url(county.east)).content.decode()


def test_a_change_below_shows_the_kept_figures_as_out_of_date_and_counts_again(
    client: Any, county: Any, large: None, django_capture_on_commit_callbacks: Any
) -> None:
    """Exports show the figures the page shows (the kept count), not a second count."""
    client.force_login(county.east_admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(page_url(county.east))
    run_queued()
    with django_capture_on_commit_callbacks(execute=True):  # invalidates the figures above
        build_member(organization=county.east_village, name="新党员")
    with django_capture_on_commit_callbacks(execute=True):
        body = client.get(page_url(county.east)).content.decode()
    assert "共有党员5名" in body  # the kept figures, said to be out of date
    assert "正在按最新数据重新统计" in body
    assert 'data-status="QUEUED"' in body
    xlsx = client.get(reverse("reports:export", args=[county.east.pk, "xlsx"]))
    summary = CalamineWorkbook.from_filelike(io.BytesIO(xlsx.content)).get_sheet_by_index(0)
    rows = summary.to_python()
    assert "共有党员5名" in str(rows[2][0])
    assert str(rows[1][0]).startswith("统计于 ")
    pdf = client.get(reverse("reports:export", args=[county.east.pk, "pdf"]))
    assert pdf.status_code == 200
    assert run_queued() == 1
    body = client.get(page_url(county.east)).content.decode()
    assert "共有党员6名" in body
    assert "正在按最新数据重新统计" not in body


def test_an_export_before_any_count_counts_and_keeps_it_for_the_page(
    client: Any, county: Any, large: None
) -> None:
    client.force_login(county.east_admin)
    xlsx = client.get(reverse("reports:export", args=[county.east.pk, "xlsx"]))
    assert xlsx.status_code == 200
    run = ReportRun.objects.get(organization=county.east)
    assert run.status == ReportRun.Status.DONE
    body = client.get(page_url(county.east)).content.decode()
    assert "共有党员5名" in body
    assert not DBTaskResult.objects.exists()


@pytest.mark.parametrize("username", ["west_admin", "member_user"])
def test_out_of_scope_gets_404_and_queues_nothing(
    client: Any, county: Any, large: None, username: str, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(getattr(county, username))
    with django_capture_on_commit_callbacks(execute=True):
        for url in (
            page_url(county.east),
            page_url(county.east, progress="1"),
            page_url(county.east, refresh="1"),
            reverse("reports:export", args=[county.east.pk, "xlsx"]),
        ):
            response = client.get(url)
            assert response.status_code == 404, url
            for name in EAST_NAMES:
                assert name not in response.content.decode()
    assert not ReportRun.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_the_kept_page_costs_the_same_few_queries_however_large_the_tree(
    client: Any,
    county: Any,
    large: None,
    django_assert_max_num_queries: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Reading the kept report counts nothing: the same queries with 5 members as with 45
    (the count itself ran in the worker), the roster read only to see the subtree is large."""
    client.force_login(county.east_admin)

    def kept_page_queries() -> int:
        with django_capture_on_commit_callbacks(execute=True):
            client.get(page_url(county.east))
        run_queued()
        with django_assert_max_num_queries(25) as queries:
            body = client.get(page_url(county.east)).content.decode()
        assert "统计于" in body
        roster = [q["sql"] for q in queries.captured_queries if "members_membership" in q["sql"]]
        # Only the check of the subtree's size, which stops after INLINE_MEMBERS + 1 rows.
        assert len(roster) == 1
        assert "LIMIT 2" in roster[0]
        return len(queries.captured_queries)

    few = kept_page_queries()
    with django_capture_on_commit_callbacks(execute=True):
        for number in range(40):
            build_member(organization=county.south_village, name=f"党员{number}")
    many = kept_page_queries()
    assert many == few
    assert "共有党员45名" in client.get(page_url(county.east)).content.decode()


def test_a_small_subtree_is_counted_on_every_visit(client: Any, county: Any) -> None:
    """A branch (or any subtree of at most INLINE_MEMBERS members) is counted in the request,
    as before: its secretary sees at once what they just did; nothing is queued."""
    client.force_login(county.east_admin)
    assert "共有党员4名" in client.get(page_url(county.east_village)).content.decode()
    build_member(organization=county.east_village, name="新党员")  # no commit in this test
    assert "共有党员5名" in client.get(page_url(county.east_village)).content.decode()
    assert not DBTaskResult.objects.exists()


def test_the_warm_up_counts_the_top_committees_reports(county: Any, settings: Any) -> None:
    """The worker's schedule (figure warm-up, every 5 minutes) keeps today's report of the
    committees with big subtrees counted (here the threshold is 1: the county and both
    townships), and counts again only what is out of date."""
    settings.DANGJIAN_BIG_SUBTREE_MEMBERS = 1
    report_tasks.figures_warm.call()
    runs = ReportRun.objects.filter(as_of=today(), status=ReportRun.Status.DONE)
    assert {r.organization_id for r in runs} >= {county.county.pk, county.east.pk, county.west.pk}
    assert all(r.data is not None for r in runs)
    before = {r.pk: r.computed_at for r in runs}
    report_tasks.figures_warm.call()
    assert {r.pk: r.computed_at for r in ReportRun.objects.filter(pk__in=before)} == before
    # Counts of other days nobody asked for in a week are dropped.
    old = ReportRun.objects.create(
        organization=county.east,
        as_of=today() - dt.timedelta(days=30),
        language="zh-hans",
        status=ReportRun.Status.DONE,
        requested_at=timezone.now() - dt.timedelta(days=8),
    )
    report_tasks.figures_warm.call()
    assert not ReportRun.objects.filter(pk=old.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_counts_the_queued_report(
    client: Any, county: Any, monkeypatch: Any, tmp_path: Path
) -> None:
    """The page queues the count on commit; `dangjian worker` takes it from the queue, writes
    its progress and the figures; the page then shows them."""
    monkeypatch.setattr(services, "INLINE_MEMBERS", 1)
    client.force_login(county.east_admin)
    body = client.get(page_url(county.east)).content.decode()
    assert 'data-status="QUEUED"' in body
    run = ReportRun.objects.get(organization=county.east)
    counted = "SELECT status, done = total FROM reports_reportrun WHERE id = ?"
    with worker_process(tmp_path) as worker:
        worker.wait_for(
            lambda: worker.query(counted, (run.pk,)) in ([("DONE", 1)], [("DONE", True)])
        )
        worker.signal(signal.SIGTERM)
        assert worker.process.wait(timeout=30) == 0
    body = client.get(page_url(county.east)).content.decode()
    assert "共有党员5名" in body
    assert "统计于" in body
    assert 'data-status="DONE"' in body
