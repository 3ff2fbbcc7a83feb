"""The home dashboard (issue 10): a committee's figures from the figure cache and the weakest
organizations by compliance; a branch's 本月待办 from organizational life, dues and
recruitment; and the figure cache's invalidation when the data under it changes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from dangjian.accounts.choices import Role
from dangjian.activities import periods
from dangjian.activities import selectors as activity_selectors
from dangjian.activities.choices import ActivityKind, ActivityStatus
from dangjian.activities.models import Activity
from dangjian.core import figures
from dangjian.core.models import Figure
from dangjian.dues import selectors as dues_selectors
from dangjian.dues import services as dues_services
from dangjian.dues.choices import DuesCategory
from dangjian.members.models import Member
from dangjian.organizations.choices import OrgKind
from dangjian.organizations.models import Organization
from dangjian.recruitment.tests.helpers import new_applicant
from dangjian.site.testing import build_member, build_org, build_user, system_user
from dangjian.transfers import services as transfer_services
from dangjian.transfers.tests.helpers import draft

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 20)
Q3 = periods.quarter(2026, 3)
Q4 = periods.quarter(2026, 4)


@pytest.fixture
def frozen() -> Iterator[None]:
    with time_machine.travel(dt.datetime(2026, 11, 20, 4, 0, tzinfo=dt.UTC), tick=False):
        yield


def held(org: Organization, kind: str, *days: dt.date) -> None:
    for day in days:
        Activity.objects.create(
            organization=org, kind=kind, topic="学习", on=day, status=ActivityStatus.HELD
        )


def full_quarter(org: Organization, quarter: periods.Period) -> None:
    """Everything a branch without committee or groups must hold in a quarter."""
    months = [periods.month_start(quarter.start, i) for i in range(3)]
    held(org, ActivityKind.GENERAL_MEETING, months[0] + dt.timedelta(days=4))
    held(org, ActivityKind.PARTY_LECTURE, months[1] + dt.timedelta(days=4))
    held(org, ActivityKind.THEME_DAY, *(m + dt.timedelta(days=1) for m in months))


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def home_text(client: Client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


# --- the figure cache ------------------------------------------------------------------------


def test_a_figure_is_computed_once_and_read_back_until_it_is_too_old(settings: Any) -> None:
    calls: list[int] = []

    def compute() -> dict[str, int]:
        calls.append(1)
        return {"n": len(calls)}

    first, at = figures.cached("/1/7/", "count", compute)
    again, at_again = figures.cached("/1/7/", "count", compute)
    assert first == again == {"n": 1}
    assert at == at_again
    assert len(calls) == 1
    refreshed, _at = figures.cached("/1/7/", "count", compute, refresh=True)
    assert refreshed == {"n": 2}
    assert Figure.objects.get(path="/1/7/", key="count").value == {"n": 2}
    settings.DANGJIAN_FIGURES_MAX_AGE = 0  # every stored figure is now too old
    assert figures.cached("/1/7/", "count", compute)[0] == {"n": 3}
    assert Figure.objects.filter(path="/1/7/", key="count").count() == 1


def _fresh_paths() -> list[str]:
    """Paths with a fresh figure (a change marks figures stale, decision 0283)."""
    return sorted(Figure.objects.filter(stale_since=None).values_list("path", flat=True))


def test_invalidation_drops_the_organization_and_its_ancestors_not_its_siblings() -> None:
    """A change marks stale the figures of the organization and its ancestors, not its
    siblings'; the stale ones are counted again on the next read."""
    for path in ("/1/", "/1/7/", "/1/7/42/", "/1/8/", "/1/7/43/"):
        figures.cached(path, "count", lambda: 1)
    figures.invalidate(["/1/7/42/"])
    assert _fresh_paths() == ["/1/7/43/", "/1/8/"]
    assert Figure.objects.count() == 5  # kept, marked stale
    assert figures.cached("/1/7/", "count", lambda: 2)[0] == 2  # stale: counted again
    figures.cached("/1/", "count", lambda: 1)
    figures.invalidate_subtree("/1/7/")
    assert _fresh_paths() == ["/1/8/"]


def test_roster_and_activity_changes_invalidate_after_commit(
    county: Any, django_capture_on_commit_callbacks: Any
) -> None:
    for org in (county.county, county.east, county.west):
        figures.cached(org.path, "count", lambda: 1)
    with django_capture_on_commit_callbacks(execute=True):
        build_member(organization=county.south_village, name="周九")
    assert _fresh_paths() == [county.west.path]

    figures.cached(county.county.path, "count", lambda: 1)
    with django_capture_on_commit_callbacks(execute=True):
        held(county.west_village, ActivityKind.THEME_DAY, dt.date(2026, 11, 2))
    assert _fresh_paths() == []

    figures.cached(county.east.path, "count", lambda: 1)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        county.west.name = "西镇党委（新）"
        county.west.save()
    assert callbacks
    assert _fresh_paths() == []


