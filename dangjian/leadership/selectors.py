"""The roster of secretaries and party-affairs staff of a subtree, and the 书记 distribution
tables (contract functions: `roster`, `secretary_distribution`)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from dangjian.activities.selectors import training_hours
from dangjian.core.dates import add_years, age_on, today
from dangjian.members.choices import EDUCATION_BANDS, AgeBand, EducationBand, PositionTitle
from dangjian.members.models import Position
from dangjian.organizations.models import Organization

from .choices import Duty, DutyGrade, TenureBand
from .models import DutyReport, StaffPost

EDUCATION_BAND_OF = {code: band for band, codes in EDUCATION_BANDS.items() for code in codes}
# Roster order within an organization: the positions, then the duties.
POST_ORDER = [*PositionTitle.values, *Duty.values]


@dataclass
class RosterRow:
    member_id: int
    member_public_id: uuid.UUID
    name: str
    organization_id: int
    organization_code: str
    organization: str
    organization_path: str
    post: str  # a PositionTitle or a Duty value
    post_label: str
    since: dt.date
    tenure_years: int
    hours: Decimal = Decimal(0)
    report_year: int | None = None
    report_grade: str = ""
    report_grade_label: str = ""

    @property
    def is_secretary(self) -> bool:
        return self.post == PositionTitle.SECRETARY


def full_years(start: dt.date, on: dt.date) -> int:
    """Whole years from `start` to `on` (a post taken on 2024-03-01 is 1 year on 2025-03-01)."""
    return age_on(start, on)


def _open_on(day: dt.date) -> Q:
    return Q(started_on__lte=day) & (Q(ended_on__isnull=True) | Q(ended_on__gt=day))


def roster(organization: Organization, on: dt.date | None = None) -> list[RosterRow]:
    """Everyone holding a position (书记, 副书记, 委员) or a party-affairs duty (StaffPost) on `on`
    in the subtree, one row per post: since when, whole years in the post, class hours this year
    up to `on` (activities.training_hours) and the latest 述职 result at that organization."""
    day = on or today()
    rows: list[RosterRow] = []
    for member_id, public_id, name, org_id, code, org_name, path, title, since in (
        Position.objects.within(organization)
        .filter(_open_on(day))
        .values_list(
            "member_id",
            "member__public_id",
            "member__name",
            "organization_id",
            "organization__code",
            "organization__name",
            "organization__path",
            "title",
            "started_on",
        )
    ):
        rows.append(
            RosterRow(
                member_id,
                public_id,
                name,
                org_id,
                code,
                org_name,
                path,
                title,
                str(PositionTitle(title).label),
                since,
                full_years(since, day),
            )
        )
    for member_id, public_id, name, org_id, code, org_name, path, duty, since in (
        StaffPost.objects.within(organization)
        .filter(_open_on(day))
        .values_list(
            "member_id",
            "member__public_id",
            "member__name",
            "organization_id",
            "organization__code",
            "organization__name",
            "organization__path",
            "duty",
            "started_on",
        )
    ):
        rows.append(
            RosterRow(
                member_id,
                public_id,
                name,
                org_id,
                code,
                org_name,
                path,
                duty,
                str(Duty(duty).label),
                since,
                full_years(since, day),
            )
        )
    hours = training_hours({r.member_id for r in rows}, day.year, until=day)
    latest: dict[tuple[int, int], tuple[int, str]] = {}
    for org_id, member_id, year, grade in (
        DutyReport.objects.within(organization)
        .filter(year__lte=day.year)
        .order_by("year")
        .values_list("organization_id", "member_id", "year", "grade")
    ):
        latest[(org_id, member_id)] = (year, grade)
    for row in rows:
        row.hours = hours.get(row.member_id, Decimal(0))
        if (found := latest.get((row.organization_id, row.member_id))) is not None:
            row.report_year, row.report_grade = found
            row.report_grade_label = str(DutyGrade(found[1]).label)
    rows.sort(key=lambda r: (r.organization_path, POST_ORDER.index(r.post), r.name))
    return rows


@dataclass
class Distribution:
    """The 书记 of a subtree on a day, counted by age band, education band and tenure band."""

    on: dt.date
    secretaries: int = 0
    age: dict[str, int] = field(default_factory=dict)
    education: dict[str, int] = field(default_factory=dict)
    tenure: dict[str, int] = field(default_factory=dict)
    trained: int = 0
    reported: dict[str, int] = field(default_factory=dict)  # last year's 述职 grades


def age_band(age: int) -> str:
    for band in AgeBand:
        _low, high = band.bounds
        if high is not None and age <= high:
            return band.value
    return AgeBand.FROM_61.value


def tenure_band(years: int) -> str:
    for band in TenureBand:
        _low, high = band.bounds
        if high is None or years < high:
            return band.value
    return TenureBand.FROM_10.value  # pragma: no cover - the last band is open


def secretary_distribution(organization: Organization, on: dt.date | None = None) -> Distribution:
    """Every 书记 in office on `on` in the subtree (committees and branches alike): age on the
    day (AgeBand of the annual statistics), education band, whole years in the post, whether
    trained this year, and the grades of last year's 述职."""
    day = on or today()
    found = Distribution(on=day)
    ages: Counter[str] = Counter()
    educations: Counter[str] = Counter()
    tenures: Counter[str] = Counter()
    secretaries = list(
        Position.objects.within(organization)
        .filter(_open_on(day), title=PositionTitle.SECRETARY)
        .values_list("member_id", "member__birth_date", "member__education", "started_on")
    )
    for _member_id, birth_date, education, since in secretaries:
        ages[age_band(age_on(birth_date, day))] += 1
        educations[str(EDUCATION_BAND_OF.get(education, EducationBand.JUNIOR_HIGH_AND_BELOW))] += 1
        tenures[tenure_band(full_years(since, day))] += 1
    hours = training_hours([m for m, *_rest in secretaries], day.year, until=day)
    found.secretaries = len(secretaries)
    found.age = {band.value: ages[band.value] for band in AgeBand}
    found.education = {band.value: educations[band.value] for band in EducationBand}
    found.tenure = {band.value: tenures[band.value] for band in TenureBand}
    found.trained = sum(1 for h in hours.values() if h > 0)
    grades = Counter(
        DutyReport.objects.within(organization)
        .filter(year=day.year - 1)
        .values_list("grade", flat=True)
    )
    found.reported = {g.value: grades[g.value] for g in DutyGrade}
    return found


