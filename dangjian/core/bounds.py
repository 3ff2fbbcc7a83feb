"""The bounds every typed value meets, in forms (`core.forms.style_form`) and in API inputs
(`core.api.In`) alike: dates a person's record can carry, integers the database's column holds."""

from __future__ import annotations

import datetime as dt

EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2200, 12, 31)
MAX_INTEGER = 2**31 - 1  # PostgreSQL's integer


def date_in_bounds(value: dt.date) -> bool:
    """Whether a date (or a datetime's day) lies within EARLIEST_DATE and LATEST_DATE."""
    day = value.date() if isinstance(value, dt.datetime) else value
    return EARLIEST_DATE <= day <= LATEST_DATE
