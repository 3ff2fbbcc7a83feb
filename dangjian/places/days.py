"""The regular activity day of a place: "the Nth (or last) weekday of every month"."""

from __future__ import annotations

import calendar
import datetime as dt

LAST = 5


def day_in_month(year: int, month: int, week: int, weekday: int) -> dt.date:
    """The `week`-th (1-4, or 5 = the last) `weekday` (ISO: 1 Monday … 7 Sunday) of the month."""
    if week == LAST:
        last = dt.date(year, month, calendar.monthrange(year, month)[1])
        return last - dt.timedelta(days=(last.isoweekday() - weekday) % 7)
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(weekday - first.isoweekday()) % 7 + 7 * (week - 1))


def next_activity_day(week: int, weekday: int, on: dt.date) -> dt.date:
    """The first activity day on or after `on`."""
    day = day_in_month(on.year, on.month, week, weekday)
    if day >= on:
        return day
    year, month = (on.year + 1, 1) if on.month == 12 else (on.year, on.month + 1)
    return day_in_month(year, month, week, weekday)