# --- the committee dashboard ------------------------------------------------------------------


def test_weakest_organizations_by_compliance(county: Any) -> None:
    """东镇: 东村 held everything in Q3, 南村 only a theme day; 西镇: 西村 nothing."""
    full_quarter(county.east_village, Q3)
    held(county.south_village, ActivityKind.THEME_DAY, dt.date(2026, 7, 1))
    full_quarter(county.east_village, Q4)  # so far in Q4 only 东村 has met it
    value = activity_selectors.compliance_dashboard(county.county, Q3, Q4, on=TODAY)
    assert (value["branches"], value["met"]) == (3, 1)
    # Q4 so far (on 20 November): a meeting, a lecture and the October and November theme days
    # are required of each of the three branches (December has not begun); 东村 held them.
    assert (value["held_now"], value["required_now"]) == (4, 12)
    assert [
        (c["name"], c["branches"], c["met"], c["held"], c["required"]) for c in value["children"]
    ] == [
        ("西镇党委", 1, 0, 0, 5),
        ("东镇党委", 2, 1, 6, 10),
    ]
    assert [w["name"] for w in value["weakest"]] == ["西村党支部", "南村党支部"]
    assert value["weakest"][1]["missing"] == [
        [ActivityKind.GENERAL_MEETING, 0, 1],
        [ActivityKind.PARTY_LECTURE, 0, 1],
        [ActivityKind.THEME_DAY, 1, 3],
    ]


def test_a_township_sees_its_branches_not_a_children_chart(county: Any) -> None:
    value = activity_selectors.compliance_dashboard(county.east, Q3, Q4, on=TODAY)
    assert value["children"] == []  # its children are the branches themselves
    assert {w["name"] for w in value["weakest"]} == {"东村党支部", "南村党支部"}


def test_county_home_shows_compliance_and_serves_cached_figures(county: Any, frozen: None) -> None:
    full_quarter(county.east_village, Q3)
    client = signed_in(county.county_admin)
    html = home_text(client)
    assert 'data-testid="dashboard-compliance"' in html
    assert "2026年第三季度：党支部 3 个，全部完成 1 个" in html
    assert html.index("西镇党委") < html.index("东镇党委")  # weakest first
    assert 'data-testid="counted-at"' in html
    assert "?refresh=1" in html
    assert "共有党员6名" in html

    # A change that bypasses the models' signals is not seen until the figures are refreshed.
    Member.objects.filter(pk=county.sun.pk).update(category="PROBATIONARY")
    before = home_text(client)
    assert _figure(before, "预备党员") == "1"
    assert _figure(home_text_refreshed(client), "预备党员") == "2"


def home_text_refreshed(client: Client) -> str:
    response = client.get("/?refresh=1")
    assert response.status_code == 200
    return response.content.decode()


def _figure(html: str, label: str) -> str:
    """The number shown above a figure's label on a home card."""
    before = html[: html.index(f">{label}</div>")]
    return before[
        before.rindex('<div class="dj-figure">') + len('<div class="dj-figure">') :
    ].split("<")[0]


def test_branch_home_has_no_cached_figures_and_no_committee_panels(
    county: Any, frozen: None
) -> None:
    html = home_text(signed_in(county.east_secretary))
    assert 'data-testid="counted-at"' not in html
    assert 'data-testid="dashboard-compliance"' not in html
    # Its figures are counted on each visit; only its to-do list is kept (decision 0293).
    assert {key.split(":")[0] for key in Figure.objects.values_list("key", flat=True)} == {"todo"}


def test_dashboards_are_scoped(county: Any, frozen: None) -> None:
    held(county.west_village, ActivityKind.THEME_DAY, dt.date(2026, 7, 1))
    html = home_text(signed_in(county.east_admin))
    assert "东镇党委" in html
    assert "西村党支部" not in html
    assert "西镇党委" not in html


# --- a branch's 本月待办 -------------------------------------------------------------------------


def test_branch_todo_lists_the_organizational_life_still_to_hold(
    county: Any, frozen: None, django_capture_on_commit_callbacks: Any
) -> None:
    client = signed_in(county.east_secretary)
    html = home_text(client)
    assert "本月还应召开：主题党日（0/1）" in html
    assert "本季度还应召开：支部党员大会（0/1）、党课（0/1）" in html
    assert "本年还应召开：组织生活会（0/1）" in html  # from October on
    assert f"?org={county.east_village.pk}&amp;kind=THEME_DAY" in html

    # The list is kept (decision 0293): the activities, once committed, mark it stale.
    with django_capture_on_commit_callbacks(execute=True):
        held(county.east_village, ActivityKind.THEME_DAY, dt.date(2026, 11, 3))
        held(county.east_village, ActivityKind.GENERAL_MEETING, dt.date(2026, 10, 9))
    html = home_text(client)
    assert "本月还应召开" not in html
    assert "本季度还应召开：党课（0/1）" in html


