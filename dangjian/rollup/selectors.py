"""Reads of the rollup: each child's state for an as-of date, and the summed report."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from dangjian.organizations.models import Organization
from dangjian.reports.report import Report, report_compute
from dangjian.reports.tables import Table

from .models import ChildDeployment, StatisticsPackage, StatisticsRound
from .services import add_tables


@dataclass
class ChildState:
    child: ChildDeployment
    current: StatisticsPackage | None
    superseded: list[StatisticsPackage] = field(default_factory=list)
    due_on: dt.date | None = None

    @property
    def state(self) -> str:
        if self.current is None:
            return "missing"
        if self.due_on is not None and timezone.localdate(self.current.imported_at) > self.due_on:
            return "late"
        return "received"


def due_on(as_of: dt.date) -> dt.date | None:
    round_ = StatisticsRound.objects.filter(as_of=as_of).first()
    return round_.due_on if round_ else None


def child_states(as_of: dt.date) -> list[ChildState]:
    round_ = StatisticsRound.objects.filter(as_of=as_of).first()
    packages = list(StatisticsPackage.objects.filter(as_of=as_of).order_by("-exported_at"))
    states = []
    for child in ChildDeployment.objects.order_by("issuer"):
        mine = [p for p in packages if p.child_id == child.pk]
        current = next((p for p in mine if p.superseded_by_id is None), None)
        states.append(
            ChildState(
                child=child,
                current=current,
                superseded=[p for p in mine if p.superseded_by_id is not None],
                due_on=round_.due_on if round_ else None,
            )
        )
    return states


def rollup_report(organization: Organization, as_of: dt.date) -> tuple[Report, list[ChildState]]:
    """This deployment's own report for the subtree plus every child's current package."""
    own = report_compute(organization, as_of)
    states = child_states(as_of)
    children = [
        [Table.from_dict(t) for t in s.current.report["tables"]]
        for s in states
        if s.current is not None
    ]
    own.tables = add_tables(own.tables, children)
    return own, states
