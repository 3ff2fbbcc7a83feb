"""The API's contract as a client meets it (issue 21).

- the OpenAPI document names each status once per operation (Swagger UI refused it with
  "duplicated mapping key" while ninja's int keys and our str keys both said 404);
- every operation answers an unknown id with a 404 in the error shape, every status in the
  error shape (405 too), and a body that is not a JSON object is a 400 that writes nothing;
- one identifier style: members by `public_id`, organizations by code, in paths and bodies,
  and every response that carries an integer id of a member or an organization carries the
  public one beside it; the older integer ids still work.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import pytest

from dangjian.activities.models import Activity, Attendance
from dangjian.api import tokens
from dangjian.api.v1 import api
from dangjian.audit.models import AuditEvent
from dangjian.core.dates import today
from dangjian.recruitment.models import Applicant
from dangjian.site.testing import new_id_number
from dangjian.transfers.models import Outflow, Transfer

NO_SUCH = {
    "integer": "999999999",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "string": "NO-SUCH-0000",
}
# Query values an operation needs besides its ids (the year of a report, a category).
QUERY = {"year": 2025, "first": 2024, "second": 2025, "category": "employed", "which": "outgoing"}


def _schema() -> dict[str, Any]:
    return api.get_openapi_schema()


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, operations in _schema()["paths"].items()
        for method, operation in operations.items()
    ]


def _url(path: str, operation: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    query: dict[str, Any] = {}
    for parameter in operation.get("parameters", []):
        schema = parameter.get("schema", {})
        if parameter["in"] == "path":
            kind = "uuid" if schema.get("format") == "uuid" else schema.get("type", "string")
            if kind == "string" and parameter["name"] in ("public_id", "member"):
                kind = "uuid"
            path = path.replace("{" + parameter["name"] + "}", NO_SUCH[kind])
        elif parameter["in"] == "query" and parameter.get("required"):
            query[parameter["name"]] = QUERY[parameter["name"]]
    return path, query


def _required_body_fields(operation: dict[str, Any]) -> list[str]:
    body = operation.get("requestBody")
    if not body:
        return []
    content = body["content"].get("application/json") or body["content"].get("multipart/form-data")
    schema = content["schema"]
    if "$ref" in schema:
        schema = _schema()["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return list(schema.get("required", []))


def assert_error_shape(response: Any, where: str) -> dict[str, Any]:
    assert response["Content-Type"].startswith("application/json"), where
    body = response.json()
    assert set(body) == {"code", "message", "fields"}, where
    assert body["code"], where
    assert body["message"], where
    return body


@pytest.fixture
def bearer(county: Any) -> dict[str, str]:
    token = tokens.api_token_create(actor=county.county_admin, name="contract", days=1)[1]
    return {"Authorization": f"Bearer {token}"}


def test_each_status_is_named_once_per_operation() -> None:
    """The document as JSON has no key twice (what YAML and Swagger UI refuse)."""
    twice: list[str] = []

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [k for k, _ in pairs]
        twice.extend(k for k in set(keys) if keys.count(k) > 1)
        return dict(pairs)

    json.loads(json.dumps(_schema()), object_pairs_hook=no_duplicates)
    assert twice == []
    for path, method, operation in _operations():
        assert "404" in operation["responses"], (method, path)


def test_every_operation_answers_an_unknown_id_with_a_404_in_the_error_shape(
    client: Any, bearer: dict[str, str]
) -> None:
    walked = 0
    for path, method, operation in _operations():
        if "{" not in path:
            continue
        url, query = _url(path, operation)
        if method == "get":
            response = client.get(url, query, headers=bearer)
        else:
            response = getattr(client, method)(
                url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""),
                "{}",
                content_type="application/json",
                headers=bearer,
            )
        where = f"{method.upper()} {url}"
        body = assert_error_shape(response, where)
        if _required_body_fields(operation):
            # The body is checked before anything is looked up: a 400 naming the fields.
            assert response.status_code == 400, where
            assert body["fields"], where
        else:
            assert response.status_code == 404, where
            assert body["code"] == "not_found", where
        walked += 1
    assert walked >= 30


def test_every_body_that_is_not_an_object_is_refused_and_nothing_is_written(
    client: Any, county: Any, bearer: dict[str, str]
) -> None:
    before = AuditEvent.objects.count()
    walked = 0
    for path, method, operation in _operations():
        if "requestBody" not in operation:
            continue
        body_schema = operation["requestBody"]["content"].get("application/json")
        if body_schema is None:
            continue  # a file upload (multipart)
        url, query = _url(path, operation)
        for body in ([None, None], None, 7, "x"):
            response = getattr(client, method)(
                url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""),
                json.dumps(body),
                content_type="application/json",
                headers=bearer,
            )
            where = f"{method.upper()} {url} with {body!r}"
            assert response.status_code == 400, where
            assert_error_shape(response, where)
        walked += 1
    assert walked >= 15
    assert AuditEvent.objects.count() == before


def test_recording_attendance_with_null_attendees_is_refused(client: Any, county: Any) -> None:
    """`[null, null]` recorded a meeting as held with everyone present."""
    client.force_login(county.east_secretary)
    activity = Activity.objects.create(
        organization=county.east_village,
        kind="GENERAL_MEETING",
        topic="支部党员大会",
        on=today() - dt.timedelta(days=1),
    )
    for body in (
        [None, None],
        {"exceptions": [None, None]},
        {"exceptions": [{"status": "ABSENT"}]},
    ):
        response = client.post(
            f"/api/v1/activities/{activity.pk}/record",
            json.dumps(body),
            content_type="application/json",
        )
        assert response.status_code == 400, body
        assert_error_shape(response, str(body))
    activity.refresh_from_db()
    assert activity.status != "HELD"
    assert not Attendance.objects.filter(activity=activity).exists()


def test_a_method_the_address_does_not_take_is_a_405_in_the_error_shape(
    client: Any, bearer: dict[str, str]
) -> None:
    response = client.delete("/api/v1/members/", headers=bearer)
    assert response.status_code == 405
    assert "GET" in response["Allow"]
    assert assert_error_shape(response, "DELETE /api/v1/members/")["code"] == "http_405"


def test_errors_outside_the_api_stay_pages(client: Any, county: Any) -> None:
    client.force_login(county.east_admin)
    response = client.get("/members/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


# --- one identifier style ----------------------------------------------------------------------


def _components() -> dict[str, Any]:
    return _schema()["components"]["schemas"]


def test_every_response_with_an_integer_id_also_carries_the_public_one() -> None:
    missing = []
    for name, component in _components().items():
        fields = component.get("properties", {})
        if name.endswith("In") or name.endswith("Input"):
            continue
        integer_member = fields.get("member_id", {}).get("type") == "integer" or any(
            v.get("type") == "integer" for v in fields.get("member_id", {}).get("anyOf", [])
        )
        if integer_member and "member_public_id" not in fields:
            missing.append(f"{name}.member_public_id")
        if "member_ids" in fields and "member_public_ids" not in fields:
            missing.append(f"{name}.member_public_ids")
        if "organization_id" in fields and "organization_code" not in fields:
            missing.append(f"{name}.organization_code")
    assert missing == []


def test_no_operation_requires_an_integer_member_or_organization_id() -> None:
    needs = []
    for path, method, operation in _operations():
        for parameter in operation.get("parameters", []):
            name = parameter["name"]
            names_one = any(w in name for w in ("member", "org")) and (
                parameter.get("schema", {}).get("type") == "integer" or "_id" in name
            )
            if names_one and (parameter["in"] == "path" or parameter.get("required")):
                needs.append(f"{method.upper()} {path} {name}")
        for field in _required_body_fields(operation):
            if field in ("member_id", "organization_id", "to_organization_id", "member_ids"):
                needs.append(f"{method.upper()} {path} body.{field}")
    assert needs == []


def post(client: Any, url: str, body: dict[str, Any]) -> Any:
    return client.post(f"/api/v1{url}", json.dumps(body), content_type="application/json")


def test_members_by_public_id_and_organizations_by_code_everywhere(
    client: Any, county: Any
) -> None:
    client.force_login(county.east_secretary)
    village = county.east_village.code
    created = post(
        client,
        "/activities/",
        {
            "organization_code": village,
            "kind": "GENERAL_MEETING",
            "topic": "按代码建的会",
            "on": (today() - dt.timedelta(days=1)).isoformat(),
        },
    )
    assert created.status_code == 201, created.json()
    assert created.json()["organization_code"] == village
    pk = created.json()["id"]
    recorded = post(
        client,
        f"/activities/{pk}/record",
        {"exceptions": [{"member_public_id": str(county.li.public_id), "status": "ABSENT"}]},
    )
    assert recorded.status_code == 200, recorded.json()
    absent = [a for a in recorded.json()["attendance"] if a["status"] == "ABSENT"]
    assert [a["member_public_id"] for a in absent] == [str(county.li.public_id)]
    listed = client.get(f"/api/v1/activities/?org={village}").json()
    assert [a["id"] for a in listed["items"]] == [pk]
    assert (
        client.get(f"/api/v1/activities/compliance/{village}?year={today().year}").status_code
        == 200
    )
    life = client.get(f"/api/v1/activities/members/{county.zhang.public_id}/life").json()
    assert life["activities"][0]["activity_id"] == pk
    dues = client.get(f"/api/v1/dues/members/{county.zhang.public_id}")
    assert dues.json()["member_public_id"] == str(county.zhang.public_id)
    report = client.get(f"/api/v1/dues/organizations/{village}/report?year=2026")
    assert report.json()["organization_code"] == village

    outflow = post(
        client,
        "/transfers/mobile/outflows",
        {
            "member_public_id": str(county.wang.public_id),
            "region_code": "350200",
            "left_on": (today() - dt.timedelta(days=10)).isoformat(),
            "reason": "BUSINESS",
        },
    )
    assert outflow.status_code == 201, outflow.json()
    assert outflow.json()["member_public_id"] == str(county.wang.public_id)
    assert Outflow.objects.filter(member=county.wang).exists()
    transfer = post(
        client,
        "/transfers/",
        {
            "member_public_id": str(county.zhang.public_id),
            "to_organization_code": county.south_village.code,
        },
    )
    assert transfer.status_code == 201, transfer.json()
    assert transfer.json()["member_public_id"] == str(county.zhang.public_id)
    assert Transfer.objects.get(pk=transfer.json()["id"]).to_organization == county.south_village

    applicant = post(
        client,
        "/recruitment/applicants",
        {
            "organization_code": village,
            "name": "吴强",
            "id_number": new_id_number(dt.date(1999, 9, 9), "1"),
            "education": "21",
            "occupation": "WORKER",
            "applied_on": "2022-01-10",
        },
    )
    assert applicant.status_code == 201, applicant.json()
    assert applicant.json()["organization_code"] == village
    deadlines = client.get(
        f"/api/v1/recruitment/organizations/{village}/deadlines?on=2022-03-01"
    ).json()
    assert {d["organization_code"] for d in deadlines} == {village}
    step = post(
        client,
        f"/recruitment/applicants/{applicant.json()['id']}/steps",
        {
            "step": 2,
            "on": "2022-02-01",
            "people": "张三",
            "member_public_ids": [str(county.zhang.public_id)],
        },
    )
    assert step.status_code == 201, step.json()
    assert step.json()["steps"][-1]["member_public_ids"] == [str(county.zhang.public_id)]
    listing = client.get(f"/api/v1/recruitment/applicants?organization_code={village}").json()
    assert [a["name"] for a in listing["items"]] == ["吴强"]
    pipeline = client.get(f"/api/v1/recruitment/organizations/{village}/pipeline?year=2022")
    assert pipeline.json()["organization_code"] == village

    client.force_login(county.east_admin)
    east = county.east.code
    statistics = client.get(f"/api/v1/statistics/organizations/{east}/report")
    assert statistics.json()["organization_code"] == east


def test_a_member_named_twice_or_not_at_all_is_a_400_and_unknown_is_a_404(
    client: Any, county: Any
) -> None:
    client.force_login(county.east_secretary)
    both = post(
        client,
        "/transfers/",
        {"member_public_id": str(county.zhang.public_id), "member_id": county.zhang.pk},
    )
    neither = post(client, "/transfers/", {"to_organization_code": county.south_village.code})
    unknown = post(client, "/transfers/", {"member_public_id": str(uuid.uuid4())})
    outside = post(client, "/transfers/", {"member_public_id": str(county.sun.public_id)})
    assert both.status_code == neither.status_code == 400
    assert "member_public_id" in both.json()["fields"]
    assert unknown.status_code == outside.status_code == 404
    assert "孙八" not in outside.content.decode()
    sponsor = post(
        client,
        "/recruitment/applicants",
        {
            "organization_code": "NO-SUCH",
            "name": "吴强",
            "id_number": new_id_number(dt.date(1999, 9, 9), "1"),
            "education": "21",
            "occupation": "WORKER",
            "applied_on": "2022-01-10",
        },
    )
    assert sponsor.status_code == 404
    assert not Applicant.objects.filter(name="吴强").exists()
    assert not Transfer.objects.exists()
