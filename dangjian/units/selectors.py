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
from dangjian.organizations.choices import UnitKind
from dangjian.organizations.models import Organization

from .models import Unit


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