def test_branch_todo_before_october_leaves_the_year_out(county: Any) -> None:
    with time_machine.travel(dt.datetime(2026, 5, 20, 4, 0, tzinfo=dt.UTC), tick=False):
        html = home_text(signed_in(county.east_secretary))
    assert "本月还应召开" in html
    assert "本年还应召开" not in html


def test_branch_todo_for_dues(
    county: Any, frozen: None, django_capture_on_commit_callbacks: Any
) -> None:
    actor = system_user()
    for member in (county.zhang, county.li):
        dues_services.profile_set(
            actor=actor,
            member=member,
            category=DuesCategory.EMPLOYED,
            base=Decimal("3200"),
            effective_from=dt.date(2026, 10, 1),
        )
    client = signed_in(county.east_secretary)
    assert "本月党费账目尚未生成" in home_text(client)
    # October has ended: it is owed whether or not its ledger was generated.
    assert "2 名党员欠交以前月份的党费。" in home_text(client)

    with django_capture_on_commit_callbacks(execute=True):
        for month in (10, 11):
            dues_services.ledger_generate(
                actor=actor, organization=county.east_village, month=dt.date(2026, month, 1)
            )
    html = home_text(client)
    assert "本月党费账目尚未生成" not in html
    assert "2 名党员欠交以前月份的党费。" in html

    with django_capture_on_commit_callbacks(execute=True):
        dues_services.payment_record(
            actor=actor, member=county.zhang, amount=Decimal("64.00"), paid_on=TODAY, method="CASH"
        )
        dues_services.payment_record(
            actor=actor, member=county.li, amount=Decimal("32.00"), paid_on=TODAY, method="CASH"
        )
    html = home_text(client)
    assert "欠交以前月份" not in html
    assert "本月还有 1 名党员" in html
    assert reverse("dues:organization", args=[county.east_village.pk]) in html


def test_branch_todo_for_recruitment_deadlines(
    county: Any, frozen: None, django_capture_on_commit_callbacks: Any
) -> None:
    client = signed_in(county.east_secretary)
    assert "发展党员" not in _todos(home_text(client))
    with django_capture_on_commit_callbacks(execute=True):
        new_applicant(county, applied_on=dt.date(2026, 10, 25), name="周青")  # talk due 25 Nov
    todos = _todos(home_text(client))
    assert "本月有 1 项发展党员工作到期，最早：周青" in todos
    assert "已超过时限" not in todos
    with django_capture_on_commit_callbacks(execute=True):
        new_applicant(county, applied_on=dt.date(2026, 9, 1), name="吴红")  # talk was due 1 Oct
    assert "1 项发展党员工作已超过时限。" in _todos(home_text(client))


def test_a_committee_card_has_no_branch_todos(county: Any, frozen: None) -> None:
    html = home_text(signed_in(county.east_admin))
    assert "还应召开" not in html


def _todos(html: str) -> str:
    if 'data-testid="todos"' not in html:
        return ""
    start = html.index('data-testid="todos"')
    return html[start : html.index("</div>", start)]


def test_a_new_branch_with_no_members_has_no_dues_todo(county: Any, frozen: None) -> None:
    empty = build_org(name="新建党支部", parent=county.east)
    user = build_user(username="newsec", role=Role.SECRETARY, organization=empty)
    todos = _todos(home_text(signed_in(user)))
    assert "党费" not in todos
    assert "本月还应召开" in todos


def test_todo_for_transfers_to_approve_and_to_receive(
    county: Any, frozen: None, django_capture_on_commit_callbacks: Any
) -> None:
    transfer = draft(county.east_secretary, county.zhang, county.west_village)
    transfer_services.transfer_submit(actor=county.east_secretary, transfer=transfer)
    township = _todos(home_text(signed_in(county.east_admin)))
    assert "1 笔组织关系转接待审批。" in township
    assert "待审批" not in _todos(home_text(signed_in(county.east_secretary)))  # not theirs

    with django_capture_on_commit_callbacks(execute=True):
        transfer_services.transfer_approve(actor=county.east_admin, transfer=transfer)
        transfer_services.transfer_issue(
            actor=county.east_secretary, transfer=transfer, dues_paid_until="2026-10"
        )
    assert "待审批" not in _todos(home_text(signed_in(county.east_admin)))
    west = _todos(home_text(signed_in(county.west_admin)))
    assert "1 份组织关系介绍信转来，待接收。" in west
    assert "?list=incoming" in west


