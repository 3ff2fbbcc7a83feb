"""One scope method: every scoped model declares how it reaches the tree; `restrict` does the rest.

An empty scope reaches nothing, for every model; a superuser reaches everything; and no code
outside `accounts.scope` turns a scope's paths into a filter by hand.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model

from dangjian.accounts.scope import Scope, ScopedQuerySet, scope_for
from dangjian.members.models import Membership
from dangjian.organizations.models import Organization
from dangjian.site.testing import system_user
from dangjian.transfers.models import Transfer

REPO = Path(__file__).resolve().parent.parent
# Where paths may become a filter: the scope method itself and the tree's own queries.
ALLOWED = {"dangjian/accounts/scope.py", "dangjian/organizations/models.py"}
HAND_WRITTEN = re.compile(r"\.(read_paths|manage_paths|reveal_paths)\b")


def scoped_models() -> list[Any]:
    return [
        model
        for model in apps.get_models()
        if isinstance(model._default_manager.all(), ScopedQuerySet)
    ]


def test_the_scoped_models_declare_their_way_to_the_tree() -> None:
    """The models behind the scoped lists all use the one method, each with its declaration."""
    names = {model.__name__ for model in scoped_models()}
    assert {
        "Organization",
        "Membership",
        "Activity",
        "TrainingCourse",
        "Alert",
        "Applicant",
        "VolunteerActivity",
        "Transfer",
        "Outflow",
        "Inflow",
        "AssessmentRound",
    } <= names
    for model in scoped_models():
        for lookup in model.scope_paths:
            assert lookup.endswith("path"), (model, lookup)


@pytest.mark.django_db
def test_an_empty_scope_reaches_nothing_and_a_superuser_everything(county: Any) -> None:
    """A user without a role gets no row of any scoped model; a superuser gets them all."""
    nobody = get_user_model().objects.create_user(username="nobody", password="pass-word-123")
    everyone = system_user()
    counted = 0
    for model in scoped_models():
        total = model._default_manager.count()
        counted += total
        assert model._default_manager.restrict(nobody).count() == 0, model
        assert model._default_manager.restrict(Scope()).count() == 0, model
        assert model._default_manager.restrict(everyone).count() == total, model
    assert counted > 0  # the county has organizations and membership rows to be hidden


@pytest.mark.django_db
def test_restrict_keeps_each_user_to_their_subtree(county: Any) -> None:
    """The branch secretary reads only their branch's rows; the township one reads both of its."""
    secretary = Membership.objects.filter(is_latest=True).restrict(county.east_secretary)
    assert {m.member.name for m in secretary} == {"张三", "李四", "王五", "赵六"}
    township = Membership.objects.filter(is_latest=True).restrict(county.east_admin)
    assert {m.member.name for m in township} == {"张三", "李四", "王五", "赵六", "钱七"}
    assert not township.filter(member=county.sun).exists()
    observer = scope_for(county.east_observer)
    assert Organization.objects.restrict(observer, "manage").count() == 0
    assert Organization.objects.restrict(observer).count() == 3


@pytest.mark.django_db
def test_a_member_reaches_their_own_transfers_but_not_through_one_side(county: Any) -> None:
    """`scope_self` lets a member read their own rows; narrowing to one side drops that."""
    member = county.member_user
    assert not Transfer.objects.restrict(member).exists()  # none yet: the filter still runs
    condition = Transfer.objects.scope_condition(member, via=("from_organization__path",))
    assert "user" not in str(condition)
    with pytest.raises(ValueError, match="not scoped through"):
        Transfer.objects.scope_condition(member, via=("member__user_id",))


def hand_written_filters(lines: list[tuple[str, int, str]]) -> list[str]:
    """`file:line` of every use of a scope's raw paths outside the allowed modules."""
    return [
        f"{name}:{number}"
        for name, number, text in lines
        if name not in ALLOWED and HAND_WRITTEN.search(text.split("#")[0])
    ]


def source_lines() -> list[tuple[str, int, str]]:
    lines = []
    for path in sorted((REPO / "dangjian").rglob("*.py")):
        relative = path.relative_to(REPO).as_posix()
        if "/tests/" in relative or "/migrations/" in relative:
            continue
        for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            lines.append((relative, number, text))
    return lines


def test_no_scope_filter_is_written_by_hand() -> None:
    """Rows come through restrict(); the raw paths stay inside accounts.scope."""
    assert hand_written_filters(source_lines()) == []


def test_the_scan_catches_a_stray_filter() -> None:
    """The scan is not a formality: a loop over read_paths in a selector is named."""
    stray = [
        ("dangjian/dues/selectors.py", 12, "    for path in scope.read_paths:"),
        (
            "dangjian/dues/selectors.py",
            13,
            "        condition |= Q(organization__path__startswith=path)",
        ),
        ("dangjian/accounts/scope.py", 40, "    read_paths: tuple[str, ...] = ()"),
    ]
    assert hand_written_filters(stray) == ["dangjian/dues/selectors.py:12"]
