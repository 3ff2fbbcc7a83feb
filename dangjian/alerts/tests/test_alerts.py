"""Alerts: each rule on both sides of its threshold, recompute, resolve, snooze, scope."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client, override_settings
from django.utils import translation

from dangjian.alerts import services
from dangjian.alerts.engine import RULES
from dangjian.alerts.models import Alert, AlertEvent, AlertStatus
from dangjian.alerts.rules import months_before
from dangjian.core.dates import add_years
from dangjian.members import services as member_services
from dangjian.members.choices import HowRemoved, MemberStatus, PositionTitle
from dangjian.members.models import Member
from dangjian.organizations.models import Organization
from dangjian.site.testing import build_member

ON = dt.date(2026, 11, 24)


def cases(rule: str, root: Organization, on: dt.date = ON) -> dict[str, Any]:
    return {case.subject: case for case in RULES[rule].find(root, on)}


def test_months_before() -> None:
    assert months_before(dt.date(2026, 11, 24), 6) == dt.date(2026, 5, 24)
    assert months_before(dt.date(2026, 3, 31), 1) == dt.date(2026, 2, 28)


# --- lost contact and suspension ------------------------------------------------------------


def test_lost_contact_alerts_after_six_months_not_before(county: Any) -> None:
    with time_machine.travel(dt.datetime(2026, 5, 24, 12, tzinfo=dt.UTC)):
        member_services.member_change_status(
            actor=county.east_admin,
            member=county.li,
            status=MemberStatus.LOST_CONTACT,
            reason="外出务工，电话停机",
        )
    subject = f"member:{county.li.pk}"
    assert subject in cases("lost_contact", county.county, dt.date(2026, 11, 24))
    assert subject not in cases("lost_contact", county.county, dt.date(2026, 11, 23))
    case = cases("lost_contact", county.county)[subject]
    assert case.organization_id == county.east_village.pk
    assert "停止其党籍" in case.fix


def test_suspended_two_years_prompts_removal(county: Any) -> None:
    on = dt.date(2024, 11, 24)
    with time_machine.travel(dt.datetime(2024, 11, 25, 12, tzinfo=dt.UTC)):
        member_services.member_remove(
            actor=county.east_admin,
            member=county.wang,
            how_removed=HowRemoved.SUSPENDED,
            on=on,
            reason="失联满6个月",
        )
    subject = f"member:{county.wang.pk}"
    assert subject in cases("suspended_long", county.county, add_years(on, 2))
    assert subject not in cases(
        "suspended_long", county.county, add_years(on, 2) - dt.timedelta(days=1)
    )


# --- organizations --------------------------------------------------------------------------


def test_term_due_within_ninety_days_and_overdue(county: Any) -> None:
    Organization.objects.filter(pk=county.east_village.pk).update(
        term_ends_on=ON + dt.timedelta(days=90)
    )
    Organization.objects.filter(pk=county.west_village.pk).update(
        term_ends_on=ON - dt.timedelta(days=1)
    )
    Organization.objects.filter(pk=county.south_village.pk).update(
        term_ends_on=ON + dt.timedelta(days=91)
    )
    found = cases("term", county.county)
    assert "将于" in found[f"org:{county.east_village.pk}"].message
    assert "已于" in found[f"org:{county.west_village.pk}"].message
    assert f"org:{county.south_village.pk}" not in found


def test_branch_size_rules_on_both_sides(county: Any) -> None:
    found = cases("branch_size", county.county)
    # 东村: 3 full + 1 probationary: enough; 南村 and 西村 have one member each: too few.
    assert f"org:{county.east_village.pk}:too_few" not in found
    assert f"org:{county.south_village.pk}:too_few" in found
    with override_settings(
        DANGJIAN_RULES={**_rules(), "branch_min_full_members": 4, "branch_max_members": 3}
    ):
        found = cases("branch_size", county.county)
        assert f"org:{county.east_village.pk}:too_few" in found
        assert f"org:{county.east_village.pk}:too_large" in found
    with override_settings(DANGJIAN_RULES={**_rules(), "committee_from_full_members": 3}):
        assert f"org:{county.east_village.pk}:no_committee" in cases("branch_size", county.county)
        for member in (county.zhang, county.li, county.wang):
            member_services.position_assign(
                actor=county.east_admin,
                member=member,
                organization=county.east_village,
                title=PositionTitle.SECRETARY
                if member == county.zhang
                else PositionTitle.COMMITTEE_MEMBER,
                started_on=dt.date(2026, 1, 1),
            )
        assert f"org:{county.east_village.pk}:no_committee" not in cases(
            "branch_size", county.county
        )


def _rules() -> dict[str, Any]:
    from django.conf import settings

    return dict(settings.DANGJIAN_RULES)


def test_aging_branch_without_young_members(county: Any) -> None:
    # 西村: 孙八 born 1980-05-17, aged 46 on ON: no member under 40.
    found = cases("aging", county.county)
    assert f"org:{county.west_village.pk}:no_young" in found
    build_member(
        organization=county.west_village, name="青年", birth_date=dt.date(1986, 11, 25)
    )  # 39 on ON
    assert f"org:{county.west_village.pk}:no_young" not in cases("aging", county.county)
    with override_settings(DANGJIAN_RULES={**_rules(), "aging_average_age": 41}):
        assert f"org:{county.west_village.pk}:old" in cases("aging", county.county)
    with override_settings(DANGJIAN_RULES={**_rules(), "aging_average_age": 43}):
        assert f"org:{county.west_village.pk}:old" not in cases("aging", county.county)


def break_li(county: Any) -> None:
    """李四 (born 1975-03-02) recorded as joining in 1990, aged 14: impossible."""
    Member.objects.filter(pk=county.li.pk).update(joined_on=dt.date(1990, 1, 1))


def fix_li(county: Any) -> None:
    Member.objects.filter(pk=county.li.pk).update(joined_on=dt.date(2005, 7, 1))


def test_data_quality_finds_impossible_dates(county: Any) -> None:
    assert f"member:{county.li.pk}" not in cases("data_quality", county.county)
    break_li(county)
    found = cases("data_quality", county.county)
    assert "未满18岁" in found[f"member:{county.li.pk}"].message
    # 王五 joined on 2012-07-01: checked as of the day before, the date lies in the future.
    before = cases("data_quality", county.county, dt.date(2012, 6, 30))
    assert "入党日期晚于今天" in before[f"member:{county.wang.pk}"].message
    assert f"member:{county.zhang.pk}" not in found


# --- recompute, resolve, snooze -------------------------------------------------------------


def test_recompute_is_idempotent_and_resolves_when_the_cause_is_gone(county: Any) -> None:
    break_li(county)
    first = services.alerts_recompute(root=county.county, on=ON)
    assert first.opened > 0
    count = Alert.objects.count()
    second = services.alerts_recompute(root=county.county, on=ON)
    assert second.opened == 0
    assert second.resolved == 0
    assert second.kept == first.opened
    assert Alert.objects.count() == count
    alert = Alert.objects.get(rule="data_quality", subject=f"member:{county.li.pk}")
    fix_li(county)
    services.alerts_recompute(root=county.county, on=ON)
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED
    assert list(alert.events.order_by("id").values_list("kind", flat=True)) == [
        "OPENED",
        "RESOLVED",
    ]
    break_li(county)
    services.alerts_recompute(root=county.county, on=ON)
    assert (
        Alert.objects.filter(
            rule="data_quality", subject=f"member:{county.li.pk}", status="OPEN"
        ).count()
        == 1
    )


def test_snooze_needs_a_reason_and_ends_on_its_date(county: Any) -> None:
    break_li(county)
    services.alerts_recompute(root=county.county, on=ON)
    alert = Alert.objects.get(rule="data_quality", subject=f"member:{county.li.pk}")
    with pytest.raises(ValidationError):
        services.alert_snooze(
            actor=county.east_admin, alert=alert, until=ON + dt.timedelta(days=10), reason=" "
        )
    with pytest.raises(PermissionDenied):
        services.alert_snooze(
            actor=county.west_admin, alert=alert, until=ON + dt.timedelta(days=10), reason="x"
        )
    with time_machine.travel(dt.datetime(2026, 11, 24, 12, tzinfo=dt.UTC)):
        with pytest.raises(ValidationError):
            services.alert_snooze(
                actor=county.east_admin, alert=alert, until=ON + dt.timedelta(days=181), reason="x"
            )
        services.alert_snooze(
            actor=county.east_admin,
            alert=alert,
            until=ON + dt.timedelta(days=10),
            reason="本人在外地，年底回乡补录",
        )
    alert.refresh_from_db()
    assert alert.status == AlertStatus.SNOOZED
    services.alerts_recompute(root=county.county, on=ON + dt.timedelta(days=10))
    alert.refresh_from_db()
    assert alert.status == AlertStatus.SNOOZED
    services.alerts_recompute(root=county.county, on=ON + dt.timedelta(days=11))
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN
    assert list(alert.events.order_by("id").values_list("kind", flat=True)) == [
        "OPENED",
        "SNOOZED",
        "REOPENED",
    ]


# --- pages and scope ------------------------------------------------------------------------


def test_pages_are_scoped(client: Client, county: Any) -> None:
    break_li(county)
    services.alerts_recompute(root=county.county, on=ON)
    west_alert = Alert.objects.filter(organization=county.west_village).first()
    east_alert = Alert.objects.filter(organization=county.east_village).first()
    assert west_alert is not None
    assert east_alert is not None
    client.force_login(county.east_secretary)
    body = client.get("/alerts/").content.decode()
    assert east_alert.message in body
    assert west_alert.message not in body
    assert client.get(f"/alerts/{west_alert.pk}").status_code == 404
    assert client.post(f"/alerts/{west_alert.pk}/recheck").status_code == 404
    assert client.post(f"/alerts/recompute/{county.west.pk}").status_code == 404
    assert client.get(f"/alerts/{east_alert.pk}").status_code == 200
    api = client.get("/api/v1/alerts/").json()
    assert {a["organization_code"] for a in api["items"]} <= {"C0003"}


def test_follow_an_alert_fix_it_and_see_it_resolved(client: Client, county: Any) -> None:
    break_li(county)
    services.alerts_recompute(root=county.county)
    alert = Alert.objects.get(rule="data_quality", subject=f"member:{county.li.pk}")
    client.force_login(county.east_admin)
    assert alert.message in client.get("/").content.decode()
    fix_li(county)
    response = client.post(f"/alerts/{alert.pk}/recheck", {"next": "/alerts/"})
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED
    assert AlertEvent.objects.filter(alert=alert, kind="RESOLVED").exists()


def test_an_alert_reads_in_its_readers_language(client: Client, county: Any) -> None:
    """The texts are stored in Chinese whoever starts the run, and in English beside them."""
    break_li(county)
    with translation.override("en"):  # an English reader presses 立即检查
        services.alerts_recompute(root=county.county)
    alert = Alert.objects.get(rule="data_quality", subject=f"member:{county.li.pk}")
    assert alert.message == "李四 的档案有误：入党时未满18岁。"
    english = alert.texts["en"]["message"]
    assert "李四" in english
    assert "入党" not in english
    client.force_login(county.east_admin)
    page = client.get(f"/alerts/{alert.pk}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert english in page.replace("&#x27;", "'")
    assert alert.message not in page
    chinese = client.get(f"/alerts/{alert.pk}", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert alert.message in chinese


# --- the home card ----------------------------------------------------------------------------


@pytest.mark.parametrize("open_alerts", [0, 3, 7, 8, 11])
def test_a_branch_home_card_counts_every_open_alert_by_rule(
    county: Any, rf: Any, open_alerts: int
) -> None:
    """A branch's card counts its open alerts by rule as `counts_by_rule` does, most first and
    equal counts in rule order, and lists the first eight: counted from the list when it holds
    them all (fewer than eight), by the database otherwise. Resolved alerts and another
    branch's are not counted."""
    from dangjian.alerts import panels, selectors

    rules = ["no_life", "aging", "lost_contact"]  # 7 alerts: 3, 2, 2 (a tie)
    for n in range(open_alerts):
        rule = rules[n % 3]
        Alert.objects.create(
            rule=rule,
            subject=f"member:{n}",
            organization=county.east_village,
            message=f"问题{n}",
            fix="处理",
            last_seen_on=ON,
        )
    Alert.objects.create(
        rule="aging",
        subject="org:resolved",
        organization=county.east_village,
        message="已消除",
        fix="处理",
        last_seen_on=ON,
        status=AlertStatus.RESOLVED,
    )
    Alert.objects.create(
        rule="aging",
        subject="org:elsewhere",
        organization=county.south_village,
        message="别处",
        fix="处理",
        last_seen_on=ON,
    )
    request = rf.get("/")
    request.user = county.east_secretary
    card = panels.home(request, county.east_village)
    assert card is not None
    expected = selectors.counts_by_rule(county.east_village)
    assert [(row["rule"], row["n"]) for row in card["by_rule"]] == [
        (row["rule"], row["n"]) for row in expected
    ]
    assert card["total"] == open_alerts
    assert len(card["alerts"]) == min(open_alerts, panels.ALERTS_SHOWN)
    first = selectors.open_alerts_under(county.east_village).order_by("rule", "id")
    assert [a.pk for a in card["alerts"]] == [a.pk for a in first[: panels.ALERTS_SHOWN]]
