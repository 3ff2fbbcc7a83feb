"""The annual report (党内统计年报): every registered table, the summary paragraph and the chart
data, for one organization's subtree as of a date. A report is plain data, so a year-end
snapshot stores it as JSON and shows it later exactly as it was.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.members.choices import AgeBand, EducationBand, MemberCategory, MemberStatus, Sex
from dangjian.organizations.choices import OrgKind
from dangjian.organizations.models import Organization

from .numbers import percent
from .tables import KIND_ORDER, ReportData, Table, build_tables

FORMAT_VERSION = 1


@dataclass
class Report:
    organization_id: int
    organization_name: str
    organization_code: str
    as_of: dt.date
    computed_at: dt.datetime
    tables: list[Table]

    def find_table(self, key: str) -> Table | None:
        return next((t for t in self.tables if t.key == key), None)

    def table(self, key: str) -> Table:
        found = self.find_table(key)
        if found is None:
            raise KeyError(key)
        return found

    def value(self, table: str, row: str, column: int = 0) -> int:
        """A number of the report; 0 when the table or row is not in it (a table left out, or a
        snapshot frozen before the table existed)."""
        found = self.find_table(table)
        if found is None:
            return 0
        try:
            return found.row(row).values[column]
        except StopIteration:
            return 0

    # --- the summary paragraph --------------------------------------------------------------

    @property
    def opening_sentence(self) -> str:
        """The seed report's sentence: organizations by kind, members by sex."""
        members = self.value("members", "total")
        men = self.value("members", f"sex-{Sex.MALE}")
        women = self.value("members", f"sex-{Sex.FEMALE}")
        return _(
            "共有基层党组织%(grassroots)d个(其中:党委%(committees)d个、党总支%(general)d个、"
            "党支部%(branches)d个);共有党员%(members)d名。其中:男%(men)d名,占%(men_pct)s%%;"
            "女%(women)d名,占%(women_pct)s%%"
        ) % {
            "grassroots": self.value("organizations", "total", 0),
            "committees": self.value("organizations", "total", 1),
            "general": self.value("organizations", "total", 2),
            "branches": self.value("organizations", "total", 3),
            "members": members,
            "men": men,
            "men_pct": percent(men, members),
            "women": women,
            "women_pct": percent(women, members),
        }

    @property
    def summary(self) -> str:
        """The summary paragraph in the seed report's style, every share filled in."""
        total = self.value("members", "total")
        probationary = self.value("members", f"category-{MemberCategory.PROBATIONARY}")
        minority = self.value("ethnicity", "MINORITY")
        parts = [
            self.opening_sentence
            + _(";少数民族%(n)d名,占%(pct)s%%;预备党员%(p)d名,占%(p_pct)s%%。")
            % {
                "n": minority,
                "pct": percent(minority, total),
                "p": probationary,
                "p_pct": percent(probationary, total),
            }
        ]
        ages = [
            _("%(label)s%(n)d名,占%(pct)s%%")
            % {
                "label": band.label,
                "n": self.value("age", band.value),
                "pct": percent(self.value("age", band.value), total),
            }
            for band in AgeBand
        ]
        branches = self.value("branches", "branches")
        without_young = self.value("branches", "without_young")
        parts.append(
            _("从年龄看:%(ages)s。%(n)d个党支部没有40岁以下的党员,占党支部总数的%(pct)s%%。")
            % {
                "ages": ";".join(ages),
                "n": without_young,
                "pct": percent(without_young, branches),
            }
        )
        college = self.value("education", "college")
        education = [
            _("%(label)s%(n)d名,占%(pct)s%%")
            % {
                "label": band.label,
                "n": self.value("education", band.value),
                "pct": percent(self.value("education", band.value), total),
            }
            for band in EducationBand
        ]
        parts.append(
            _("从学历看:大专及以上%(n)d名,占%(pct)s%%;其中%(bands)s。")
            % {"n": college, "pct": percent(college, total), "bands": ";".join(education)}
        )
        mobile = self.value("status", MemberStatus.MOBILE)
        lost = self.value("status", MemberStatus.LOST_CONTACT)
        parts.append(
            _("流动党员%(n)d名,占%(pct)s%%;失联党员%(lost)d名。")
            % {"n": mobile, "pct": percent(mobile, total), "lost": lost}
        )
        return "".join(parts)

    # --- chart data ----------------------------------------------------------------------------

    def charts(self) -> dict[str, Any]:
        """The series each chart draws (the page's ECharts and the PDF's SVG use the same)."""
        age = self.find_table("age")
        pyramid = {
            "bands": [str(b.label) for b in AgeBand],
            "men": [(r.values[0] - r.values[1]) for r in (age.rows if age else [])],
            "women": [r.values[1] for r in (age.rows if age else [])],
        }
        education = {
            "labels": [str(b.label) for b in EducationBand],
            "values": [self.value("education", b.value) for b in EducationBand],
        }
        years = self.find_table("years")
        over_years = {
            # year ends as "2024", the report's own date as "2026.10"
            "labels": [
                r.key[:4] if r.key.endswith("-12-31") else r.key[:7].replace("-", ".")
                for r in (years.rows if years else [])
            ],
            "values": [r.values[0] for r in (years.rows if years else [])],
        }
        kinds = {
            "labels": [str(OrgKind(k).label) for k in KIND_ORDER],
            "values": [self.value("organization_kinds", k) for k in KIND_ORDER],
        }
        return {"pyramid": pyramid, "education": education, "years": over_years, "kinds": kinds}

    # --- storage ---------------------------------------------------------------------------------

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": FORMAT_VERSION,
            "organization": {
                "id": self.organization_id,
                "name": self.organization_name,
                "code": self.organization_code,
            },
            "as_of": self.as_of.isoformat(),
            "computed_at": self.computed_at.isoformat(),
            "tables": [t.as_dict() for t in self.tables],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        return cls(
            organization_id=data["organization"]["id"],
            organization_name=data["organization"]["name"],
            organization_code=data["organization"]["code"],
            as_of=dt.date.fromisoformat(data["as_of"]),
            computed_at=dt.datetime.fromisoformat(data["computed_at"]),
            tables=[Table.from_dict(t) for t in data["tables"]],
        )


