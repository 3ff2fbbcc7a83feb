"""Calendar periods for compliance: a month, a quarter or a year, half-open [start, end)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _


def month_start(day: dt.date, months_later: int = 0) -> dt.date:
    index = day.year * 12 + day.month - 1 + months_later
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # exclusive
    label: str

    @property
    def months(self) -> int:
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    def parts(self, months: int) -> list[tuple[dt.date, dt.date]]:
        """The sub-periods of `months` months that tile this period."""
        return [
            (month_start(self.start, i), month_start(self.start, i + months))
            for i in range(0, self.months, months)
        ]


def year(y: int) -> Period:
    return Period(dt.date(y, 1, 1), dt.date(y + 1, 1, 1), _("%(y)d年") % {"y": y})


def quarter(y: int, q: int) -> Period:
    if q not in (1, 2, 3, 4):
        raise ValueError(q)
    start = dt.date(y, 3 * q - 2, 1)
    names = {1: _("第一季度"), 2: _("第二季度"), 3: _("第三季度"), 4: _("第四季度")}
    return Period(start, month_start(start, 3), _("%(y)d年%(q)s") % {"y": y, "q": names[q]})


def month(y: int, m: int) -> Period:
    start = dt.date(y, m, 1)
    return Period(start, month_start(start, 1), _("%(y)d年%(m)d月") % {"y": y, "m": m})


def quarter_of(day: dt.date) -> Period:
    return quarter(day.year, (day.month - 1) // 3 + 1)
