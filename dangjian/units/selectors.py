"""Coverage (覆盖): the units of an area, the full members working in each (matched by the
member's 工作单位), and which have no party organization."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Q

from dangjian.accounts.scope import ScopedQuerySet
from dangjian.core.dates import today
from dangjian.members.choices import MemberCategory
from dangjian.members.selectors import roster_on
from dangjian.organizations.choices import BRANCH_KINDS, COMMITTEE_KINDS, OrgKind, UnitKind
from dangjian.organizations.models import Organization

from .models import Instructor, Unit


def branch_min_full_members() -> int:
    """支部工作条例: a unit with 3 or more full members sets up a branch (单独组建)."""
    return int(getattr(settings, "DANGJIAN_RULES", {}).get("branch_min_full_members", 3))


def scoped_units(user: Any) -> ScopedQuerySet[Unit]:
    return Unit.objects.restrict(user)


def _key(name: str) -> str:
    return "".join(name.split())


@dataclass
class UnitRow:
    unit: Unit
    full_members: int
    members: int
    instructors: list[str] = field(default_factory=list)


@dataclass
class KindRow:
    kind: str
    label: str
    units: int = 0
    covered: int = 0

    @property
    def rate(self) -> int | None:
        """Covered units as a whole percentage, rounded half up."""
        if not self.units:
            return None
        return (self.covered * 200 + self.units) // (2 * self.units)


@dataclass
class Coverage:
    rows: list[UnitRow]
    kinds: list[KindRow] = field(default_factory=list)

    @property
    def standalone(self) -> list[UnitRow]:
        """No organization and enough full members to set up their own branch (单独组建)."""
        return [
            r
            for r in self.rows
            if r.unit.organization_id is None and r.full_members >= branch_min_full_members()
        ]

    @property
    def joint(self) -> list[UnitRow]:
        """No organization, some members but too few for a branch: for a joint branch (联合组建)."""
        return [
            r
            for r in self.rows
            if r.unit.organization_id is None and 0 < r.full_members < branch_min_full_members()
        ]


def coverage(area: Organization, on: dt.date | None = None) -> Coverage:
    """The units of the area's subtree with the members on the roster whose 工作单位 is the
    unit's name (spaces ignored), and coverage by unit kind. Two queries."""
    day = on or today()
    units = list(Unit.objects.within(area).select_related("organization").order_by("name", "pk"))
    full: Counter[str] = Counter()
    everyone: Counter[str] = Counter()
    if units:
        names = {_key(u.name) for u in units}
        for work_unit, category, full_on in (
            roster_on(area, day)
            .exclude(Q(member__work_unit="") | Q(member__work_unit__isnull=True))
            .values_list("member__work_unit", "member__category", "member__full_member_on")
        ):
            key = _key(work_unit)
            if key not in names:
                continue
            everyone[key] += 1
            if category == MemberCategory.FULL and (full_on is None or full_on <= day):
                full[key] += 1
    rows = [UnitRow(u, full[_key(u.name)], everyone[_key(u.name)]) for u in units]
    kinds = {k: KindRow(k, str(label)) for k, label in UnitKind.choices}
    for row in rows:
        kind = kinds[row.unit.kind]
        kind.units += 1
        kind.covered += row.unit.organization_id is not None
    return Coverage(rows, [k for k in kinds.values() if k.units])


def joint_branch_max_units() -> int:
    """支部工作条例 / RULES.md: a joint branch covers at most 5 units as a guideline."""
    return int(getattr(settings, "DANGJIAN_RULES", {}).get("joint_branch_max_units", 5))


TWO_NEW_KINDS = (UnitKind.PRIVATE_ENTERPRISE, UnitKind.SOCIAL_ORGANIZATION)


@dataclass
class Cluster:
    """A suggested joint branch: up to 5 units of one area with 1–2 full members each."""

    area: Organization
    rows: list[UnitRow]

    @property
    def full_members(self) -> int:
        return sum(r.full_members for r in self.rows)


def joint_clusters(found: Coverage) -> list[Cluster]:
    """The units for a joint branch (联合组建), grouped by the area organization they are
    registered under (the township or street), in chunks of at most 5 by name. Suggestions only:
    the committee decides and records a joint branch (services.joint_branch_record)."""
    by_area: dict[int, list[UnitRow]] = {}
    for row in found.joint:
        by_area.setdefault(row.unit.area_id, []).append(row)
    size = joint_branch_max_units()
    areas = {o.pk: o for o in Organization.objects.filter(pk__in=by_area).order_by("path")}
    clusters = []
    for pk, area in areas.items():
        rows = sorted(by_area[pk], key=lambda r: (r.unit.address, r.unit.name, r.unit.pk))
        clusters += [Cluster(area, rows[i : i + size]) for i in range(0, len(rows), size)]
    return clusters


@dataclass
class InstructorCoverage:
    """两新 units (非公有制企业, 社会组织) without an organization, and those with an instructor."""

    units: int
    with_instructor: int

    @property
    def rate(self) -> int | None:
        if not self.units:
            return None
        return (self.with_instructor * 200 + self.units) // (2 * self.units)


def instructors_in(area: Organization) -> list[Instructor]:
    return list(Instructor.objects.within(area).prefetch_related("units").order_by("name", "pk"))


def instructor_coverage(area: Organization) -> InstructorCoverage:
    uncovered = Unit.objects.within(area).filter(kind__in=TWO_NEW_KINDS, organization__isnull=True)
    return InstructorCoverage(
        uncovered.count(), uncovered.filter(instructors__isnull=False).distinct().count()
    )


def instructors_by_unit(area: Organization) -> dict[int, list[str]]:
    """Unit pk → the names of its instructors."""
    found: dict[int, list[str]] = {}
    for unit_id, name in (
        Instructor.units.through.objects.filter(instructor__in=Instructor.objects.within(area))
        .order_by("instructor__name")
        .values_list("unit_id", "instructor__name")
    ):
        found.setdefault(unit_id, []).append(name)
    return found


@dataclass
class KindOrganizations:
    """One row of the official table: organizations by the kind of unit they sit in, and the
    registered units of that kind with and without an organization."""

    kind: str
    label: str
    committees: int = 0
    general_branches: int = 0
    branches: int = 0
    units: int = 0
    covered: int = 0

    @property
    def organizations(self) -> int:
        return self.committees + self.general_branches + self.branches

    @property
    def uncovered(self) -> int:
        return self.units - self.covered


def organizations_by_unit_kind(
    organizations: list[tuple[str, str]], units: list[Unit]
) -> list[KindOrganizations]:
    """`organizations`: (kind, unit kind) of the grassroots organizations on the day (党委 counts
    党工委, 党支部 counts joint and temporary branches, as the 党内统计 tables do)."""
    rows = {k: KindOrganizations(k, str(label)) for k, label in UnitKind.choices}
    for kind, unit_kind in organizations:
        row = rows.get(unit_kind)
        if row is None:
            continue
        if kind in COMMITTEE_KINDS:
            row.committees += 1
        elif kind == OrgKind.GENERAL_BRANCH:
            row.general_branches += 1
        elif kind in BRANCH_KINDS:
            row.branches += 1
    for unit in units:
        rows[unit.kind].units += 1
        rows[unit.kind].covered += unit.organization_id is not None
    return list(rows.values())
