"""The one scope method: `restrict(who, action)` and `within(organization)` are the only path
filters, and they answer the same rows the hand-written filters did.

Every model with a `ScopedQuerySet` answers nothing to a user without roles and everything to a
superuser: tests/demo/test_demo_county.py checks it on the demo county, where every such model
has rows.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from dangjian.accounts.scope import Scope, scope_for
from dangjian.activities.choices import ActivityKind
from dangjian.activities.models import Activity
from dangjian.members.choices import HowAdded, HowRemoved
from dangjian.members.models import Member, Membership
from dangjian.organizations.models import Organization
from dangjian.transfers.choices import TransferKind, TransferState
from dangjian.transfers.models import Transfer

SOURCE = Path(__file__).resolve().parent.parent / "dangjian"
# The only files that may turn paths into a filter or read a scope's paths.
ALLOWED = {"accounts/scope.py", "organizations/models.py", "core/paths.py"}
STRAY = re.compile(r"path__startswith|\.(read|manage|reveal)_paths\b")


def source_lines() -> Iterator[tuple[str, int, str]]:
    """(file relative to dangjian/, line number, text) of every non-test, non-migration module."""
    for path in sorted(SOURCE.rglob("*.py")):
        relative = path.relative_to(SOURCE).as_posix()
        parts = relative.split("/")
        if "tests" in parts or "migrations" in parts or relative in ALLOWED:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            yield relative, number, line


def stray_scope_filters(lines: Iterable[tuple[str, int, str]]) -> list[str]:
    """`file:line: text` for each line that writes a path filter or reads a scope's paths."""
    return [
        f"{name}:{number}: {text.strip()}" for name, number, text in lines if STRAY.search(text)
    ]


def test_no_code_writes_its_own_scope_filter():
    """Outside the scope module, the organization model and core.paths, no code filters by path
    or reads a scope's paths: it asks `restrict`, `within`, `Organization.objects.under` or one
    of the Scope's questions (`reads_anything`, `can_manage_path`, ...)."""
    stray = stray_scope_filters(source_lines())
    assert not stray, "use restrict/within instead:\n" + "\n".join(stray)


def test_the_scanner_catches_a_stray_filter():
    """A hand-written subtree filter or a read of read_paths in a view is named with its line."""
    sample = [
        ("alerts/views.py", 57, "    alerts = alerts.filter(organization__path__startswith=p)"),
        ("alerts/views.py", 58, "    alerts = alerts.within(organization)"),
        ("roster/views.py", 12, "    if not scope.manage_paths:"),
    ]
    assert stray_scope_filters(sample) == [
        "alerts/views.py:57: alerts = alerts.filter(organization__path__startswith=p)",
        "roster/views.py:12: if not scope.manage_paths:",
    ]


def test_the_scanner_reads_the_source():
    """The scan covers the apps' modules (a scan of nothing would always pass)."""
    names = {name for name, _n, _t in source_lines()}
    assert {"members/selectors.py", "transfers/selectors.py", "assessment/views.py"} <= names
    assert not any("/tests/" in name or "/migrations/" in name for name in names)


# --- restrict and within on the county ---------------------------------------------------------


def _names(queryset: Iterable[Member]) -> set[str]:
    return {member.name for member in queryset}


@pytest.mark.django_db
def test_members_restrict_reads_the_subtree_and_the_member_themselves(county):
    """东镇's administrator reads 东镇's members, not 孙八 of 西镇; the member 张三 reads only
    himself; a user without roles reads no one."""
    east = _names(Member.objects.restrict(county.east_admin))
    assert east == {"张三", "李四", "王五", "赵六", "钱七"}
    assert _names(Member.objects.restrict(county.west_admin)) == {"孙八"}
    assert _names(Member.objects.restrict(county.member_user)) == {"张三"}
    nobody = get_user_model().objects.create_user(username="nobody", password="x-pass-word-1")
    assert not Member.objects.restrict(nobody).exists()
    assert not Member.objects.restrict(Scope()).exists()


