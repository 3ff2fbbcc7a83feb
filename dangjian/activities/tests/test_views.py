"""Every page and API call for a user in scope and one out of scope (404, nothing leaked)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dangjian.activities import services
from dangjian.activities.choices import ActivityKind, ActivityStatus, AttendanceStatus, Grade
from dangjian.activities.models import Activity, Attendance, ReviewRound, TrainingCourse, Vote
from dangjian.audit.choices import AuditAction
from dangjian.audit.models import AuditEvent
from dangjian.core.dates import today
from dangjian.site.testing import build_member

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


@pytest.fixture
def held(county, make_activity):
    meeting = make_activity(topic="东村专题会")
    services.activity_record(
        actor=county.east_secretary,
        activity=meeting,
        exceptions={county.li.pk: (AttendanceStatus.LEAVE, "外出")},
    )
    services.attendance_add_guest(
        actor=county.east_secretary,
        activity=meeting,
        member=county.sun,
        via="certificate",
        certificate_serial="C-1",
    )
    services.attachment_add(
        actor=county.east_secretary, activity=meeting, upload=SimpleUploadedFile("会场.png", PNG)
    )
    return meeting


@pytest.fixture
def pages(county, held):
    review = services.review_open(
        actor=county.east_secretary, organization=county.east_village, year=today().year
    )
    course = services.course_create(
        actor=county.east_admin,
        organization=county.east_village,
        title="东村冬训",
        form="CENTRAL",
        starts_on=today(),
        ends_on=today(),
    )
    return {
        "detail": reverse("activities:detail", args=[held.pk]),
        "edit": reverse("activities:edit", args=[held.pk]),
        "record": reverse("activities:record", args=[held.pk]),
        "attachment": reverse("activities:attachment", args=[held.attachments.get().pk]),
        "compliance": reverse("activities:compliance", args=[county.east_village.pk]),
        "ledger_xlsx": reverse(
            "activities:ledger", args=[county.east_village.pk, held.on.year, "xlsx"]
        ),
        "review": reverse("activities:review", args=[review.pk]),
        "course": reverse("activities:course", args=[course.pk]),
        "self": reverse(
            "activities:self_assessment", args=[review.entries.get(member=county.li).pk]
        ),
    }


def test_in_scope_pages_render(client, county, held, pages):
    client.force_login(county.east_secretary)
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, name
    body = client.get(pages["detail"]).content.decode()
    assert "应到 4 人，实到 3 人，请假 1 人，缺席 0 人，列席 1 人" in body
    assert "孙八" in body
    assert "西村党支部" in body
    assert "东村专题会" in client.get(reverse("activities:list")).content.decode()


def test_out_of_scope_is_404_and_leaks_nothing(client, county, held, pages):
    client.force_login(county.west_admin)
    for name, url in pages.items():
        response = client.get(url)
        assert response.status_code == 404, name
        assert "东村" not in response.content.decode(), name
    listing = client.get(reverse("activities:list")).content.decode()
    assert "东村专题会" not in listing
    assert (
        client.get(reverse("activities:calendar") + f"?month={held.on:%Y-%m}")
        .content.decode()
        .count("东村专题会")
        == 0
    )
    for url in (
        reverse("activities:guest_add", args=[held.pk]),
        reverse("activities:vote_add", args=[held.pk]),
        reverse("activities:cancel", args=[held.pk]),
    ):
        assert client.post(url, {}).status_code == 404


def test_observer_reads_but_may_not_write(client, county, held, pages):
    client.force_login(county.east_observer)
    assert client.get(pages["detail"]).status_code == 200
    assert client.get(pages["record"]).status_code == 403
    assert (
        client.post(
            reverse("activities:vote_add", args=[held.pk]),
            {"subject": "x", "in_favour": 3, "against": 0, "abstained": 0},
        ).status_code
        == 403
    )
    assert client.get(reverse("activities:create")).status_code == 403


def test_member_role_sees_own_life_not_the_activity(client, county, held, pages):
    client.force_login(county.member_user)
    assert client.get(pages["detail"]).status_code == 404
    page = client.get(reverse("members:detail", args=[county.zhang.pk])).content.decode()
    assert "东村专题会" in page
    assert "最近一次参加组织生活" in page
    assert client.get(pages["self"]).status_code == 404  # 李四's entry
    own = ReviewRound.objects.get().entries.get(member=county.zhang)
    response = client.post(
        reverse("activities:self_assessment", args=[own.pk]), {"text": "按时参加组织生活"}
    )
    assert response.status_code == 302


def test_guest_marked_on_home_member_page(client, county, held):
    client.force_login(county.west_admin)
    page = client.get(reverse("members:detail", args=[county.sun.pk])).content.decode()
    assert "列席：东村党支部" in page
    assert f'href="/activities/{held.pk}/"' not in page  # no link into another township


def test_record_screen_all_present_by_default_and_exceptions(client, county, make_activity):
    meeting = make_activity()
    client.force_login(county.east_secretary)
    url = reverse("activities:record", args=[meeting.pk])
    page = client.get(url).content.decode()
    assert page.count('value="PRESENT" checked') == 4
    bad = client.post(url, {f"status_{county.li.pk}": "LEAVE", f"reason_{county.li.pk}": ""})
    assert bad.status_code == 200
    assert "请填写 李四 的请假事由" in bad.content.decode()
    assert not Attendance.objects.filter(activity=meeting).exists()
    good = client.post(
        url,
        {
            f"status_{county.li.pk}": "ABSENT",
            f"status_{county.wang.pk}": "ABSENT",
            "minutes": "会议记录",
        },
    )
    assert good.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == ActivityStatus.HELD
    assert meeting.minutes == "会议记录"
    assert meeting.attendance.filter(status="ABSENT").count() == 2


def test_guest_by_id_number_and_vote_through_the_page(client, county, make_activity):
    meeting = make_activity()
    services.activity_record(actor=county.east_secretary, activity=meeting)
    client.force_login(county.east_secretary)
    # A member of another township and a number nobody holds get the same answer, naming nobody.
    answers = []
    for number in (county.sun.id_number, "110101199001011234"):
        response = client.post(
            reverse("activities:guest_add", args=[meeting.pk]), {"id_number": number}, follow=True
        )
        body = response.content.decode()
        assert "不在您的管理范围内" in body
        assert "孙八" not in body
        assert "西村" not in body
        answers.append(body.count("不在您的管理范围内"))
    assert answers[0] == answers[1]
    assert not meeting.attendance.filter(is_guest=True).exists()
    client.post(
        reverse("activities:vote_add", args=[meeting.pk]),
        {"subject": "接收预备党员", "in_favour": 3, "against": 0, "abstained": 0},
    )
    assert Vote.objects.get(activity=meeting).passed


def test_create_edit_and_calendar(client, county):
    client.force_login(county.east_secretary)
    day = today() + dt.timedelta(days=3)
    response = client.post(
        reverse("activities:create"),
        {
            "organization": county.east_village.pk,
            "kind": ActivityKind.THEME_DAY,
            "topic": "重温入党誓词",
            "on": day.isoformat(),
            "start_time": "09:00",
            "place": "活动室",
        },
    )
    assert response.status_code == 302
    activity = Activity.objects.get(topic="重温入党誓词")
    calendar = client.get(reverse("activities:calendar") + f"?month={day:%Y-%m}").content.decode()
    assert activity.get_absolute_url() in calendar
    assert client.get(reverse("activities:calendar") + "?month=2026-13").status_code == 404
    edit = client.post(
        reverse("activities:edit", args=[activity.pk]),
        {
            "kind": ActivityKind.THEME_DAY,
            "topic": "新主题",
            "on": day.isoformat(),
            "host": county.zhang.pk,
        },
    )
    assert edit.status_code == 302
    activity.refresh_from_db()
    assert (activity.topic, activity.host) == ("新主题", county.zhang)
    # a township's organization is not the secretary's: the form refuses it
    other = client.post(
        reverse("activities:create"),
        {
            "organization": county.west_village.pk,
            "kind": "THEME_DAY",
            "topic": "x",
            "on": day.isoformat(),
        },
    )
    assert other.status_code == 200
    assert not Activity.objects.filter(organization=county.west_village).exists()


def test_attachment_served_privately_and_export_is_audited(client, county, held, pages):
    client.force_login(county.east_secretary)
    response = client.get(pages["attachment"])
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    assert "no-store" in response["Cache-Control"]
    assert client.get(f"/media/{held.attachments.get().file.name}").status_code == 404
    xlsx = client.get(pages["ledger_xlsx"])
    assert xlsx.status_code == 200
    assert xlsx.content[:2] == b"PK"
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT, summary="导出组织生活台账").exists()
    assert (
        client.get(
            reverse("activities:ledger", args=[county.east_village.pk, 2026, "exe"])
        ).status_code
        == 404
    )


def test_organization_page_shows_the_compliance_sentence(client, county, held):
    client.force_login(county.east_admin)
    page = client.get(county.east.get_absolute_url()).content.decode()
    assert 'data-testid="compliance-panel"' in page
    assert "支部党员大会" in page
    assert "党支部 2 个" in page


def test_review_grading_page_applies_the_cap(client, county):
    review = services.review_open(
        actor=county.east_secretary,
        organization=county.east_village,
        year=today().year,
        excellent_cap_percent=25,
    )
    client.force_login(county.east_secretary)
    url = reverse("activities:review", args=[review.pk])
    data = {f"grade_{m.pk}": Grade.EXCELLENT for m in (county.zhang, county.li)}
    response = client.post(url, data, follow=True)
    assert "超过上限" in response.content.decode()
    assert not review.entries.filter(grade=Grade.EXCELLENT).exists()
    client.post(
        url,
        {f"grade_{county.zhang.pk}": Grade.EXCELLENT, f"grade_{county.li.pk}": Grade.UNQUALIFIED},
    )
    entry = review.entries.get(member=county.li)
    assert entry.grade == Grade.UNQUALIFIED
    client.post(
        reverse("activities:review_handle", args=[entry.pk]),
        {"handling": "CORRECT", "on": today().isoformat(), "reason": "支部大会决议"},
    )
    entry.refresh_from_db()
    assert entry.handling == "CORRECT"


def test_training_pages(client, county):
    client.force_login(county.east_secretary)
    response = client.post(
        reverse("activities:training"),
        {
            "organization": county.east_village.pk,
            "title": "党章学习班",
            "form": "PARTY_SCHOOL",
            "starts_on": today().isoformat(),
            "ends_on": today().isoformat(),
        },
    )
    course = TrainingCourse.objects.get()
    assert response.status_code == 302
    client.post(
        course.get_absolute_url(),
        {
            "on": today().isoformat(),
            "topic": "第一课",
            "hours": "2",
            "participants": [county.zhang.pk, county.li.pk],
        },
    )
    assert course.sessions.get().participants.count() == 2
    page = client.get(reverse("activities:training")).content.decode()
    assert "党章学习班" in page


def test_frequency_page_only_for_top_administrator(client, county):
    client.force_login(county.east_admin)
    response = client.post(
        reverse("activities:frequency"),
        {"kind": "PARTY_LECTURE", "period": "QUARTER", "times": 2, "active": "on"},
        follow=True,
    )
    assert "只有最上级党组织的管理员" in response.content.decode()
    client.force_login(county.county_admin)
    client.post(
        reverse("activities:frequency"),
        {"kind": "PARTY_LECTURE", "period": "QUARTER", "times": 2, "active": "on"},
    )
    from dangjian.activities.models import FrequencyRule

    assert FrequencyRule.objects.get(kind="PARTY_LECTURE").times == 2


# --- API ---------------------------------------------------------------------------------


def api(client, method, path, body=None, **headers):
    call = getattr(client, method)
    if body is None:
        return call(f"/api/v1/activities{path}", headers=headers)
    return call(
        f"/api/v1/activities{path}",
        json.dumps(body),
        content_type="application/json",
        headers=headers,
    )


def test_api_create_record_guest_vote_and_read(client, county):
    client.force_login(county.east_secretary)
    day = (today() - dt.timedelta(days=1)).isoformat()
    body = {
        "organization_id": county.east_village.pk,
        "kind": "GENERAL_MEETING",
        "topic": "API 会议",
        "on": day,
    }
    first = api(client, "post", "/", body, **{"Idempotency-Key": "k-1"})
    again = api(client, "post", "/", body, **{"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert Activity.objects.filter(topic="API 会议").count() == 1
    pk = first.json()["id"]
    recorded = api(
        client,
        "post",
        f"/{pk}/record",
        {
            "exceptions": [
                {"member_id": county.li.pk, "status": "ABSENT"},
                {"member_id": county.wang.pk, "status": "LEAVE", "reason": "病假"},
            ]
        },
    )
    assert recorded.status_code == 200
    assert (recorded.json()["quorum_entitled"], recorded.json()["quorum_present"]) == (3, 1)
    # 钱七 (南村) is outside the secretary's branch: refused, and the answer names nobody.
    outside = api(client, "post", f"/{pk}/guests", {"id_number": county.qian.id_number})
    assert outside.status_code == 400
    assert outside.json()["code"] == "guest_out_of_scope"
    assert "钱七" not in outside.text
    assert "南村" not in outside.text
    client.force_login(county.east_admin)  # the township reads 南村: the guest is recorded
    guest = api(client, "post", f"/{pk}/guests", {"id_number": county.qian.id_number})
    assert guest.status_code == 201
    assert guest.json()["home_organization"] == "南村党支部"
    client.force_login(county.east_secretary)
    refused = api(client, "post", f"/{pk}/votes", {"subject": "x", "in_favour": 1})
    assert refused.status_code == 400
    assert refused.json()["code"] == "no_quorum"
    bad = api(
        client,
        "post",
        f"/{pk}/record",
        {"exceptions": [{"member_id": county.li.pk, "status": "LEAVE"}]},
    )
    assert bad.status_code == 400
    assert bad.json()["fields"]
    assert (
        api(client, "get", f"/compliance/{county.east_village.pk}?year={today().year}").json()[
            "branches"
        ]
        == 1
    )
    life = api(client, "get", f"/members/{county.zhang.pk}/life").json()
    assert life["activities"][0]["topic"] == "API 会议"
    assert life["activities"][0]["is_guest"] is False
    # 钱七 (南村) is outside the branch secretary's scope, even though he came as a guest.
    assert api(client, "get", f"/members/{county.qian.pk}/life").status_code == 404


def test_api_out_of_scope_is_404(client, county, held):
    client.force_login(county.west_admin)
    assert api(client, "get", f"/{held.pk}").status_code == 404
    assert api(client, "post", f"/{held.pk}/record", {"exceptions": []}).status_code == 404
    assert (
        api(client, "post", f"/{held.pk}/votes", {"subject": "x", "in_favour": 1}).status_code
        == 404
    )
    assert api(client, "get", f"/compliance/{county.east_village.pk}?year=2026").status_code == 404
    assert api(client, "get", f"/members/{county.zhang.pk}/life").status_code == 404
    assert "东村" not in json.dumps(api(client, "get", "/").json())
    body = {
        "organization_id": county.east_village.pk,
        "kind": "THEME_DAY",
        "topic": "x",
        "on": today().isoformat(),
    }
    assert api(client, "post", "/", body).status_code == 404
    client.force_login(county.east_observer)
    assert api(client, "post", "/", body).status_code == 403


def test_pages_in_english(client, county, held, pages):
    from django.utils import translation

    client.force_login(county.east_secretary)
    client.cookies["django_language"] = "en"
    try:
        body = client.get(pages["detail"]).content.decode()
        assert "Expected 4, present 3, on leave 1, absent 0, guests 1." in body
        assert "Branch general meeting" in body
        record = client.get(pages["record"]).content.decode()
        assert "Everyone is present unless you mark them" in record
        compliance = client.get(pages["compliance"]).content.decode()
        assert "Members with no organizational life in six months" in compliance
    finally:
        translation.activate("zh-hans")


def test_county_compliance_queries_do_not_grow_with_activities(
    client, county, make_activity, django_assert_max_num_queries
):
    """The county's compliance page (issue 20) reads a fixed number of queries, with one
    activity held or several in several branches (12 for the branches; the leadership teams'
    section, decision 0220, adds 2; the subtree's size, decision 0283, 1)."""
    queries = 15
    make_activity()
    client.force_login(county.county_admin)
    url = reverse("activities:compliance", args=[county.county.pk])
    with django_assert_max_num_queries(queries):
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for organization in (county.east_village, county.west_village):
        for kind in (ActivityKind.GENERAL_MEETING, ActivityKind.PARTY_LECTURE):
            make_activity(organization=organization, kind=kind)
    # More members, some long without organizational life (the page lists them).
    for n in range(6):
        build_member(
            organization=county.west_village,
            name=f"党员{n}",
            joined_on=dt.date(2010, 7, 1),
            started_on=dt.date(2020, 1, 1),
        )
    with django_assert_max_num_queries(queries):
        assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as many:
        body = client.get(url).content.decode()
    assert len(many) == len(few)
    assert "党员5" in body  # listed without life
