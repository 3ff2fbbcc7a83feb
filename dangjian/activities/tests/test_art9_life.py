"""党章 art. 9 and organizational life: six months count from joining the branch; an exemption
for the old and ill runs until its review date; 送学上门 counts for the members it lists."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from dangjian.activities import selectors, services
from dangjian.activities.choices import ActivityKind, AttendanceStatus, ExemptionReason
from dangjian.activities.models import Attendance, LifeExemption
from dangjian.audit.models import AuditEvent
from dangjian.site.testing import build_member

ON = dt.date(2026, 11, 15)
SINCE = dt.date(2026, 5, 15)  # six months before ON: the window's start


@pytest.fixture
def frozen() -> Iterator[None]:
    with time_machine.travel(dt.datetime(2026, 11, 15, 10, tzinfo=dt.UTC), tick=False):
        yield


def _listed(county: Any) -> set[str]:
    return {m.name for m in selectors.members_without_life(county.east, ON)}


def test_six_months_count_from_the_day_the_member_joined_the_branch(county, frozen):
    """Long a party member, but on this branch's roster only since the window's start (listed)
    or one day later (not yet six months here: left out)."""
    build_member(organization=county.east_village, name="满六月", started_on=SINCE)
    build_member(
        organization=county.east_village, name="差一天", started_on=SINCE + dt.timedelta(days=1)
    )
    listed = _listed(county)
    assert "满六月" in listed
    assert "差一天" not in listed


def test_a_member_registered_today_is_not_flagged(county, frozen):
    """member_create opens the row today: a member registered today has had no six months."""
    build_member(organization=county.east_village, name="今日登记", started_on=ON)
    assert "今日登记" not in _listed(county)


def _exempt(county: Any, member: Any, review_on: dt.date, **kwargs: Any) -> LifeExemption:
    values: dict[str, Any] = {
        "reason_kind": ExemptionReason.OLD,
        "reason": "96岁，长期卧床",
        "decision": "2026-06-01 支部委员会决定",
        "decided_on": dt.date(2026, 6, 1),
        "review_on": review_on,
    } | kwargs
    return services.life_exemption_grant(actor=county.east_secretary, member=member, **values)


def test_an_exemption_takes_the_member_out_until_the_review_date(county, frozen):
    assert "李四" in _listed(county)
    exemption = _exempt(county, county.li, review_on=ON + dt.timedelta(days=1))
    assert "李四" not in _listed(county)
    # On the review date itself the exemption has run out: the branch decides again.
    LifeExemption.objects.filter(pk=exemption.pk).update(review_on=ON)
    assert "李四" in _listed(county)


def test_an_exemption_is_in_the_archive_and_audited(county, frozen):
    exemption = _exempt(county, county.li, review_on=dt.date(2027, 6, 1))
    entry = county.li.archive.order_by("-pk").first()
    assert "免于参加组织生活" in entry.summary
    assert "2027-06-01" in entry.summary
    assert entry.reason == "96岁，长期卧床"
    assert AuditEvent.objects.filter(target_id=str(exemption.pk)).exists()


def test_an_exemption_needs_a_reason_a_decision_and_a_review_within_a_year(county, frozen):
    decided = dt.date(2026, 6, 1)
    with pytest.raises(ValidationError) as error:
        _exempt(county, county.li, review_on=decided, reason=" ", decision="")
    assert {"reason", "decision", "review_on"} <= set(error.value.message_dict)
    with pytest.raises(ValidationError) as error:
        _exempt(county, county.li, review_on=decided + dt.timedelta(days=367))
    assert "review_on" in error.value.message_dict
    assert not LifeExemption.objects.exists()
    _exempt(county, county.li, review_on=decided + dt.timedelta(days=366))
    with pytest.raises(ValidationError) as error:  # one running already
        _exempt(county, county.li, review_on=dt.date(2027, 1, 1), decided_on=dt.date(2026, 7, 1))
    assert error.value.error_dict["decided_on"][0].code == "exemption_running"


def test_only_a_manager_of_the_member_may_exempt(county, frozen):
    for actor in (county.west_admin, county.east_observer):
        with pytest.raises(PermissionDenied):
            services.life_exemption_grant(
                actor=actor,
                member=county.li,
                reason_kind=ExemptionReason.ILL,
                reason="住院",
                decision="支部决定",
                decided_on=dt.date(2026, 6, 1),
                review_on=dt.date(2026, 12, 1),
            )
    assert not LifeExemption.objects.exists()


def test_home_education_counts_for_the_members_it_lists_and_no_one_else(
    county, frozen, make_activity
):
    visit = make_activity(kind=ActivityKind.HOME_EDUCATION, on=ON - dt.timedelta(days=3))
    with pytest.raises(ValidationError) as error:
        services.activity_record(actor=county.east_secretary, activity=visit, visited=[])
    assert error.value.error_dict["visited"][0].code == "no_visited"
    with pytest.raises(ValidationError):
        services.activity_record(
            actor=county.east_secretary,
            activity=visit,
            visited=[county.sun.pk],  # 西村
        )
    services.activity_record(actor=county.east_secretary, activity=visit, visited=[county.li.pk])
    rows = Attendance.objects.filter(activity=visit)
    assert [(r.member_id, r.status) for r in rows] == [(county.li.pk, AttendanceStatus.PRESENT)]
    listed = _listed(county)
    assert "李四" not in listed
    assert "张三" in listed


def test_the_exemption_page_for_a_secretary_and_not_for_another_township(client, county, frozen):
    url = f"/activities/members/{county.li.pk}/exemption/"
    client.force_login(county.west_admin)
    assert client.get(url).status_code == 404
    client.force_login(county.east_secretary)
    page = client.get(url)
    assert page.status_code == 200
    assert "李四" in page.content.decode()
    bad = client.post(url, {"reason_kind": "OLD", "reason": "", "decision": "支部决定"})
    assert bad.status_code == 200
    assert not LifeExemption.objects.exists()
    done = client.post(
        url,
        {
            "reason_kind": "ILL",
            "reason": "术后休养",
            "decision": "2026-11-10 支部委员会",
            "decided_on": "2026-11-10",
            "review_on": "2027-05-10",
        },
    )
    assert done.status_code == 302
    member_page = client.get(f"/members/{county.li.pk}/").content.decode()
    assert 'data-testid="life-exemption"' in member_page


def test_todays_list_reads_the_subtrees_members_by_their_path(county, frozen):
    """On today's date the list also filters the member rows by the subtree's path (decision
    0290), so PostgreSQL reads a county's members by the path index, not a province's in name
    order; on another date the memberships alone say who was on the roster. A member moved to
    the west village before the window is the west's, on either reading."""
    from dangjian.members import services as member_services
    from dangjian.site.testing import system_user

    moved = build_member(
        organization=county.east_village, name="已调走", started_on=dt.date(2025, 1, 1)
    )
    member_services.membership_move(
        actor=system_user(),
        member=moved,
        organization=county.west_village,
        on=dt.date(2026, 1, 5),
        reason="调整",
    )
    today_sql = str(selectors.members_without_life(county.east, ON).query)
    past_sql = str(selectors.members_without_life(county.east, ON - dt.timedelta(days=1)).query)
    by_path = re.compile(r'"members_member"\."organization_path"(::text)? LIKE')
    assert by_path.search(today_sql)
    assert not by_path.search(past_sql)
    assert "已调走" not in _listed(county)
    assert "已调走" in {m.name for m in selectors.members_without_life(county.west, ON)}
    assert _listed(county) == {
        m.name for m in selectors.members_without_life(county.east, ON - dt.timedelta(days=1))
    }