@pytest.mark.django_db
def test_members_within_follow_the_latest_membership_row(county):
    """A member moved from 东村 to 西村 is within 西镇 and no longer within 东镇; 钱七 of 南村 is
    within 东镇 but not within 东村."""
    today = dt.date(2026, 7, 1)
    row = Membership.objects.get(member=county.li, is_latest=True)
    Membership.objects.filter(pk=row.pk).update(
        ended_on=today, how_removed=HowRemoved.MOVED_WITHIN, is_latest=False
    )
    Membership.objects.create(
        member=county.li,
        organization=county.west_village,
        started_on=today,
        how_added=HowAdded.OTHER,
    )
    assert _names(Member.objects.within(county.east)) == {"张三", "王五", "赵六", "钱七"}
    assert _names(Member.objects.within(county.west)) == {"李四", "孙八"}
    assert _names(Member.objects.within(county.east_village)) == {"张三", "王五", "赵六"}
    assert _names(Member.objects.within(county.east_village.path)) == {"张三", "王五", "赵六"}
    # Membership rows themselves: both of 李四's rows, each where it was.
    assert Membership.objects.within(county.east).filter(member=county.li).count() == 1
    assert Membership.objects.within(county.west).filter(member=county.li).count() == 1


@pytest.mark.django_db
def test_restrict_manage_leaves_out_what_is_only_read(county):
    """The observer of 东镇 reads its members but manages none; the secretary of 东村 manages
    东村's, not 南村's 钱七."""
    assert Member.objects.restrict(county.east_observer).count() == 5
    assert not Member.objects.restrict(county.east_observer, "manage").exists()
    assert _names(Member.objects.restrict(county.east_secretary, "manage")) == {
        "张三",
        "李四",
        "王五",
        "赵六",
    }
    assert set(Organization.objects.restrict(county.east_secretary, "manage")) == {
        county.east_village
    }


@pytest.mark.django_db
def test_a_transfer_is_within_each_side_and_restricted_to_both(county):
    """A transfer from 东村 to 西村 is read by both townships' administrators and by the member
    it moves; `via` picks one side: it is within 东镇 as sender, not as receiver."""
    transfer = Transfer.objects.create(
        member=county.zhang,
        kind=TransferKind.WITHIN,
        state=TransferState.DRAFT,
        from_organization=county.east_village,
        to_organization=county.west_village,
    )
    for user in (county.east_admin, county.west_admin, county.member_user):
        assert list(Transfer.objects.restrict(user)) == [transfer]
    assert not Transfer.objects.restrict(county.east_admin, via="to_organization__path").exists()
    assert list(Transfer.objects.within(county.east, via="from_organization__path")) == [transfer]
    assert not Transfer.objects.within(county.east, via="to_organization__path").exists()
    assert list(Transfer.objects.within(county.west)) == [transfer]
    with pytest.raises(ValueError, match="member__user_id"):
        Transfer.objects.within(county.east, via="member__user_id")


@pytest.mark.django_db
def test_restrict_and_within_on_a_domain_row(county):
    """An activity of 西村 is within 西镇 and read by its administrator, not by 东镇's."""
    activity = Activity.objects.create(
        organization=county.west_village,
        kind=ActivityKind.GENERAL_MEETING,
        topic="学习",
        on=dt.date(2026, 3, 5),
    )
    assert list(Activity.objects.restrict(county.west_admin)) == [activity]
    assert list(Activity.objects.restrict(county.county_admin)) == [activity]
    assert not Activity.objects.restrict(county.east_admin).exists()
    assert not Activity.objects.restrict(county.member_user).exists()
    assert list(Activity.objects.within(county.west)) == [activity]
    assert not Activity.objects.within(county.east).exists()


@pytest.mark.django_db
def test_restrict_is_one_query_after_the_scope(county, django_assert_num_queries):
    """The scope is read once per user; each restricted list is then one query."""
    scope_for(county.east_admin)
    with django_assert_num_queries(1):
        assert len(Member.objects.restrict(county.east_admin)) == 5
