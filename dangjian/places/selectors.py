"""Reads of host places: near a region, with the next activity day; scoped lists."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from dangjian.transfers.models import Outflow
from dangjian.transfers.regions import region_name

from .choices import PlaceKind
from .days import next_activity_day
from .models import DirectoryImport, ForeignPlace, HostPlace, PlaceFields


@dataclass(frozen=True)
class Nearby:
    place: PlaceFields
    issuer: str  # "" for a place of this deployment
    organization_name: str
    next_day: dt.date

    @property
    def kind_label(self) -> str:
        return str(PlaceKind(self.place.kind).label)

    @property
    def region_name(self) -> str:
        return region_name(self.place.region_code)


def region_prefix(code: str) -> str:
    """The codes a destination covers: a province (440000) its whole province, a prefecture or
    a county its prefecture (GB/T 2260)."""
    return code[:2] if code.endswith("0000") else code[:4]


def places_in_region(code: str, on: dt.date) -> list[Nearby]:
    """Published places of this deployment and of imported directories in the region of `code`,
    the next activity day first."""
    prefix = region_prefix(code)
    found = [
        Nearby(p, "", p.organization.name, next_activity_day(p.week_of_month, p.weekday, on))
        for p in HostPlace.objects.filter(
            active=True, region_code__startswith=prefix
        ).select_related("organization")
    ] + [
        Nearby(p, p.issuer, p.organization_name, next_activity_day(p.week_of_month, p.weekday, on))
        for p in ForeignPlace.objects.filter(region_code__startswith=prefix)
    ]
    return sorted(found, key=lambda n: (n.next_day, n.place.name))


def open_outflow(member: Any) -> Outflow | None:
    return (
        Outflow.objects.filter(member=member, returned_on__isnull=True).order_by("-left_on").first()
    )


def managed_places(user: Any) -> QuerySet[HostPlace]:
    return HostPlace.objects.restrict(user, "manage").select_related("organization")


def directories() -> QuerySet[DirectoryImport]:
    return DirectoryImport.objects.order_by("-issued_at", "-id")


def foreign_places() -> QuerySet[ForeignPlace]:
    return ForeignPlace.objects.order_by("issuer", "region_code", "name")
