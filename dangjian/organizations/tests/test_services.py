"""Organization services: the tree's shape, its materialized paths, terms, audit and scope."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError

from dangjian.accounts.models import User
from dangjian.accounts.scope import scope_for
from dangjian.audit.choices import AuditAction
from dangjian.audit.models import AuditEvent
from dangjian.members import selectors as member_selectors
from dangjian.members.models import Membership
from dangjian.organizations import services
from dangjian.organizations.choices import OrgKind, UnitKind
from dangjian.organizations.models import Organization
from dangjian.reports.selectors import overview

pytestmark = pytest.mark.django_db


def create(
    actor: User, parent: Organization | None, kind: OrgKind, code: str, **fields: Any
) -> Organization:
    return services.organization_create(
        actor=actor,
        parent=parent,
        fields={"name": fields.pop("name", f"组织{code}"), "kind": kind, "code": code, **fields},
    )


def codes(error: ValidationError) -> set[str | None]:
    return {e.code for errors in error.error_dict.values() for e in errors}


def events(organization: Organization, action: AuditAction) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            target_type="organizations.organization",
            target_id=str(organization.pk),
            action=action,
        ).order_by("id")
    )


def fresh(user: Any) -> Any:
    """The user re-read, so that the scope is computed again from the current tree."""
    return get_user_model().objects.get(pk=user.pk)


# --- organization_create -----------------------------------------------------------------


def test_path_is_the_parents_path_and_the_new_key(tree):
    """A new organization's path is its parent's path plus its own key, one level deeper."""
    group = create(tree.east_admin, tree.east_village, OrgKind.PARTY_GROUP, "G1")
    assert group.path == f"{tree.east_village.path}{group.pk}/"
    assert group.depth == tree.east_village.depth + 1 == 3
    assert tree.county.path == f"/{tree.county.pk}/"
    assert tree.county.depth == 0
    assert tree.east.path == f"/{tree.county.pk}/{tree.east.pk}/"


def test_create_is_audited(tree):
    """Creating an organization writes a CREATE audit event with the actor."""
    branch = create(tree.east_admin, tree.east, OrgKind.BRANCH, "B1", name="北村党支部")
    (event,) = events(branch, AuditAction.CREATE)
    assert event.actor == tree.east_admin
    assert "北村党支部" in event.summary


@pytest.mark.parametrize(
    ("kind", "unit_kind", "years"),
    [
        (OrgKind.BRANCH, UnitKind.OTHER, 3),
        (OrgKind.BRANCH, UnitKind.STATE_ENTERPRISE, 3),
        (OrgKind.GENERAL_BRANCH, UnitKind.SCHOOL, 3),
        (OrgKind.PARTY_COMMITTEE, UnitKind.TOWNSHIP, 5),
        (OrgKind.WORKING_COMMITTEE, UnitKind.OTHER, 5),
        (OrgKind.BRANCH, UnitKind.VILLAGE, 5),
        (OrgKind.BRANCH, UnitKind.COMMUNITY, 5),
        (OrgKind.GENERAL_BRANCH, UnitKind.COMMUNITY, 5),
    ],
)
def test_default_term_end_by_kind(tree, kind, unit_kind, years):
    """Branches serve 3 years, committees 5, village and community organizations 5."""
    organization = create(
        tree.east_admin,
        tree.east,
        kind,
        "T1",
        unit_kind=unit_kind,
        term_started_on=dt.date(2024, 2, 29),
    )
    # 29 February has no anniversary in a common year: the term ends on 28 February.
    assert organization.term_ends_on == dt.date(2024 + years, 2, 28)


def test_explicit_term_end_is_kept(tree):
    """A term end typed in (an approved early or late renewal) is not overwritten."""
    branch = create(
        tree.east_admin,
        tree.east,
        OrgKind.BRANCH,
        "T2",
        term_started_on=dt.date(2024, 1, 1),
        term_ends_on=dt.date(2026, 6, 30),
    )
    assert branch.term_ends_on == dt.date(2026, 6, 30)


def test_no_term_start_means_no_term_end(tree):
    """Without a term start there is no term end to compute."""
    assert create(tree.east_admin, tree.east, OrgKind.BRANCH, "T3").term_ends_on is None


def test_term_end_before_start_is_refused(tree):
    """A term cannot end before it starts."""
    with pytest.raises(ValidationError):
        create(
            tree.east_admin,
            tree.east,
            OrgKind.BRANCH,
            "T4",
            term_started_on=dt.date(2024, 1, 1),
            term_ends_on=dt.date(2023, 1, 1),
        )


def test_duplicate_code_is_refused(tree):
    """Each organization code is unique across the deployment."""
    with pytest.raises(ValidationError) as caught:
        create(tree.east_admin, tree.east, OrgKind.BRANCH, tree.east_village.code)
    assert "code" in caught.value.message_dict


# --- placement rules ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind", [OrgKind.PARTY_COMMITTEE, OrgKind.BRANCH, OrgKind.GENERAL_BRANCH, OrgKind.PARTY_GROUP]
)
def test_only_local_committees_stand_at_the_top(tree, kind):
    """An organization without a parent must be a local committee."""
    root = get_user_model().objects.create_superuser(username="root", password="x-pass-word")
    with pytest.raises(ValidationError) as caught:
        create(root, None, kind, "TOP1")
    assert codes(caught.value) == {"parent_required"}
    top = create(root, None, OrgKind.LOCAL_COMMITTEE, "TOP2")
    assert (top.path, top.depth) == (f"/{top.pk}/", 0)


def test_only_a_superuser_creates_a_top_level_committee(tree):
    """Even the county administrator cannot create a second top-level committee."""
    with pytest.raises(PermissionDenied):
        create(tree.county_admin, None, OrgKind.LOCAL_COMMITTEE, "TOP3")


@pytest.mark.parametrize("parent", ["county", "east"])
def test_party_group_only_under_a_branch(tree, parent):
    """A party group sits only under a branch."""
    with pytest.raises(ValidationError) as caught:
        create(tree.county_admin, getattr(tree, parent), OrgKind.PARTY_GROUP, "G2")
    assert codes(caught.value) == {"group_outside_branch"}


@pytest.mark.parametrize("kind", [OrgKind.JOINT_BRANCH, OrgKind.TEMPORARY_BRANCH, OrgKind.BRANCH])
def test_party_groups_sit_under_every_kind_of_branch(tree, kind):
    """Joint and temporary branches may have party groups too."""
    branch = create(tree.east_admin, tree.east, kind, "JB1")
    group = create(tree.east_admin, branch, OrgKind.PARTY_GROUP, "G3")
    assert group.parent == branch


@pytest.mark.parametrize(
    "kind",
    [OrgKind.BRANCH, OrgKind.GENERAL_BRANCH, OrgKind.PARTY_COMMITTEE, OrgKind.JOINT_BRANCH],
)
def test_nothing_but_party_groups_under_a_branch(tree, kind):
    """A branch holds party groups only."""
    with pytest.raises(ValidationError) as caught:
        create(tree.east_admin, tree.east_village, kind, "U1")
    assert codes(caught.value) == {"under_branch"}


def test_nothing_under_a_party_group(tree):
    """A party group is a leaf."""
    group = create(tree.east_admin, tree.east_village, OrgKind.PARTY_GROUP, "G4")
    with pytest.raises(ValidationError) as caught:
        create(tree.east_admin, group, OrgKind.PARTY_GROUP, "G5")
    assert codes(caught.value) == {"parent_is_group"}


def test_local_committee_only_under_a_local_committee(tree):
    """A local committee may sit under another local committee, never under a township."""
    city = create(tree.county_admin, tree.county, OrgKind.LOCAL_COMMITTEE, "L1")
    assert city.parent == tree.county
    with pytest.raises(ValidationError) as caught:
        create(tree.county_admin, tree.east, OrgKind.LOCAL_COMMITTEE, "L2")
    assert codes(caught.value) == {"local_committee_placement"}


def test_a_refused_placement_writes_nothing(tree):
    """A refused creation leaves neither an organization nor an audit event behind."""
    before = (Organization.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationError):
        create(tree.east_admin, tree.east_village, OrgKind.BRANCH, "U2")
    assert (Organization.objects.count(), AuditEvent.objects.count()) == before


# --- organization_update -----------------------------------------------------------------


def test_update_is_audited_with_before_and_after(tree):
    """A change is audited with the old and new values of the changed fields only."""
    services.organization_update(
        actor=tree.east_admin,
        organization=tree.east_village,
        changes={"name": "东村党总支", "short_name": "", "term_started_on": dt.date(2024, 1, 1)},
    )
    tree.east_village.refresh_from_db()
    assert tree.east_village.name == "东村党总支"
    (event,) = events(tree.east_village, AuditAction.UPDATE)
    assert event.detail == {
        "before": {"name": "东村党支部", "term_started_on": "None", "term_ends_on": "None"},
        "after": {
            "name": "东村党总支",
            "term_started_on": "2024-01-01",
            "term_ends_on": "2029-01-01",
        },
    }
    assert event.actor == tree.east_admin


def test_a_renewal_with_the_end_left_empty_gets_the_default_term(tree):
    """Recording a new term start with the end left empty computes the end, as on creation."""
    branch = create(
        tree.east_admin, tree.east, OrgKind.BRANCH, "R2", term_started_on=dt.date(2020, 3, 1)
    )
    assert branch.term_ends_on == dt.date(2023, 3, 1)
    services.organization_update(
        actor=tree.east_admin,
        organization=branch,
        changes={"term_started_on": dt.date(2023, 3, 5), "term_ends_on": None},
    )
    branch.refresh_from_db()
    assert branch.term_ends_on == dt.date(2026, 3, 5)


def test_a_renewal_keeps_an_explicit_end(tree):
    """An end typed with the new start (an approved early renewal) is kept."""
    services.organization_update(
        actor=tree.east_admin,
        organization=tree.east_village,
        changes={"term_started_on": dt.date(2024, 1, 1), "term_ends_on": dt.date(2028, 1, 1)},
    )
    tree.east_village.refresh_from_db()
    assert tree.east_village.term_ends_on == dt.date(2028, 1, 1)


def test_update_without_a_change_writes_nothing(tree):
    """Saving the same values writes no audit event."""
    services.organization_update(
        actor=tree.east_admin, organization=tree.east_village, changes={"name": "东村党支部"}
    )
    assert events(tree.east_village, AuditAction.UPDATE) == []


def test_a_committee_with_branches_cannot_become_a_branch(tree):
    """A township committee with branches below it cannot be turned into a branch."""
    with pytest.raises(ValidationError) as caught:
        services.organization_update(
            actor=tree.county_admin, organization=tree.east, changes={"kind": OrgKind.BRANCH}
        )
    assert codes(caught.value) == {"branch_with_children"}
    tree.east.refresh_from_db()
    assert tree.east.kind == OrgKind.PARTY_COMMITTEE


def test_update_applies_the_placement_rules(tree):
    """A branch cannot be turned into a party group under a township."""
    with pytest.raises(ValidationError) as caught:
        services.organization_update(
            actor=tree.east_admin,
            organization=tree.east_village,
            changes={"kind": OrgKind.PARTY_GROUP},
        )
    assert codes(caught.value) == {"group_outside_branch"}


def test_update_out_of_scope_is_refused(tree):
    """Another township's administrator and an observer cannot change an organization."""
    for actor in (tree.west_admin, tree.east_observer, tree.east_secretary):
        with pytest.raises(PermissionDenied):
            services.organization_update(
                actor=actor, organization=tree.east, changes={"name": "改名"}
            )
    tree.east.refresh_from_db()
    assert tree.east.name == "东镇党委"