def report_compute(
    organization: Organization,
    as_of: dt.date,
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """Compute every registered table for the organization and everything below it.
    `computed_at` is when counting began: the figures are the records as of then or later."""
    data = ReportData(organization=organization, as_of=as_of)
    started = timezone.now()
    return Report(
        organization_id=organization.pk,
        organization_name=organization.name,
        organization_code=organization.code,
        as_of=as_of,
        computed_at=started,
        tables=build_tables(data, progress),
    )


# --- two years compared (两年党员数比较) --------------------------------------------------------------

COMPARED_ROWS: list[tuple[str, str, int]] = [
    ("members", "total", 0),
    ("members", f"sex-{Sex.FEMALE}", 0),
    ("members", f"category-{MemberCategory.PROBATIONARY}", 0),
    ("ethnicity", "MINORITY", 0),
    *[("age", band.value, 0) for band in AgeBand],
    ("education", "college", 0),
    ("status", MemberStatus.MOBILE, 0),
    ("organizations", "total", 0),
    ("organizations", "total", 1),
    ("organizations", "total", 2),
    ("organizations", "total", 3),
]


@dataclass(frozen=True)
class ComparedRow:
    label: str
    first: int
    second: int

    @property
    def change(self) -> int:
        return self.second - self.first

    @property
    def change_percent(self) -> str:
        if self.first == 0:
            return "—"
        sign = "+" if self.change > 0 else ("-" if self.change < 0 else "")
        return sign + percent(abs(self.change), self.first)


def compare(first: Report, second: Report) -> list[ComparedRow]:
    """Key figures of two reports side by side (the "两年党员数比较" table)."""
    labels = {
        ("organizations", "total", 0): _("基层党组织"),
        ("organizations", "total", 1): _("党委"),
        ("organizations", "total", 2): _("党总支"),
        ("organizations", "total", 3): _("党支部"),
    }
    rows: list[ComparedRow] = []
    for table, row, column in COMPARED_ROWS:
        label = labels.get((table, row, column))
        if label is None:
            found = second.find_table(table) or first.find_table(table)
            label = found.row(row).label.strip("　") if found else row
        rows.append(
            ComparedRow(label, first.value(table, row, column), second.value(table, row, column))
        )
    return rows
