"""Committee figures kept while recounted (decision 0283): a change below marks a figure stale
rather than deleting it; a big subtree's page shows the stale figure with when it was counted
and a note, and queues one recount for the worker; a figure never counted is not counted in the
request either, the page says it is being counted and one count is queued (decision 0287); a
small subtree's page counts on every visit; the committees warmed are chosen by size; the pages
served from the kept figures cost a fixed number of queries whatever the subtree's size."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from dangjian.activities.choices import ActivityKind
from dangjian.core.models import Figure
from dangjian.members import subtrees
from dangjian.organizations.choices import OrgKind
from dangjian.organizations.models import Organization
from dangjian.site.testing import (
    PENDING,
    RECOUNTING,
    build_member,
    build_org,
    queued,
    run_queued,
)

pytestmark = pytest.mark.django_db


def counted_by_the_worker(client: Any, url: str, callbacks: Any) -> None:
    """The first visit of a big subtree's page whose figures were never counted: it says they
    are being counted and queues their counts, which the worker runs (decision 0287)."""
    with callbacks(execute=True):
        assert PENDING in client.get(url).content.decode()
    assert run_queued()


def organization_page(org: Organization) -> str:
    return reverse("reports:organization", args=[org.pk])


def compliance_page(org: Organization) -> str:
    return reverse("activities:compliance", args=[org.pk])


def recruitment_page(org: Organization) -> str:
    return reverse("recruitment:index") + f"?org={org.pk}"


def dues_report_page(org: Organization) -> str:
    return reverse("dues:report", args=[org.pk])


def home_page(org: Organization) -> str:
    """The home dashboard (the signed-in user's card of `org`)."""
    return reverse("site:home")


def add_member(org: Organization, name: str, callbacks: Any) -> None:
    """A member long without organizational life (the compliance page lists them), committed
    so that the figures above are marked stale."""
    with callbacks(execute=True):
        build_member(
            organization=org,
            name=name,
            joined_on=dt.date(2010, 7, 1),
            started_on=dt.date(2020, 1, 1),
        )


def test_a_change_below_shows_the_kept_overview_and_queues_one_recount(
    client: Any, county: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """东镇 (5 members, the threshold 5) is big: after a change below its page shows the kept
    figure with when it was counted and a note, queues one recount (a second visit none);
    the worker's recount shows the new figure."""
    settings.DANGJIAN_BIG_SUBTREE_MEMBERS = 5
    client.force_login(county.east_admin)
    url = organization_page(county.east)
    counted_by_the_worker(client, url, django_capture_on_commit_callbacks)
    body = client.get(url).content.decode()
    assert "共有党员5名" in body
    assert 'data-testid="counted-at"' in body
    assert RECOUNTING not in body
    add_member(county.south_village, "周九", django_capture_on_commit_callbacks)
    row = Figure.objects.get(path=county.east.path, key="overview")
    assert row.stale_since is not None
    assert row.value["members"] == 5
    with django_capture_on_commit_callbacks(execute=True):
        body = client.get(url).content.decode()
    assert "共有党员5名" in body  # the kept figure, not counted on the request
    assert RECOUNTING in body
    assert queued("dangjian.reports.tasks.overview_recount") == 1
    with django_capture_on_commit_callbacks(execute=True):
        again = client.get(url).content.decode()
    assert RECOUNTING in again
    assert queued("dangjian.reports.tasks.overview_recount") == 1  # deduplicated
    assert "dangjian.reports.tasks.overview_recount" in run_queued()
    body = client.get(url).content.decode()
    assert "共有党员6名" in body
    assert RECOUNTING not in body
    assert not DBTaskResult.objects.exists()


def test_refresh_counts_a_big_subtree_now(
    client: Any, county: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """刷新 (`?refresh=1`) still counts in the request, and queues nothing."""
    settings.DANGJIAN_BIG_SUBTREE_MEMBERS = 5
    client.force_login(county.east_admin)
    counted_by_the_worker(
        client, organization_page(county.east), django_capture_on_commit_callbacks
    )
    add_member(county.south_village, "周九", django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        body = client.get(organization_page(county.east) + "?refresh=1").content.decode()
    assert "共有党员6名" in body
    assert RECOUNTING not in body
    assert queued("dangjian.reports.tasks.overview_recount") == 0


def test_a_small_subtree_counts_on_the_request(
    client: Any, county: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """Below the threshold (2,000 by default) the page counts on every visit, as before: the
    change shows at once and nothing is queued or kept."""
    client.force_login(county.east_admin)
    assert "共有党员5名" in client.get(organization_page(county.east)).content.decode()
    add_member(county.south_village, "周九", django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        body = client.get(organization_page(county.east)).content.decode()
    assert "共有党员6名" in body
    assert 'data-testid="counted-at"' not in body
    assert PENDING not in body
    assert not DBTaskResult.objects.exists()
    assert not Figure.objects.filter(path=county.east.path, key="overview").exists()


@pytest.mark.parametrize(
    ("page", "task_path"),
    [
        (compliance_page, "dangjian.activities.tasks.figure_recount"),
        (recruitment_page, "dangjian.recruitment.tasks.page_recount"),
        (dues_report_page, "dangjian.dues.tasks.report_recount"),
    ],
)
def test_committee_pages_show_the_kept_figure_while_one_recount_runs(
    client: Any,
    county: Any,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
    page: Any,
    task_path: str,
) -> None:
    """The compliance, recruitment and dues report pages of a big subtree behave alike: stale
    after a change below, shown with the note, one recount queued, fresh after it ran."""
    settings.DANGJIAN_BIG_SUBTREE_MEMBERS = 5
    client.force_login(county.east_admin)
    url = page(county.east)
    counted_by_the_worker(client, url, django_capture_on_commit_callbacks)
    first = client.get(url)
    assert first.status_code == 200
    assert RECOUNTING not in first.content.decode()
    add_member(county.south_village, "周九", django_capture_on_commit_callbacks)
    for _visit in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            body = client.get(url).content.decode()
        assert RECOUNTING in body
        assert queued(task_path) == 1
    assert "周九" not in body  # not counted on the request
    assert task_path in run_queued()
    body = client.get(url).content.decode()
    assert RECOUNTING not in body
    if page is compliance_page:
        assert "周九" in body  # the recount lists the new member without organizational life
    assert not DBTaskResult.objects.exists()


def test_a_recount_that_overlaps_a_change_stays_stale(county: Any, settings: Any) -> None:
    """A queued recount of a figure already fresh again counts nothing; a change committed
    while the worker counted leaves the stored figure stale (it was counted from rows before
    the change), so it is counted again."""
    from dangjian.core import figures

    figures.cached("/1/", "k", lambda: 1)
    assert figures.recount_store("/1/", "k", lambda: 5) == 1  # fresh: nothing to recount
    figures.invalidate(["/1/"])

    def compute_with_a_change_meanwhile() -> int:
        figures.invalidate(["/1/2/"])
        return 2

    figures.recount_store("/1/", "k", compute_with_a_change_meanwhile)
    row = Figure.objects.get(path="/1/", key="k")
    assert row.value == 2
    assert row.stale_since is not None
    assert figures.cached("/1/", "k", lambda: 3)[0] == 3


# --- the committee list ---------------------------------------------------------------------------


def _members(org: Organization, n: int) -> None:
    for i in range(n):
        build_member(organization=org, name=f"{org.name}{i}")


@pytest.fixture
def province(db: Any) -> dict[str, Organization]:
    """A province-shaped tree: province > cities > counties > townships > branches."""
    p = build_org(name="省委", kind=OrgKind.LOCAL_COMMITTEE)
    c1 = build_org(name="甲市委", kind=OrgKind.LOCAL_COMMITTEE, parent=p)
    c2 = build_org(name="乙市委", kind=OrgKind.LOCAL_COMMITTEE, parent=p)
    k1 = build_org(name="甲县委", kind=OrgKind.LOCAL_COMMITTEE, parent=c1)
    k2 = build_org(name="乙县委", kind=OrgKind.LOCAL_COMMITTEE, parent=c1)
    t1 = build_org(name="甲镇党委", kind=OrgKind.PARTY_COMMITTEE, parent=k1)
    t2 = build_org(name="乙镇党委", kind=OrgKind.PARTY_COMMITTEE, parent=k1)
    t3 = build_org(name="丙镇党委", kind=OrgKind.PARTY_COMMITTEE, parent=k2)
    b1 = build_org(name="甲村党支部", parent=t1)
    b2 = build_org(name="乙村党支部", parent=t2)
    b3 = build_org(name="丙村党支部", parent=t3)
    g = build_org(name="乙市机关党总支", kind=OrgKind.GENERAL_BRANCH, parent=c2)
    gb = build_org(name="乙市机关第一党支部", parent=g)
    _members(b1, 6)
    _members(b2, 2)
    _members(b3, 1)
    _members(gb, 3)
    return {
        "p": p, "c1": c1, "c2": c2, "k1": k1, "k2": k2, "t1": t1, "t2": t2, "t3": t3,
        "b1": b1, "b2": b2, "b3": b3, "g": g, "gb": gb,
    }  # fmt: skip


def _names(orgs: list[Organization]) -> list[str]:
    return [o.name for o in orgs]


@pytest.mark.parametrize(
    ("threshold", "expected"),
    [
        (6, ["省委", "甲市委", "甲县委", "甲镇党委"]),  # 12, 9, 8, 6; not 甲村党支部 (a branch)
        (7, ["省委", "甲市委", "甲县委"]),  # 甲镇党委's 6 below it
        (3, ["省委", "甲市委", "乙市委", "甲县委", "乙市机关党总支", "甲镇党委"]),
        (13, []),
    ],
)
def test_the_big_committees_of_a_province_by_size_not_depth(
    province: dict[str, Organization], settings: Any, threshold: int, expected: list[str]
) -> None:
    """The province, its cities, counties and townships are warmed when their subtree reaches
    the threshold, at whatever depth; never a branch; the page's own check agrees."""
    settings.DANGJIAN_BIG_SUBTREE_MEMBERS = threshold
    big = subtrees.big_committees()
    assert _names(big) == expected
    assert {o.name for o in province.values() if subtrees.is_big(o)} == set(expected)


def test_a_dissolved_committee_is_not_warmed(
    province: dict[str, Organization], settings: Any
) -> None:
    settings.DANGJIAN_BIG_SUBTREE_MEMBERS = 6
    Organization.objects.filter(pk=province["t1"].pk).update(dissolved_on=dt.date(2026, 1, 1))
    assert "甲镇党委" not in _names(subtrees.big_committees())


@pytest.mark.parametrize(
    ("threshold", "expected"),
    [(5, ["示范县委", "东镇党委"]), (6, ["示范县委"]), (7, [])],
)
def test_the_big_committees_of_a_county(
    county: Any, settings: Any, threshold: int, expected: list[str]
) -> None:
    """In a county deployment: the county (6 members) and the big townships (东镇 5, 西镇 1)."""
    settings.DANGJIAN_BIG_SUBTREE_MEMBERS = threshold
    assert _names(subtrees.big_committees()) == expected


def test_the_warm_up_counts_the_big_committees_and_only_what_is_stale(
    county: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """reports.figures_warm counts the big committees' figures (the county and 东镇 at the
    threshold 5, not 西镇), and a second round counts again only those a change made stale."""
    from dangjian.reports import tasks as report_tasks

    settings.DANGJIAN_BIG_SUBTREE_MEMBERS = 5
    report_tasks.figures_warm.call()
    warmed = set(Figure.objects.filter(key="overview").values_list("path", flat=True))
    assert warmed == {county.county.path, county.east.path}
    at = dict(Figure.objects.values_list("pk", "computed_at"))
    report_tasks.figures_warm.call()
    assert dict(Figure.objects.filter(pk__in=at).values_list("pk", "computed_at")) == at
    add_member(county.west_village, "周九", django_capture_on_commit_callbacks)  # county only
    report_tasks.figures_warm.call()
    assert not Figure.objects.filter(stale_since__isnull=False, key="overview").exists()
    recounted = {
        f.path
        for f in Figure.objects.filter(pk__in=at, key="overview")
        if f.computed_at != at[f.pk]
    }
    assert recounted == {county.county.path}


# --- query guards -------------------------------------------------------------------------------


def _grow(county: Any, n: int) -> None:
    """More branches below 东镇, each with members, held activities and an applicant."""
    from dangjian.activities.models import Activity, ActivityStatus
    from dangjian.core.dates import today

    for i in range(n):
        branch = build_org(name=f"新村{i}党支部", parent=county.east)
        build_member(organization=branch, name=f"新党员{i}甲", joined_on=dt.date(2010, 7, 1))
        build_member(organization=branch, name=f"新党员{i}乙", joined_on=dt.date(2010, 7, 1))
        for kind in (ActivityKind.THEME_DAY, ActivityKind.GENERAL_MEETING):
            Activity.objects.create(
                organization=branch, kind=kind, topic="学习", on=today(), status=ActivityStatus.HELD
            )


def _kept(client: Any, url: str) -> None:
    """The page's figures counted and kept (a visit with ?refresh=1), as the worker leaves them."""
    client.get(url + ("&" if "?" in url else "?") + "refresh=1")


def _never_counted(client: Any, url: str) -> None:
    """No figure kept and no count queued: the page's first visit (decision 0287)."""
    Figure.objects.all().delete()
    DBTaskResult.objects.all().delete()


@pytest.mark.parametrize(
    ("before", "page", "budget"),
    [
        # Counted on the request the same pages read 25, 15 and 13 queries. The organization
        # page's accounts and certificate panels add a size check and a kept figure each (21
        # before).
        (_kept, organization_page, 23),
        (_kept, compliance_page, 6),
        (_kept, recruitment_page, 9),
        # The first visit of a page never counted, the claims included.
        (_never_counted, organization_page, 30),
        (_never_counted, compliance_page, 8),
        (_never_counted, recruitment_page, 11),
        (_never_counted, dues_report_page, 8),
        # The home page's first visit also keeps its to-do list (decision 0293): a lookup
        # and the list stored (two writes) beside its sources' queries, 27 before.
        (_never_counted, home_page, 30),
    ],
)
def test_big_subtree_pages_cost_the_same_queries_at_any_size(
    client: Any,
    county: Any,
    settings: Any,
    django_assert_max_num_queries: Any,
    before: Any,
    page: Any,
    budget: int,
) -> None:
    """Served from the kept figure, or pending while never counted, a big subtree's pages read
    the same number of queries with 5 members and 2 branches below as with 25 members and 12
    branches, within a budget under what counting them costs."""
    settings.DANGJIAN_BIG_SUBTREE_MEMBERS = 1
    client.force_login(county.east_admin)
    url = page(county.east)

    def queries() -> int:
        before(client, url)
        with django_assert_max_num_queries(budget) as captured:
            response = client.get(url)
        assert response.status_code == 200
        assert (PENDING in response.content.decode()) == (before is _never_counted)
        return len(captured)

    few = queries()
    _grow(county, 10)
    assert queries() == few


def test_a_kept_figure_queues_its_recount_once_until_the_claim_is_lost(
    db: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """An expired figure is shown and its recount queued once; a claim older than
    DANGJIAN_TASKS_STALE_AFTER (its worker died) lets the next visit queue it again."""
    import time_machine
    from django.utils import timezone

    from dangjian.core import figures

    settings.DANGJIAN_FIGURES_MAX_AGE = 60
    settings.DANGJIAN_TASKS_STALE_AFTER = 600
    queued_recounts: list[int] = []
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        figures.cached("/9/", "k", lambda: 1)
    for minutes, expected in ((2, 1), (3, 1), (13, 2)):
        with (
            time_machine.travel(start + dt.timedelta(minutes=minutes), tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            shown = figures.kept("/9/", "k", lambda: 2, recount=lambda: queued_recounts.append(1))
        assert shown.value == 1  # the kept figure, expired, not counted on the request
        assert shown.stale
        assert len(queued_recounts) == expected, minutes


def test_a_big_subtree_page_lists_no_members_and_a_small_one_lists_them(
    client: Any, county: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """A big subtree's organization page points to its member list instead of sorting all its
    members for ten of them (with their number once counted); a small one lists them as
    before (both sides of the threshold)."""
    client.force_login(county.east_admin)
    url = organization_page(county.east)
    settings.DANGJIAN_BIG_SUBTREE_MEMBERS = 6  # 东镇 holds 5: small
    body = client.get(url).content.decode()
    assert "张三" in body
    assert 'data-testid="members-by-list"' not in body
    settings.DANGJIAN_BIG_SUBTREE_MEMBERS = 5  # big
    with django_capture_on_commit_callbacks(execute=True):
        body = client.get(url).content.decode()
    assert "张三" not in body
    assert ">请在党员名单中按姓名查找或筛选。" in body  # pending: no number yet
    run_queued()
    body = client.get(url).content.decode()
    assert "张三" not in body
    assert "共 5 名党员，请在党员名单中按姓名查找或筛选。" in body
    assert f"/members/?org={county.east.pk}" in body


# --- a figure never counted (decision 0287) ------------------------------------------------------

OVERVIEW_TASK = "dangjian.reports.tasks.overview_recount"


@pytest.mark.parametrize(
    ("page", "task_path", "figure"),
    [
        (organization_page, OVERVIEW_TASK, 'data-testid="overview-sentence"'),
        (compliance_page, "dangjian.activities.tasks.figure_recount", "compliance-sentence"),
        (recruitment_page, "dangjian.recruitment.tasks.page_recount", 'data-testid="pipeline"'),
        (dues_report_page, "dangjian.dues.tasks.report_recount", 'data-testid="report-due"'),
        (home_page, OVERVIEW_TASK, 'data-testid="overview-sentence"'),
    ],
)
def test_a_figure_never_counted_is_pending_and_counted_once_by_the_worker(
    client: Any,
    county: Any,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
    page: Any,
    task_path: str,
    figure: str,
) -> None:
    """A big subtree's page whose figure was never counted answers at once with the pending
    line and no figures (not zeros), on every visit; of three visitors one queues the count;
    the worker stores it and the next visit shows the figures with when they were counted."""
    settings.DANGJIAN_BIG_SUBTREE_MEMBERS = 5
    client.force_login(county.east_admin)
    url = page(county.east)
    for _visit in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.get(url)
        assert response.status_code == 200
        body = response.content.decode()
        assert PENDING in body
        assert "正在后台统计本级及下级的数据，完成后刷新本页即可看到" in body
        assert figure not in body
        assert queued(task_path) == 1
    assert task_path in run_queued()
    body = client.get(url).content.decode()
    assert PENDING not in body
    assert figure in body
    assert 'data-testid="counted-at"' in body
    assert not DBTaskResult.objects.exists()


def test_a_pending_page_counts_nothing_in_the_request(
    client: Any, county: Any, settings: Any, monkeypatch: Any
) -> None:
    """The organization page of a big subtree never counted calls none of its counts (the
    overview, the accounts, the certificates, organizational life): the worker does."""
    from dangjian.activities import selectors as activity_selectors
    from dangjian.certificates import panels as certificate_panels
    from dangjian.portal import selectors as portal_selectors
    from dangjian.reports import selectors as report_selectors

    def counted(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("counted in the request")

    monkeypatch.setattr(report_selectors, "overview", counted)
    monkeypatch.setattr(portal_selectors, "account_counts", counted)
    monkeypatch.setattr(certificate_panels, "coverage", counted)
    monkeypatch.setattr(activity_selectors, "compliance_rollups", counted)
    settings.DANGJIAN_BIG_SUBTREE_MEMBERS = 5
    client.force_login(county.east_admin)
    for _visit in range(2):
        response = client.get(organization_page(county.east))
        assert response.status_code == 200
        assert response.content.decode().count(PENDING) == 4  # overview and three panels


def test_refresh_counts_a_figure_never_counted_now(
    client: Any, county: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """刷新 (`?refresh=1`) counts in the request, as before: figures at once, nothing queued."""
    settings.DANGJIAN_BIG_SUBTREE_MEMBERS = 5
    client.force_login(county.east_admin)
    with django_capture_on_commit_callbacks(execute=True):
        body = client.get(organization_page(county.east) + "?refresh=1").content.decode()
    assert "共有党员5名" in body
    assert PENDING not in body
    assert not DBTaskResult.objects.exists()
    row = Figure.objects.get(path=county.east.path, key="overview")
    assert row.value["members"] == 5
    assert row.computed_at is not None


def test_a_claim_never_counted_is_taken_again_when_lost(
    db: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """Visitors of a figure never counted get "pending" and never count it; the first claims
    its count; a claim older than DANGJIAN_TASKS_STALE_AFTER (its worker died) is taken again
    by the next visit; once the worker stored the figure it is shown."""
    import time_machine
    from django.utils import timezone

    from dangjian.core import figures

    settings.DANGJIAN_TASKS_STALE_AFTER = 600

    def counted() -> Any:
        raise AssertionError("counted in the request")

    queued_recounts: list[int] = []
    start = timezone.now()
    for minutes, expected in ((0, 1), (3, 1), (9, 1), (11, 2), (12, 2)):
        with (
            time_machine.travel(start + dt.timedelta(minutes=minutes), tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            shown = figures.kept("/9/", "k", counted, recount=lambda: queued_recounts.append(1))
        assert shown.pending
        assert shown.value is None
        assert len(queued_recounts) == expected, minutes
    assert Figure.objects.filter(path="/9/", key="k").count() == 1
    figures.recount_store("/9/", "k", lambda: 5)
    with django_capture_on_commit_callbacks(execute=True):
        shown = figures.kept("/9/", "k", counted, recount=lambda: queued_recounts.append(1))
    assert (shown.value, shown.pending, shown.stale) == (5, False, False)
    assert len(queued_recounts) == 2


def test_no_reader_takes_the_claim_for_a_figure(db: Any) -> None:
    """The row a claim inserts holds no figure: `cached` counts (and stores), a marker of the
    same name is not fresh, a change below leaves it pending, and the pruning of old figures
    drops old claims but keeps a recent one."""
    from django.utils import timezone

    from dangjian.core import figures

    def claim(key: str) -> figures.Kept:
        return figures.kept("/9/", key, lambda: 1 / 0, recount=lambda: None)

    assert claim("k").pending
    assert not figures.is_marked("/9/", "k")
    figures.invalidate(["/9/1/"])
    assert claim("k").pending  # still pending, not a stale figure of no value
    assert figures.cached("/9/", "k", lambda: 3)[0] == 3
    row = Figure.objects.get(path="/9/", key="k")
    assert (row.value, row.recount_queued_at) == (3, None)
    assert row.computed_at is not None
    assert figures.kept("/9/", "k", lambda: 1 / 0, recount=lambda: None).value == 3
    claim("old")
    claim("recent")
    Figure.objects.filter(key="old").update(recount_queued_at=timezone.now() - dt.timedelta(days=3))
    figures.prune(dt.timedelta(days=2))
    assert set(Figure.objects.values_list("key", flat=True)) == {"k", "recent"}


def test_the_warm_up_stores_a_pending_figure_and_its_queued_count_counts_nothing(
    client: Any, county: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """The warm-up counts a claimed figure like any other (the claim is not a figure to it);
    the next visit shows it; the count queued by the first visitor then finds it fresh."""
    from dangjian.reports import tasks as report_tasks

    settings.DANGJIAN_BIG_SUBTREE_MEMBERS = 5
    client.force_login(county.east_admin)
    url = organization_page(county.east)
    with django_capture_on_commit_callbacks(execute=True):
        assert PENDING in client.get(url).content.decode()
    assert queued(OVERVIEW_TASK) == 1
    report_tasks.figures_warm.call()
    row = Figure.objects.get(path=county.east.path, key="overview")
    assert row.value["members"] == 5
    body = client.get(url).content.decode()
    assert "共有党员5名" in body
    assert OVERVIEW_TASK in run_queued()
    assert Figure.objects.get(pk=row.pk).computed_at == row.computed_at  # not counted again
