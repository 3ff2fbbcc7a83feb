"""Date arithmetic used across apps: ages and ranges in the deployment's time zone."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def today() -> dt.date:
    return timezone.localdate()


def age_on(birth_date: dt.date, on: dt.date) -> int:
    """Full years of age on a date."""
    years = on.year - birth_date.year
    if (on.month, on.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def add_years(day: dt.date, years: int) -> dt.date:
    """The same calendar day `years` later; 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def birth_date_range_for_age(
    min_age: int | None, max_age: int | None, on: dt.date
) -> tuple[dt.date | None, dt.date | None]:
    """Birth dates (earliest, latest) of people aged between min_age and max_age on `on`."""
    latest = add_years(on, -min_age) if min_age is not None else None
    earliest = None
    if max_age is not None:
        earliest = add_years(on, -(max_age + 1)) + dt.timedelta(days=1)
    return earliest, latest