# --- organization_move -------------------------------------------------------------------


def test_move_rewrites_the_whole_subtree(tree):
    """Moving a township moves every branch and group below it: paths and depths follow."""
    group = create(tree.east_admin, tree.east_village, OrgKind.PARTY_GROUP, "G6")
    services.organization_move(
        actor=tree.county_admin, organization=tree.east, new_parent=tree.west
    )
    east, east_village, south_village, group = (
        Organization.objects.get(pk=o.pk)
        for o in (tree.east, tree.east_village, tree.south_village, group)
    )
    assert east.parent == tree.west
    assert east.path == f"{tree.west.path}{east.pk}/"
    assert east_village.path == f"{east.path}{east_village.pk}/"
    assert south_village.path == f"{east.path}{south_village.pk}/"
    assert group.path == f"{east_village.path}{group.pk}/"
    assert [east.depth, east_village.depth, group.depth] == [2, 3, 4]
    assert {o.name for o in Organization.objects.under(tree.west.path)} == {
        "西镇党委",
        "东镇党委",
        "东村党支部",
        "组织G6",
        "南村党支部",
        "西村党支部",
    }
    # Organizations outside the subtree keep their paths.
    tree.west_village.refresh_from_db()
    assert tree.west_village.path == f"{tree.west.path}{tree.west_village.pk}/"


