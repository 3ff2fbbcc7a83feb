"""Today's report reads the roster from the member rows (decision 0292): whatever the services
did before today, every table is what the membership rows say."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dangjian.core.dates import today
from dangjian.members import services
from dangjian.members.choices import HowRemoved, MemberCategory, Sex
from dangjian.reports import tables
from dangjian.reports.report import report_compute
from dangjian.site.testing import build_member, system_user

pytestmark = pytest.mark.django_db


def _figures(organization: Any, on: dt.date) -> dict[tuple[str, str], list[int]]:
    report = report_compute(organization, on)
    return {(t.key, r.key): list(r.values) for t in report.tables for r in t.rows}


def test_todays_report_from_member_rows_is_the_report_from_memberships(
    county: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    actor, on = system_user(), today()
    last_month = on - dt.timedelta(days=30)
    services.membership_move(
        actor=actor,
        member=county.li,
        organization=county.west_village,
        on=last_month,
        reason="调整",
    )
    services.member_remove(
        actor=actor, member=county.qian, how_removed=HowRemoved.DIED, on=on, reason="去世"
    )
    services.member_remove(
        actor=actor, member=county.sun, how_removed=HowRemoved.SUSPENDED, on=on, reason="停止"
    )
    services.member_restore(
        actor=actor, member=county.sun, organization=county.south_village, on=on, reason="恢复"
    )
    build_member(
        organization=county.south_village,
        name="新党员",
        sex=Sex.FEMALE,
        birth_date=dt.date(2001, 2, 3),
        category=MemberCategory.PROBATIONARY,
        joined_on=on - dt.timedelta(days=10),
        started_on=on,
    )
    assert tables.roster_is_today(on)
    assert not tables.roster_is_today(on - dt.timedelta(days=1))
    with CaptureQueriesContext(connection) as captured:
        from_members = _figures(county.county, on)
    by_path = re.compile(r'FROM "members_member" WHERE \("members_member"\."organization_path"')
    assert sum(1 for q in captured.captured_queries if by_path.search(q["sql"])) >= 2
    monkeypatch.setattr(tables, "roster_is_today", lambda as_of: False)
    from_memberships = _figures(county.county, on)
    assert from_members == from_memberships
    assert from_members[("members", "total")][0] == 6
