"""Pages and API: in scope and out of scope (404), the htmx step form, the PDF, the panels."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pypdfium2
import pytest
from django.test import Client

from dangjian.audit.models import AuditEvent
from dangjian.recruitment.models import Applicant, StepRecord
from dangjian.site.testing import new_id_number

from .helpers import PATH, held_meeting, new_applicant, walk

pytestmark = pytest.mark.django_db


def _pdf_text(content: bytes) -> str:
    document = pypdfium2.PdfDocument(io.BytesIO(content))
    return "".join(page.get_textpage().get_text_range() for page in document)


def test_index_shows_counts_deadlines_and_people_in_scope(client: Client, county: Any) -> None:
    walk(county, new_applicant(county), 5)
    new_applicant(county, name="李小红", applied_on=dt.date(2022, 3, 1))
    client.force_login(county.east_admin)
    response = client.get(f"/recruitment/?org={county.east.pk}&year=2022")
    text = response.content.decode()
    assert response.status_code == 200
    assert "陈小明" in text
    assert "李小红" in text
    assert "已逾期" in text  # 李小红's talk was due 2022-04-01
    htmx = client.get(
        f"/recruitment/?org={county.east.pk}&stage=ACTIVIST", headers={"HX-Request": "true"}
    )
    assert "陈小明" in htmx.content.decode()
    assert "李小红" not in htmx.content.decode()
    assert "<html" not in htmx.content.decode()


def test_index_and_record_out_of_scope_are_404(client: Client, county: Any) -> None:
    applicant = new_applicant(county)
    client.force_login(county.west_admin)
    assert client.get(f"/recruitment/?org={county.east.pk}").status_code == 404
    assert client.get(f"/recruitment/{applicant.pk}/").status_code == 404
    assert client.get(f"/recruitment/{applicant.pk}/record.pdf").status_code == 404
    assert client.post(f"/recruitment/{applicant.pk}/step/", {"step": 2}).status_code == 404
    assert client.get(f"/api/v1/recruitment/applicants/{applicant.pk}").status_code == 404
    response = client.get(f"/api/v1/recruitment/organizations/{county.east.pk}/pipeline")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_record_page_masks_numbers_and_an_observer_cannot_record(
    client: Client, county: Any
) -> None:
    applicant = new_applicant(county)
    client.force_login(county.east_observer)
    response = client.get(f"/recruitment/{applicant.pk}/")
    text = response.content.decode()
    assert applicant.id_number not in text
    assert "137******34" in text
    assert "记录此步骤" not in text
    assert client.post(f"/recruitment/{applicant.pk}/step/", {"step": 2}).status_code == 403
    assert client.post(f"/recruitment/{applicant.pk}/reveal/phone/").status_code == 403


def test_reveal_is_audited(client: Client, county: Any) -> None:
    applicant = new_applicant(county)
    client.force_login(county.east_secretary)
    response = client.post(f"/recruitment/{applicant.pk}/reveal/id_number/")
    assert applicant.id_number in response.content.decode()
    assert AuditEvent.objects.filter(action="REVEAL", target_type="recruitment.applicant").exists()


def test_create_applicant_through_the_form(client: Client, county: Any) -> None:
    client.force_login(county.east_secretary)
    assert client.get("/recruitment/new/").status_code == 200
    number = new_id_number(dt.date(2000, 2, 2), "2")
    response = client.post(
        "/recruitment/new/",
        {
            "organization": county.east_village.pk,
            "name": "刘芳",
            "id_number": number,
            "education": "21",
            "occupation": "FARMER",
            "applied_on": "2026-01-05",
            "documents": "入党申请书",
        },
    )
    applicant = Applicant.objects.get(name="刘芳")
    assert response.status_code == 302
    assert response["Location"] == f"/recruitment/{applicant.pk}/"
    assert applicant.birth_date == dt.date(2000, 2, 2)
    assert applicant.sex == "2"
    young = client.post(
        "/recruitment/new/",
        {
            "organization": county.east_village.pk,
            "name": "小刘",
            "id_number": new_id_number(dt.date(2010, 1, 1), "1"),
            "education": "21",
            "occupation": "STUDENT",
            "applied_on": "2026-01-05",
        },
    )
    assert "年满18周岁" in young.content.decode()


def test_htmx_step_form_refuses_out_of_order_and_records_in_order(
    client: Client, county: Any
) -> None:
    applicant = new_applicant(county)
    client.force_login(county.east_secretary)
    form = client.get(f"/recruitment/{applicant.pk}/step/?step=3", headers={"HX-Request": "true"})
    assert form.status_code == 200
    assert 'name="people"' in form.content.decode()
    refused = client.post(
        f"/recruitment/{applicant.pk}/step/",
        {"step": 2, "on": "2022-03-01", "people": "张三"},
        headers={"HX-Request": "true"},
    )
    assert "一个月内派人谈话" in refused.content.decode()
    assert 'name="exception_reason"' not in refused.content.decode()  # secretaries cannot
    done = client.post(
        f"/recruitment/{applicant.pk}/step/",
        {"step": 2, "on": "2022-02-01", "people": "张三"},
        headers={"HX-Request": "true"},
    )
    assert done.status_code == 204
    assert done["HX-Redirect"] == f"/recruitment/{applicant.pk}/"
    assert StepRecord.objects.filter(applicant=applicant, step=2).exists()


def test_vote_step_offers_the_recorded_meetings_with_their_counts(
    client: Client, county: Any
) -> None:
    """The form lists the branch's held general meetings with 应到/实到 from the roll and asks
    only for the ballot; a meeting of another branch is not offered and cannot be posted."""
    applicant = walk(county, new_applicant(county), 14)
    meeting = held_meeting(county, PATH[15], absent=(county.wang,))
    elsewhere = held_meeting(county, PATH[15], organization=county.south_village)
    client.force_login(county.east_secretary)
    text = client.get(f"/recruitment/{applicant.pk}/step/?step=15").content.decode()
    assert f'value="{meeting.pk}"' in text
    assert "应到 3 人，实到 2 人" in text
    assert f'value="{elsewhere.pk}"' not in text
    assert 'name="entitled"' not in text
    assert 'name="exception_reason"' not in text  # a secretary, not an administrator
    refused = client.post(
        f"/recruitment/{applicant.pk}/step/",
        {"step": 15, "meeting": elsewhere.pk, "votes_for": 1},
    )
    assert not StepRecord.objects.filter(applicant=applicant, step=15).exists()
    assert refused.status_code == 200
    short = client.post(
        f"/recruitment/{applicant.pk}/step/", {"step": 15, "meeting": meeting.pk, "votes_for": 1}
    )
    assert "至少须 2 票" in short.content.decode()
    done = client.post(
        f"/recruitment/{applicant.pk}/step/", {"step": 15, "meeting": meeting.pk, "votes_for": 2}
    )
    assert done.status_code == 302
    record = StepRecord.objects.get(applicant=applicant, step=15)
    assert (record.on, record.meeting, record.entitled, record.present) == (
        PATH[15],
        meeting,
        3,
        2,
    )
    page = client.get(f"/recruitment/{applicant.pk}/").content.decode()
    assert "人数取自会议出席记录" in page


def test_vote_step_out_of_scope_is_404(client: Client, county: Any) -> None:
    applicant = walk(county, new_applicant(county), 14)
    meeting = held_meeting(county, PATH[15])
    client.force_login(county.west_admin)
    assert client.get(f"/recruitment/{applicant.pk}/step/?step=15").status_code == 404
    posted = client.post(
        f"/recruitment/{applicant.pk}/step/", {"step": 15, "meeting": meeting.pk, "votes_for": 3}
    )
    assert posted.status_code == 404
    assert not StepRecord.objects.filter(applicant=applicant, step=15).exists()


def test_api_vote_step_takes_the_meeting(client: Client, county: Any) -> None:
    """The API names the meeting; a meeting the caller cannot read is not found."""
    applicant = walk(county, new_applicant(county), 14)
    meeting = held_meeting(county, PATH[15])
    west_meeting = held_meeting(county, PATH[15], organization=county.west_village)
    client.force_login(county.east_secretary)
    url = f"/api/v1/recruitment/applicants/{applicant.pk}/steps"
    hidden = client.post(
        url,
        json.dumps(
            {
                "step": 15,
                "on": "2023-10-10",
                "meeting_id": west_meeting.pk,
                "vote": {"votes_for": 3},
            }
        ),
        "application/json",
    )
    assert hidden.status_code == 400
    assert hidden.json()["fields"]["meeting_id"]
    missing = client.post(
        url,
        json.dumps({"step": 15, "on": "2023-10-10", "vote": {"votes_for": 3}}),
        "application/json",
    )
    assert missing.json()["code"] == "step_invalid"
    ok = client.post(
        url,
        json.dumps(
            {"step": 15, "on": "2023-10-10", "meeting_id": meeting.pk, "vote": {"votes_for": 3}}
        ),
        "application/json",
    )
    assert ok.status_code == 201
    vote_step = next(s for s in ok.json()["steps"] if s["step"] == 15)
    assert (vote_step["meeting_id"], vote_step["entitled"], vote_step["present"]) == (
        meeting.pk,
        3,
        3,
    )


def test_record_pdf_has_the_chinese_record_and_is_audited(client: Client, county: Any) -> None:
    applicant = walk(county, new_applicant(county), 17)
    client.force_login(county.east_admin)
    response = client.get(f"/recruitment/{applicant.pk}/record.pdf")
    assert response["Content-Type"] == "application/pdf"
    text = _pdf_text(response.content)
    for expected in (
        "发展党员全程纪实",
        "陈小明",
        "支部大会讨论表决",
        "应到 3，实到 3",
        "支部党员大会 讨论发展党员",
        "李四",
    ):
        assert expected in text
    assert applicant.id_number not in text
    assert AuditEvent.objects.filter(action="EXPORT", target_type="recruitment.applicant").exists()


def test_panels_on_the_organization_and_member_pages(client: Client, county: Any) -> None:
    applicant = walk(county, new_applicant(county), 17)
    client.force_login(county.east_admin)
    org_page = client.get(county.east.get_absolute_url()).content.decode()
    assert 'data-testid="recruitment-panel"' in org_page
    assert f"/recruitment/organizations/{county.east.pk}/panel/" in org_page
    counts = client.get(f"/recruitment/organizations/{county.east.pk}/panel/").content.decode()
    assert "预备党员 <strong>1</strong>" in counts
    client.force_login(county.west_admin)
    assert client.get(f"/recruitment/organizations/{county.east.pk}/panel/").status_code == 404
    client.force_login(county.east_admin)
    assert applicant.member is not None
    member_page = client.get(applicant.member.get_absolute_url()).content.decode()
    assert f"/recruitment/{applicant.pk}/" in member_page
    assert "发展党员" in client.get("/").content.decode()


def test_rules_page_and_a_local_rule(client: Client, county: Any) -> None:
    client.force_login(county.east_admin)
    page = client.get(f"/recruitment/rules/?org={county.east_village.pk}").content.decode()
    assert "《中国共产党章程》第七条" in page
    assert "地方通行做法" in page
    response = client.post(
        f"/recruitment/rules/?org={county.east.pk}",
        {
            "code": "application-to-activist",
            "organization": county.east.pk,
            "amount": 3,
            "source": "东镇党委〔2025〕1号",
        },
    )
    assert response.status_code == 302
    page = client.get(f"/recruitment/rules/?org={county.east_village.pk}").content.decode()
    assert "东镇党委〔2025〕1号" in page
    client.force_login(county.east_secretary)
    assert client.post("/recruitment/rules/", {"code": "x"}).status_code == 403


def test_probation_actions(client: Client, county: Any) -> None:
    applicant = walk(county, new_applicant(county), 20)
    client.force_login(county.east_admin)
    response = client.post(
        f"/recruitment/{applicant.pk}/extend/",
        {"months": 13, "on": "2024-09-01", "reason": "决议"},
    )
    assert "不能超过1年" in response.content.decode()
    response = client.post(
        f"/recruitment/{applicant.pk}/extend/", {"months": 6, "on": "2024-09-01", "reason": "决议"}
    )
    assert response.status_code == 302
    applicant.refresh_from_db()
    assert applicant.probation_extension_months == 6


# --- API -------------------------------------------------------------------------------------


def test_api_create_is_idempotent_and_records_steps(client: Client, county: Any) -> None:
    client.force_login(county.east_secretary)
    body = {
        "organization_id": county.east_village.pk,
        "name": "吴强",
        "id_number": new_id_number(dt.date(1999, 9, 9), "1"),
        "education": "21",
        "occupation": "WORKER",
        "applied_on": "2022-01-10",
    }
    headers = {"Idempotency-Key": "apply-1"}
    first = client.post(
        "/api/v1/recruitment/applicants", json.dumps(body), "application/json", headers=headers
    )
    again = client.post(
        "/api/v1/recruitment/applicants", json.dumps(body), "application/json", headers=headers
    )
    assert first.status_code == 201
    assert again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert Applicant.objects.filter(name="吴强").count() == 1
    assert first.json()["id_number_masked"].count("*") == 12
    applicant_id = first.json()["id"]
    refused = client.post(
        f"/api/v1/recruitment/applicants/{applicant_id}/steps",
        json.dumps({"step": 4, "on": "2022-07-20"}),
        "application/json",
    )
    assert refused.status_code == 400
    assert refused.json()["code"] == "step_order"
    late = client.post(
        f"/api/v1/recruitment/applicants/{applicant_id}/steps",
        json.dumps({"step": 2, "on": "2022-03-01"}),
        "application/json",
    )
    assert late.json()["code"] == "time_rule"
    assert "第二章" in late.json()["message"]
    ok = client.post(
        f"/api/v1/recruitment/applicants/{applicant_id}/steps",
        json.dumps({"step": 2, "on": "2022-02-01", "people": "张三"}),
        "application/json",
    )
    assert ok.status_code == 201
    assert ok.json()["next_steps"] == [3]


def test_api_pipeline_and_deadlines(client: Client, county: Any) -> None:
    new_applicant(county)
    client.force_login(county.east_observer)
    pipeline = client.get(
        f"/api/v1/recruitment/organizations/{county.east.pk}/pipeline?year=2022"
    ).json()
    assert pipeline["applicants"] == 1
    assert pipeline["applied"] == 1
    due = client.get(
        f"/api/v1/recruitment/organizations/{county.east.pk}/deadlines?on=2022-03-01"
    ).json()
    assert due[0]["step"] == 2
    assert due[0]["overdue"] is True
    listing = client.get(f"/api/v1/recruitment/applicants?organization_id={county.east.pk}")
    assert listing.json()["count"] == 1
    assert [a["name"] for a in listing.json()["items"]] == ["陈小明"]
    assert PATH[1].isoformat() == listing.json()["items"][0]["applied_on"]


def test_pipeline_page_queries_do_not_grow_with_people(client: Client, county: Any) -> None:
    """No N+1: the page costs the same number of queries for 2 people as for 6."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(county.east_admin)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/recruitment/?org={county.east.pk}").status_code == 200
        return len(captured)

    for n in range(2):
        walk(county, new_applicant(county, name=f"甲{n}"), 6)
    few = queries()
    for n in range(4):
        walk(county, new_applicant(county, name=f"乙{n}"), 16)
    assert queries() == few


def test_index_queries_do_not_grow_with_applicants(
    client: Client, county: Any, django_assert_max_num_queries: Any
) -> None:
    """The county's pipeline page (issue 20) reads as many queries for one open record with
    its deadlines as for several."""
    walk(county, new_applicant(county), 5)
    client.force_login(county.county_admin)
    with django_assert_max_num_queries(16):
        assert client.get("/recruitment/").status_code == 200
    for _n in range(3):
        walk(county, new_applicant(county), 8)
    with django_assert_max_num_queries(16):
        assert client.get("/recruitment/").status_code == 200
