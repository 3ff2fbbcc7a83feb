"""The member row's organization path (decision 0290): whatever writes memberships or moves the
tree, each member's `organization_path` is the path of the organization of their latest
membership row, '' while there is none; and the member scope reads it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.db.models import Count
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dangjian.core.dates import today
from dangjian.members import services
from dangjian.members.choices import ON_ROSTER_STATUSES, HowAdded, HowRemoved, Sex
from dangjian.members.models import Member, Membership
from dangjian.organizations import services as organization_services
from dangjian.site.testing import build_member, member_record, new_id_number, system_user

from .steps import apply_step as _apply

pytestmark = pytest.mark.django_db


def expected_paths() -> dict[int, str]:
    """What the memberships say, in Python."""
    latest = dict(
        Membership.objects.filter(is_latest=True).values_list("member_id", "organization__path")
    )
    return {pk: latest.get(pk, "") for pk in Member.objects.values_list("pk", flat=True)}


def stored_paths() -> dict[int, str]:
    return dict(Member.objects.values_list("pk", "organization_path"))


def test_a_new_member_carries_the_path_of_their_organization(tree: Any) -> None:
    zhang = build_member(organization=tree.east_village)
    zhang.refresh_from_db()
    assert zhang.organization_path == tree.east_village.path
    assert stored_paths() == expected_paths()


def test_a_member_without_a_membership_row_has_no_path_and_no_scope(tree: Any) -> None:
    zhang = build_member(organization=tree.east_village)
    Membership.objects.filter(member=zhang).delete()
    assert Member.objects.get(pk=zhang.pk).organization_path == ""
    assert not Member.objects.restrict(tree.county_admin).filter(pk=zhang.pk).exists()


def test_a_move_a_removal_and_a_restoration_carry_the_path(tree: Any) -> None:
    actor, on = system_user(), today()
    zhang = build_member(organization=tree.east_village)
    services.membership_move(
        actor=actor, member=zhang, organization=tree.west_village, on=on, reason="调整"
    )
    assert Member.objects.get(pk=zhang.pk).organization_path == tree.west_village.path
    services.member_remove(
        actor=actor, member=zhang, how_removed=HowRemoved.DIED, on=on, reason="去世"
    )
    # A removed member stays with the organization that last held them.
    assert Member.objects.get(pk=zhang.pk).organization_path == tree.west_village.path
    assert Member.objects.restrict(tree.west_admin).filter(pk=zhang.pk).exists()
    assert not Member.objects.restrict(tree.east_admin).filter(pk=zhang.pk).exists()
    services.member_restore(
        actor=actor, member=zhang, organization=tree.south_village, on=on, reason="恢复"
    )
    assert Member.objects.get(pk=zhang.pk).organization_path == tree.south_village.path
    assert stored_paths() == expected_paths()


def test_a_subtree_moved_carries_its_members_along(tree: Any) -> None:
    zhang = build_member(organization=tree.east_village)
    li = build_member(organization=tree.west_village)
    organization_services.organization_move(
        actor=system_user(), organization=tree.east_village, new_parent=tree.west
    )
    tree.east_village.refresh_from_db()
    assert tree.east_village.path.startswith(tree.west.path)
    assert Member.objects.get(pk=zhang.pk).organization_path == tree.east_village.path
    assert Member.objects.get(pk=li.pk).organization_path == tree.west_village.path
    assert set(Member.objects.restrict(tree.west_admin).values_list("pk", flat=True)) == {
        zhang.pk,
        li.pk,
    }


def test_a_stale_instance_saved_or_a_direct_write_cannot_change_it(tree: Any) -> None:
    zhang = build_member(organization=tree.east_village)
    stale = Member.objects.get(pk=zhang.pk)
    services.membership_move(
        actor=system_user(), member=zhang, organization=tree.west_village, on=today(), reason=""
    )
    stale.work_unit = "县供销社"
    stale.save()  # writes every column, the path it read included
    saved = Member.objects.get(pk=zhang.pk)
    assert (saved.work_unit, saved.organization_path) == ("县供销社", tree.west_village.path)
    Member.objects.filter(pk=zhang.pk).update(organization_path=tree.county.path)
    assert Member.objects.get(pk=zhang.pk).organization_path == tree.west_village.path
    assert not Member.objects.restrict(tree.east_admin).filter(pk=zhang.pk).exists()


def test_members_written_by_the_batch_carry_the_path(tree: Any) -> None:
    entries = [
        services.NewMember(
            organization=village,
            data=member_record(name=f"批量{i}"),
            id_number=new_id_number(dt.date(1990, 3, 7), Sex.MALE),
            how_added=HowAdded.OTHER,
            started_on=dt.date(2015, 7, 1),
        )
        for i, village in enumerate([tree.east_village, tree.west_village] * 3)
    ]
    services.member_bulk_create(actor=system_user(), entries=entries)
    assert len(stored_paths()) == 6
    assert stored_paths() == expected_paths()
    assert Member.objects.restrict(tree.west_admin).count() == 3


# Both property tests run 25 sequences of up to 12 steps, each step in the test's database.
SEQUENCES = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["add", "move", "remove", "restore", "reparent", "stale", "delete"]),
        st.integers(0, 5),
        st.integers(0, 3),
    ),
    min_size=1,
    max_size=12,
)


@SEQUENCES
@given(operations=OPERATIONS)
def test_whatever_happens_the_path_is_what_the_memberships_say(
    tree: Any, operations: list[tuple[str, int, int]]
) -> None:
    for operation, which, where in operations:
        _apply(tree, operation, which, where)
        assert stored_paths() == expected_paths(), (operation, which, where)


def test_the_database_keeps_it_not_our_code() -> None:
    """The triggers are there on either database (the other tests show what they do)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        names = {row[0] for row in cursor.fetchall()}
    assert {
        "members_membership_path_insert",
        "members_membership_path_update",
        "members_membership_path_delete",
        "organizations_path_members",
        "members_member_path_guard",
    } <= names