def test_committee_dues_figure_and_weakest_children(
    county: Any, frozen: None, django_capture_on_commit_callbacks: Any
) -> None:
    actor = system_user()
    for member in (county.zhang, county.sun):
        dues_services.profile_set(
            actor=actor,
            member=member,
            category=DuesCategory.EMPLOYED,
            base=Decimal("3200"),
            effective_from=dt.date(2026, 10, 1),
        )
    dues_services.ledger_generate(
        actor=actor, organization=county.county, month=dt.date(2026, 10, 1)
    )
    dues_services.payment_record(
        actor=actor,
        member=county.zhang,
        amount=Decimal("32.00"),
        paid_on=dt.date(2026, 10, 20),
        method="CASH",
    )
    value = dues_selectors.settled_dashboard(county.county, TODAY)
    assert (value["month"], value["members"], value["owing"], value["percent"]) == (
        "2026-10-01",
        6,
        1,
        83,
    )
    assert [(c["name"], c["members"], c["owing"], c["percent"]) for c in value["children"]] == [
        ("西镇党委", 1, 1, 0),
        ("东镇党委", 5, 0, 100),
    ]
    html = home_text(signed_in(county.county_admin))
    assert "截至 2026-10：党员 6 名，已交清 83%，欠交 1 名。" in html

    with django_capture_on_commit_callbacks(execute=True):  # a payment invalidates the figure
        dues_services.payment_record(
            actor=actor, member=county.sun, amount=Decimal("32.00"), paid_on=TODAY, method="CASH"
        )
    assert not Figure.objects.filter(path=county.county.path, stale_since=None).exists()
    # Paid on the day: the months ended by today (October) are paid by today.
    assert "欠交 0 名" in home_text(signed_in(county.county_admin))


def test_no_dues_figure_before_any_ledger(county: Any, frozen: None) -> None:
    html = home_text(signed_in(county.county_admin))
    assert 'data-testid="dashboard-dues"' not in html


def test_a_single_general_branch_makes_no_chart(county: Any) -> None:
    """A township with branches and one 党总支 compares nothing: its branches are the list."""
    general = build_org(name="机关党总支", kind=OrgKind.GENERAL_BRANCH, parent=county.east)
    build_org(name="机关第一党支部", parent=general)
    value = activity_selectors.compliance_dashboard(county.east, Q3, Q4, on=TODAY)
    assert value["children"] == []
    assert value["branches"] == 3
    general_two = build_org(name="企业党总支", kind=OrgKind.GENERAL_BRANCH, parent=county.east)
    build_org(name="企业第一党支部", parent=general_two)
    value = activity_selectors.compliance_dashboard(county.east, Q3, Q4, on=TODAY)
    assert [c["name"] for c in value["children"]] == ["企业党总支", "机关党总支"]


def test_migrate_drops_the_figures_of_the_previous_code() -> None:
    figures.cached("/1/", "overview", lambda: {"members": 1})
    call_command("migrate", verbosity=0)
    assert not Figure.objects.exists()


def test_cached_figures_read_in_the_readers_language(
    county: Any, frozen: None, client: Client
) -> None:
    """The cache is shared: what it stores is data, and labels are made for each reader."""
    full_quarter(county.east_village, Q3)
    home_text(signed_in(county.county_admin))  # counted and stored by a Chinese reader
    client.force_login(county.county_admin)
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Q3 2026: 1 of 3 branches held everything required" in html
    assert "第三季度" not in html


def test_the_kept_todo_list_is_kept_apart_for_who_manages_and_who_reads(
    county: Any, frozen: None
) -> None:
    """Decision 0293: the list is kept per organization, day, language and whether the user
    manages it. A help request is the secretary's to take up; an observer of the same branch,
    whose visit comes after the secretary's list was kept, is not shown it."""
    from dangjian.care import services as care_services
    from dangjian.care.models import HelpUrgency

    care_services.help_request_create(
        actor=county.member_user, what="需要帮忙联系护工", urgency=HelpUrgency.NORMAL
    )
    observer = build_user(
        username="branch-observer", role=Role.OBSERVER, organization=county.east_village
    )
    assert "1 条党员困难求助待受理。" in _todos(home_text(signed_in(county.east_secretary)))
    assert "困难求助" not in _todos(home_text(signed_in(observer)))
    keys = set(Figure.objects.filter(path=county.east_village.path).values_list("key", flat=True))
    assert {key.rsplit(":", 1)[1] for key in keys} == {"manage", "read"}
    # The same visit in English is another list, in English.
    client = signed_in(county.east_secretary)
    client.cookies["django_language"] = "en"
    assert "help request" in _todos(home_text(client)).lower()