def secretary_counts(organization: Organization, on: dt.date | None = None) -> Distribution:
    """`secretary_distribution` counted in the database: one aggregate over the secretaries'
    positions (a conditional count per band, the bands as ranges of dates: aged at most `high`
    is born after the day `high + 1` years earlier, as `age_on`; in the post fewer than `high`
    years is since after the day `high` years earlier, as `full_years`), and the grades grouped.
    The annual report reads this: at a province's scale the secretaries' hours were asked for
    with every member's id in the query (issue 20, decision 0278). Same figures as
    `secretary_distribution`, which the pages and exports read."""
    from dangjian.activities.models import TrainingSession

    day = on or today()
    counts: dict[str, Any] = {"secretaries": Count("pk")}
    previous: dt.date | None = None  # the earliest birth date of the band before
    for band in AgeBand:
        _low, high = band.bounds
        within = Q() if previous is None else Q(member__birth_date__lte=previous)
        if high is not None:
            previous = add_years(day, -(high + 1))
            within &= Q(member__birth_date__gt=previous)
        counts[f"age:{band.value}"] = Count("pk", filter=within)
    # Each band's codes as EDUCATION_BAND_OF reads them; a code of no band is 初中及以下.
    codes = {
        education: [c for c in EDUCATION_BANDS[education] if EDUCATION_BAND_OF[c] == education]
        for education in EducationBand
    }
    banded = [
        c
        for e, band_codes in codes.items()
        if e != EducationBand.JUNIOR_HIGH_AND_BELOW
        for c in band_codes
    ]
    for education in EducationBand:
        counts[f"education:{education.value}"] = Count(
            "pk",
            filter=~Q(member__education__in=banded)
            if education == EducationBand.JUNIOR_HIGH_AND_BELOW
            else Q(member__education__in=codes[education]),
        )
    for tenure in TenureBand:
        low, high = tenure.bounds
        within = Q(started_on__lte=add_years(day, -low))
        if high is not None:
            within &= Q(started_on__gt=add_years(day, -high))
        counts[f"tenure:{tenure.value}"] = Count("pk", filter=within)
    # Members with class hours this year up to the day (as `training_hours`).
    trained = (
        TrainingSession.participants.through.objects.filter(
            trainingsession__on__year=day.year, trainingsession__on__lte=day
        )
        .values("member_id")
        .annotate(total=Sum("trainingsession__hours"))
        .filter(Q(total__gt=0))
        .values("member_id")
    )
    counts["trained"] = Count("member_id", distinct=True, filter=Q(member_id__in=trained))
    found = (
        Position.objects.within(organization)
        .filter(_open_on(day), title=PositionTitle.SECRETARY)
        .aggregate(**counts)
    )
    grades = dict(
        DutyReport.objects.within(organization)
        .filter(year=day.year - 1)
        .order_by()
        .values("grade")
        .annotate(n=Count("pk"))
        .values_list("grade", "n")
    )
    return Distribution(
        on=day,
        secretaries=found["secretaries"],
        age={band.value: found[f"age:{band.value}"] for band in AgeBand},
        education={band.value: found[f"education:{band.value}"] for band in EducationBand},
        tenure={band.value: found[f"tenure:{band.value}"] for band in TenureBand},
        trained=found["trained"],
        reported={g.value: grades.get(g.value, 0) for g in DutyGrade},
    )


def duty_reports(user: Any, organization: Organization) -> QuerySet[DutyReport]:
    return (
        DutyReport.objects.restrict(user)
        .within(organization)
        .select_related("organization", "member")
        .order_by("-year", "organization__path", "member__name_pinyin")
    )


def label_rows(distribution: Distribution) -> list[tuple[str, list[tuple[str, str, int]]]]:
    """The distribution as titled groups of (key, label, count) for pages and exports."""
    return [
        (
            _("年龄"),
            [(b.value, str(b.label), distribution.age[b.value]) for b in AgeBand],
        ),
        (
            _("学历"),
            [(b.value, str(b.label), distribution.education[b.value]) for b in EducationBand],
        ),
        (
            _("任职年限"),
            [(b.value, str(b.label), distribution.tenure[b.value]) for b in TenureBand],
        ),
        (
            _("上年度述职评议"),
            [(g.value, str(g.label), distribution.reported[g.value]) for g in DutyGrade],
        ),
    ]
