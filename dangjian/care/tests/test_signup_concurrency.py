"""Two members taking the last place of a volunteer activity at once: the activity's row lock
serializes them, so the cap holds.

PostgreSQL only: SQLite takes one write lock for the whole database, so there is no row-level
race to test there (its IMMEDIATE transactions already queue every writer).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError

from dangjian.accounts.choices import Role
from dangjian.care import services
from dangjian.care.error_codes import ErrorCode
from dangjian.care.models import VolunteerSignup
from dangjian.core.dates import today
from dangjian.members.models import Member
from dangjian.site.testing import build_user, racing_on_postgresql, two_at_once

pytestmark = racing_on_postgresql(
    "row locks (SELECT … FOR UPDATE) are a PostgreSQL matter; SQLite locks the file"
)

# How long the first sign-up keeps its transaction open while the second one tries. Not a
# timing assertion: with the lock the second waits whatever this is; without it, it finishes
# (over the cap) well within it and the test fails.
HOLD_SECONDS = 2.0


def test_the_second_of_two_simultaneous_sign_ups_for_the_last_place_is_refused(
    county: Any,
) -> None:
    activity = services.volunteer_activity_publish(
        actor=county.east_secretary,
        organization=county.east_village,
        on=today() + dt.timedelta(days=3),
        title="防汛值守",
        hours=Decimal("4"),
        capacity=1,
    )
    li_user = build_user(username="lisi", role=Role.MEMBER, organization=county.east_village)
    Member.objects.filter(pk=county.li.pk).update(user=li_user)

    first, second = two_at_once(
        lambda: services.volunteer_signup(actor=county.member_user, activity=activity),
        lambda: services.volunteer_signup(actor=li_user, activity=activity),
        hold_seconds=HOLD_SECONDS,  # the place taken but uncommitted while the second tries
    )

    assert isinstance(first, VolunteerSignup)
    assert isinstance(second, ValidationError)
    assert second.error_list[0].code == ErrorCode.FULL
    taken = VolunteerSignup.objects.filter(activity=activity, cancelled_at__isnull=True)
    assert list(taken.values_list("member__name", flat=True)) == ["张三"]
