"""The member's portal page: where a mobile member can attend, in the region they went to."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from dangjian.core.dates import today
from dangjian.members.models import Member
from dangjian.transfers.regions import region_name

from . import selectors

PORTAL_LIMIT = 10


def portal_places(request: HttpRequest, member: Member) -> dict[str, Any] | None:
    outflow = selectors.open_outflow(member)
    if outflow is None:
        return None
    places = selectors.places_in_region(outflow.region_code, today())
    return {
        "region": region_name(outflow.region_code),
        "places": places[:PORTAL_LIMIT],
        "more": len(places) > PORTAL_LIMIT,
    }
