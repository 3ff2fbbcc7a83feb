"""The annual report's 书记 distribution counted in the database (`secretary_counts`, decision
0278) equals `secretary_distribution`, the pages' count in Python, over varied secretaries:
births and appointments on the edges of the age and tenure bands, every education (and codes
of none), a member
who is secretary of two organizations, secretaries replaced during the year, deputies (not
counted), class hours before, on and after the day (and a session of no hours), and 述职
grades of several years."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

import pytest

from dangjian.activities.choices import TrainingForm
from dangjian.activities.models import TrainingCourse, TrainingSession
from dangjian.core.dates import add_years
from dangjian.leadership import selectors
from dangjian.leadership.choices import DutyGrade
from dangjian.leadership.models import DutyReport
from dangjian.members.choices import Education, PositionTitle
from dangjian.members.models import Member, Position
from dangjian.site.testing import build_member

pytestmark = pytest.mark.django_db

YEAR = 2026
EDGE = dt.date(YEAR, 6, 30)  # the day the births and appointments sit on the bands' edges
DAYS = [dt.date(YEAR, 1, 1), EDGE, dt.date(YEAR, 7, 1), dt.date(YEAR, 12, 31)]


def varied_secretaries(county: Any, seed: int) -> None:
    rng = random.Random(seed)
    organizations = [
        county.county,
        county.east,
        county.east_village,
        county.south_village,
        county.west,
        county.west_village,
    ]
    births = [add_years(EDGE, -(high + 1)) for high in (30, 35, 40, 45, 50, 55, 60)]
    births += [day + dt.timedelta(days=1) for day in births]
    people = [county.zhang, county.li, county.wang, county.qian, county.sun]
    for n, birth in enumerate(rng.sample(births, k=8)):
        people.append(
            build_member(
                organization=rng.choice(organizations[2:]),
                name=f"书记{n}",
                birth_date=birth,
                joined_on=add_years(birth, 20),
            )
        )
    for person in people:
        # Also a code of no band (an old record): counted as 初中及以下.
        education = rng.choice([*Education.values, "", "99"])
        Member.objects.filter(pk=person.pk).update(education=education)
    # Appointments on the tenure bands' edges, and a day after them.
    starts = [add_years(EDGE, -years) for years in (1, 3, 5, 10)]
    starts += [day + dt.timedelta(days=1) for day in starts] + [EDGE, DAYS[-1]]
    for organization in organizations:
        # Each organization's secretaries one after another: some replaced during the year.
        since = rng.choice(starts)
        for _n in range(rng.randint(0, 2)):
            ended = since + dt.timedelta(days=rng.randint(0, 400))
            Position.objects.create(
                organization=organization,
                member=rng.choice(people),
                title=PositionTitle.SECRETARY,
                started_on=since,
                ended_on=ended,
            )
            since = ended
        secretary = rng.choice(people)
        if rng.random() < 0.8:
            Position.objects.create(
                organization=organization,
                member=secretary,
                title=PositionTitle.SECRETARY,
                started_on=since,
            )
        Position.objects.create(
            organization=organization,
            member=rng.choice([p for p in people if p != secretary]),
            title=PositionTitle.DEPUTY_SECRETARY,
            started_on=rng.choice(starts),
        )
    course = TrainingCourse.objects.create(
        organization=county.county,
        title="书记轮训",
        form=TrainingForm.CENTRAL,
        starts_on=dt.date(YEAR - 1, 1, 1),
        ends_on=dt.date(YEAR, 12, 31),
    )
    for on in [dt.date(YEAR - 1, 12, 31), dt.date(YEAR, 1, 1), EDGE, dt.date(YEAR, 7, 1)]:
        session = TrainingSession.objects.create(
            course=course,
            on=on,
            topic="抓党建",
            hours=rng.choice([Decimal(0), Decimal("0.5"), Decimal(3)]),
        )
        session.participants.set(rng.sample(people, k=rng.randint(0, len(people))))
    for person in rng.sample(people, k=6):
        DutyReport.objects.create(
            organization=rng.choice(organizations),
            member=person,
            year=rng.choice([YEAR - 2, YEAR - 1, YEAR - 1, YEAR]),
            grade=rng.choice(DutyGrade.values),
        )


@pytest.mark.parametrize("seed", range(10))
def test_the_counts_in_the_database_equal_the_distribution(county: Any, seed: int) -> None:
    varied_secretaries(county, seed)
    for organization in (county.county, county.east, county.east_village, county.west):
        for day in DAYS:
            old = selectors.secretary_distribution(organization, day)
            assert selectors.secretary_counts(organization, day) == old, (organization, day)


def test_no_secretaries(county: Any) -> None:
    found = selectors.secretary_counts(county.county, EDGE)
    assert found == selectors.secretary_distribution(county.county, EDGE)
    assert found.secretaries == 0
