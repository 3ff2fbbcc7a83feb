"""Two members taking the last place of a volunteer activity at once: the activity's row lock
serializes them, so the cap holds.

PostgreSQL only: SQLite takes one write lock for the whole database, so there is no row-level
race to test there (its IMMEDIATE transactions already queue every writer).
"""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction

from dangjian.accounts.choices import Role
from dangjian.care import services
from dangjian.care.error_codes import ErrorCode
from dangjian.care.models import VolunteerSignup
from dangjian.core.dates import today
from dangjian.members.models import Member
from dangjian.site.testing import build_user

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="row locks (SELECT … FOR UPDATE) are a PostgreSQL matter; SQLite locks the file",
    ),
]

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

    first_inside = threading.Event()
    second_done = threading.Event()
    outcome: dict[str, str] = {}

    def first() -> None:
        try:
            with transaction.atomic():
                services.volunteer_signup(actor=county.member_user, activity=activity)
                first_inside.set()
                # Keep the place taken but uncommitted while the second member tries.
                second_done.wait(HOLD_SECONDS)
            outcome["first"] = "signed up"
        finally:
            connections.close_all()

    def second() -> None:
        try:
            first_inside.wait(10)
            services.volunteer_signup(actor=li_user, activity=activity)
            outcome["second"] = "signed up"
        except ValidationError as exc:
            outcome["second"] = exc.error_list[0].code or ""
        finally:
            second_done.set()
            connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert outcome == {"first": "signed up", "second": ErrorCode.FULL}
    taken = VolunteerSignup.objects.filter(activity=activity, cancelled_at__isnull=True)
    assert list(taken.values_list("member__name", flat=True)) == ["张三"]
