"""docs/directory-format.md's test vector, byte for byte."""

from __future__ import annotations

import datetime as dt

from dangjian.exchange.tests.vectors import check_signed_vector, read_vector
from dangjian.places import services
from dangjian.places.days import next_activity_day


def vector() -> dict[str, str]:
    return read_vector("directory-format.md")


def test_the_documented_vector_is_what_the_code_produces() -> None:
    v = vector()
    payload = check_signed_vector(v, services.DIRECTORY_FORMAT)
    on, expected = (dt.date.fromisoformat(d) for d in v["next day"].split(" → "))
    day = payload["places"][0]["activity_day"]
    assert next_activity_day(day["week"], day["weekday"], on) == expected