def test_move_is_audited(tree):
    """A move is audited with the old and new paths."""
    old_path = tree.east_village.path
    moved = services.organization_move(
        actor=tree.county_admin, organization=tree.east_village, new_parent=tree.west
    )
    (event,) = events(moved, AuditAction.MOVE)
    assert event.detail == {"old_path": old_path, "new_path": moved.path}
    assert event.actor == tree.county_admin


def test_members_follow_their_organization(county):
    """After a move, the branch's members count and are seen under the new township."""
    before = list(Membership.objects.values_list("pk", "organization_id", "started_on"))
    services.organization_move(
        actor=county.county_admin, organization=county.east_village, new_parent=county.west
    )
    assert list(Membership.objects.values_list("pk", "organization_id", "started_on")) == before
    assert (overview(county.west).members, overview(county.east).members) == (5, 1)
    west_admin = fresh(county.west_admin)
    east_admin = fresh(county.east_admin)
    west_names = {m.name for m in member_selectors.scoped_members(west_admin)}
    assert west_names == {"张三", "李四", "王五", "赵六", "孙八"}
    assert {m.name for m in member_selectors.scoped_members(east_admin)} == {"钱七"}
    assert scope_for(west_admin).can_manage_path(
        Organization.objects.get(pk=county.east_village.pk).path
    )