@pytest.mark.parametrize("scope", ["county_admin", "east_admin", "west_admin", "east_secretary"])
def test_the_member_scope_is_the_one_the_memberships_give(tree: Any, scope: str) -> None:
    for branch in (tree.east_village, tree.south_village, tree.west_village):
        build_member(organization=branch)
    user = getattr(tree, scope)
    paths = [role.organization.path for role in user.roles.select_related("organization").all()]
    by_membership = set(
        Membership.objects.filter(
            is_latest=True, organization__path__startswith=paths[0]
        ).values_list("member_id", flat=True)
    )
    assert by_membership
    assert set(Member.objects.restrict(user).values_list("pk", flat=True)) == by_membership


def roster_by_status() -> dict[str, int]:
    """The committee pages' count (decision 0291): member rows on the roster by status, per
    organization path."""
    rows = (
        Member.objects.filter(status__in=ON_ROSTER_STATUSES)
        .order_by()
        .values_list("organization_path")
        .annotate(n=Count("id"))
    )
    return dict(rows)


def roster_by_membership() -> dict[str, int]:
    """The memberships' count: members with an open membership row, per organization path."""
    rows = (
        Membership.objects.filter(ended_on__isnull=True)
        .order_by()
        .values_list("organization__path")
        .annotate(n=Count("member_id", distinct=True))
    )
    return dict(rows)


SERVICE_OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["add", "move", "remove", "restore", "reparent"]),
        st.integers(0, 5),
        st.integers(0, 3),
        st.sampled_from(list(HowRemoved)),
    ),
    min_size=1,
    max_size=12,
)


@SEQUENCES
@given(operations=SERVICE_OPERATIONS)
def test_through_the_services_the_roster_by_status_is_the_roster_by_membership(
    tree: Any, operations: list[tuple[str, int, int, HowRemoved]]
) -> None:
    """The overview and the big-subtree test count member rows on the roster by status under a
    path; the annual report and the memberships count open membership rows. Whatever the
    services do (every way of removal, restoration, moves of members and of branches), both
    give the same members in the same organizations."""
    for operation, which, where, how in operations:
        _apply(tree, operation, which, where, how)
        assert roster_by_status() == roster_by_membership(), (operation, which, where, how)
