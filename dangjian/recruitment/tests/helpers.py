"""A valid path through the 25 steps, for tests: dates that keep every national time rule."""

from __future__ import annotations

import datetime as dt
from typing import Any

from dangjian.accounts.models import User
from dangjian.activities import services as activity_services
from dangjian.activities.choices import ActivityKind, AttendanceStatus
from dangjian.activities.models import Activity
from dangjian.members.choices import Education, Occupation, Sex
from dangjian.organizations.models import Organization
from dangjian.recruitment import services
from dangjian.recruitment.models import Applicant
from dangjian.recruitment.rules import Ballot
from dangjian.site.testing import new_id_number

BIRTH = dt.date(1998, 5, 1)
PATH: dict[int, dt.date] = {
    1: dt.date(2022, 1, 10),
    2: dt.date(2022, 2, 5),
    3: dt.date(2022, 7, 1),
    4: dt.date(2022, 7, 20),
    5: dt.date(2022, 7, 25),
    6: dt.date(2023, 1, 15),
    7: dt.date(2023, 7, 25),
    8: dt.date(2023, 7, 28),
    9: dt.date(2023, 8, 1),
    10: dt.date(2023, 8, 10),
    11: dt.date(2023, 9, 1),
    12: dt.date(2023, 9, 10),
    13: dt.date(2023, 9, 15),
    14: dt.date(2023, 9, 25),
    15: dt.date(2023, 10, 10),
    16: dt.date(2023, 10, 20),
    17: dt.date(2023, 11, 20),
    18: dt.date(2023, 11, 25),
    19: dt.date(2023, 11, 26),
    20: dt.date(2023, 12, 1),
    21: dt.date(2024, 4, 1),
    22: dt.date(2024, 9, 20),
    23: dt.date(2024, 10, 15),
    24: dt.date(2024, 11, 20),
    25: dt.date(2024, 12, 1),
}
# 东村党支部 has three full members on the path's meeting dates (张三, 李四, 王五): all vote for.
PASSING_BALLOT = Ballot(votes_for=3)


def held_meeting(
    county: Any,
    on: dt.date,
    *,
    kind: str = ActivityKind.GENERAL_MEETING,
    organization: Organization | None = None,
    absent: tuple[Any, ...] = (),
) -> Activity:
    """A meeting recorded as held, its roll from the roster that day (`absent` on leave)."""
    organization = organization or county.east_village
    meeting = activity_services.activity_create(
        actor=county.county_admin,
        organization=organization,
        data={"kind": kind, "topic": "讨论发展党员", "on": on},
    )
    return activity_services.activity_record(
        actor=county.county_admin,
        activity=meeting,
        exceptions={m.pk: (AttendanceStatus.LEAVE, "外出") for m in absent},
    )


def applicant_data(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "陈小明",
        "sex": Sex.MALE,
        "birth_date": BIRTH,
        "education": Education.BACHELOR,
        "occupation": Occupation.FARMER,
        "work_unit": "东村合作社",
        "phone": "13700001234",
        **overrides,
    }


def new_applicant(county: Any, *, applied_on: dt.date = PATH[1], **overrides: Any) -> Applicant:
    data = applicant_data(**overrides)
    return services.applicant_create(
        actor=county.east_admin,
        organization=county.east_village,
        data=data,
        id_number=new_id_number(data["birth_date"], data["sex"]),
        applied_on=applied_on,
    )


def step_input(county: Any, step: int, on: dt.date | None = None, **fields: Any) -> Any:
    """What a secretary enters for `step` on the standard path."""
    defaults: dict[str, Any] = {"people": "张三"}
    if step == 5:
        defaults["members"] = [county.zhang]
    if step == 9:
        defaults["members"] = [county.li, county.wang]
    if step in (15, 23) and "meeting" not in fields:
        defaults["meeting"] = held_meeting(county, on or PATH[step])
        defaults["ballot"] = PASSING_BALLOT
    if step == 11:
        defaults["training_hours"] = 24
    return services.StepInput(step=step, on=on or PATH[step], **{**defaults, **fields})


def walk(county: Any, applicant: Applicant, upto: int, actor: User | None = None) -> Applicant:
    """Record the standard path from the step after the last one up to `upto`."""
    applicant.refresh_from_db()
    for step in range(applicant.last_step + 1, upto + 1):
        services.step_record(
            actor=actor or county.east_admin, applicant=applicant, data=step_input(county, step)
        )
    applicant.refresh_from_db()
    return applicant