def test_move_into_own_subtree_is_refused(tree):
    """An organization cannot be moved under itself or anything below it."""
    for target in (tree.east, tree.east_village):
        with pytest.raises(ValidationError) as caught:
            services.organization_move(
                actor=tree.county_admin, organization=tree.east, new_parent=target
            )
        assert codes(caught.value) == {"move_into_self"}
    tree.east.refresh_from_db()
    assert tree.east.parent == tree.county


def test_move_applies_the_placement_rules(tree):
    """A branch cannot be moved under another branch."""
    with pytest.raises(ValidationError) as caught:
        services.organization_move(
            actor=tree.county_admin,
            organization=tree.south_village,
            new_parent=tree.west_village,
        )
    assert codes(caught.value) == {"under_branch"}


def test_move_to_the_same_parent_changes_nothing(tree):
    """Moving an organization to where it already is writes nothing."""
    services.organization_move(
        actor=tree.east_admin, organization=tree.east_village, new_parent=tree.east
    )
    assert events(tree.east_village, AuditAction.MOVE) == []


def test_move_needs_scope_on_both_ends(tree):
    """Moving a branch to another township needs the right to manage both."""
    with pytest.raises(PermissionDenied):
        services.organization_move(
            actor=tree.east_admin, organization=tree.east_village, new_parent=tree.west
        )
    with pytest.raises(PermissionDenied):
        services.organization_move(
            actor=tree.west_admin, organization=tree.east_village, new_parent=tree.west
        )
    tree.east_village.refresh_from_db()
    assert tree.east_village.parent == tree.east


# --- scope -------------------------------------------------------------------------------


def test_west_admin_cannot_create_under_east(tree):
    """An administrator of one township cannot create organizations in another."""
    with pytest.raises(PermissionDenied):
        create(tree.west_admin, tree.east, OrgKind.BRANCH, "W1")
    assert not Organization.objects.filter(code="W1").exists()


@pytest.mark.parametrize("user", ["east_observer", "member_user"])
def test_readers_cannot_create(tree, user):
    """An observer or a member cannot create organizations even where they may read."""
    with pytest.raises(PermissionDenied):
        create(getattr(tree, user), tree.east_village, OrgKind.PARTY_GROUP, "R1")


def test_a_secretary_creates_party_groups_in_their_branch(tree):
    """A branch secretary manages their branch and may set up its party groups."""
    group = create(tree.east_secretary, tree.east_village, OrgKind.PARTY_GROUP, "S1")
    assert group.parent == tree.east_village
    with pytest.raises(PermissionDenied):
        create(tree.east_secretary, tree.south_village, OrgKind.PARTY_GROUP, "S2")
