"""Where to attend: host places, the signed directory, its import, and the mobile member's
places on /me/ with the next activity day."""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from nacl.signing import SigningKey

from dangjian.core import signing
from dangjian.core.dates import today
from dangjian.exchange import documents, trust
from dangjian.places import selectors, services
from dangjian.places.days import day_in_month, next_activity_day
from dangjian.places.models import DirectoryImport, ForeignPlace, HostPlace
from dangjian.site.testing import system_user
from dangjian.transfers import mobile
from dangjian.transfers.choices import OutflowReason

OTHER = SigningKey(
    bytes.fromhex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb")
)
OTHER_KID = signing.key_id(bytes(OTHER.verify_key)).hex()


# --- the activity day ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("week", "weekday", "expected"),
    [
        (1, 5, dt.date(2026, 5, 1)),  # May 2026 starts on a Friday
        (2, 5, dt.date(2026, 5, 8)),
        (1, 4, dt.date(2026, 5, 7)),  # the first Thursday is in the second week
        (5, 5, dt.date(2026, 5, 29)),  # the last Friday
        (5, 7, dt.date(2026, 5, 31)),  # the last day is itself a Sunday
        (4, 5, dt.date(2026, 5, 22)),
    ],
)
def test_the_day_in_a_month(week: int, weekday: int, expected: dt.date) -> None:
    assert day_in_month(2026, 5, week, weekday) == expected


def test_the_next_activity_day_is_this_months_until_it_has_passed() -> None:
    assert next_activity_day(1, 5, dt.date(2026, 5, 1)) == dt.date(2026, 5, 1)  # that day
    assert next_activity_day(1, 5, dt.date(2026, 5, 2)) == dt.date(2026, 6, 5)  # the day after
    assert next_activity_day(5, 5, dt.date(2026, 12, 26)) == dt.date(2027, 1, 29)  # year end


# --- places and the directory -----------------------------------------------------------------


def _place(county: Any, **over: Any) -> HostPlace:
    data = {
        "name": "红岩家园党员服务中心",
        "kind": "centre",
        "address": "东镇人民路 1 号",
        "region_code": "360730",
        "week_of_month": 5,
        "weekday": 5,
        "start_time": dt.time(9, 0),
        "contact": "0797-1234567",
        "active": True,
        **over,
    }
    return services.place_save(actor=county.east_admin, organization=county.east, data=data)


@pytest.mark.django_db
def test_a_manager_registers_a_place_of_their_organization_only(county: Any) -> None:
    place = _place(county)
    assert place.activity_day_text == "每月最后一个周五"
    with pytest.raises(PermissionDenied):
        services.place_save(actor=county.east_admin, organization=county.west, data={"name": "x"})
    with pytest.raises(ValidationError):
        _place(county, region_code="36073")  # not six digits


def _directory(places: list[dict[str, Any]], issued_at: str = "2026-12-01T09:00:00+08:00") -> Any:
    payload = {"issued_at": issued_at, "places": places}
    return {
        "format": services.DIRECTORY_FORMAT,
        "issuer": "CN-B",
        "kid": OTHER_KID,
        "signature": signing.b64url(OTHER.sign(documents.canonical(payload)).signature),
        "payload": payload,
    }


def _entry(**over: Any) -> dict[str, Any]:
    return {
        "id": "3d1c7a52-0f7e-4a49-9a5e-0b6a7c8d9e10",
        "name": "乙县党员服务中心",
        "kind": "centre",
        "organization": {"name": "乙县党员服务中心党支部", "code": "B0002"},
        "address": "深圳市南山区某路 8 号",
        "region": "440305",
        "activity_day": {"week": 1, "weekday": 5},
        "start_time": "09:30",
        "contact": "0755-7654321",
        **over,
    }


def _trust_b() -> None:
    public = bytes(OTHER.verify_key)
    trust.trusted_keys_import(
        actor=system_user(),
        document=json.dumps(
            {
                "format": "dangjian-public-keys/1",
                "issuer": "CN-B",
                "keys": [{"kid": OTHER_KID, "public_key": signing.b64url(public)}],
            }
        ),
    )


@pytest.mark.django_db
def test_the_directory_is_signed_and_an_import_replaces_the_issuers_places(county: Any) -> None:
    _place(county)
    _place(county, name="未公布的场所", active=False)
    own = services.directory_export(actor=county.county_admin)
    verified = documents.verify(own, services.DIRECTORY_FORMAT, what="t")
    assert [p["name"] for p in verified.payload["places"]] == ["红岩家园党员服务中心"]
    with pytest.raises(ValidationError) as caught:
        services.directory_import(actor=county.county_admin, document=own)
    assert caught.value.code == "own"

    _trust_b()
    first = services.directory_import(actor=county.county_admin, document=_directory([_entry()]))
    assert (first.issuer, first.kid, first.places) == ("CN-B", OTHER_KID, 1)
    second = services.directory_import(
        actor=county.county_admin,
        document=_directory(
            [_entry(id="9a0e0f31-2b3c-4d5e-8f70-8192a3b4c5d6", name="乙县第二服务站")],
            issued_at="2026-12-02T09:00:00+08:00",
        ),
    )
    assert second.places == 1
    assert list(ForeignPlace.objects.values_list("name", flat=True)) == ["乙县第二服务站"]


@pytest.mark.django_db
def test_refused_directories_write_nothing(county: Any) -> None:
    document = _directory([_entry()])

    def refused(doc: Any) -> str:
        with pytest.raises(ValidationError) as caught:
            services.directory_import(actor=county.county_admin, document=doc)
        return str(caught.value.code)

    assert refused(document) == "unknown_issuer"
    _trust_b()
    tampered = copy.deepcopy(document)
    tampered["payload"]["places"][0]["address"] = "别处"
    assert refused(tampered) == "bad_signature"
    assert refused(_directory([_entry(activity_day={"week": 6, "weekday": 5})])) == "incomplete"
    assert refused(_directory([_entry(), _entry()])) == "incomplete"  # one id twice
    assert not DirectoryImport.objects.exists()
    assert not ForeignPlace.objects.exists()
    services.directory_import(actor=county.county_admin, document=document)
    assert refused(document) == "older"  # replayed
    assert refused(_directory([_entry()], issued_at="2026-11-01T09:00:00+08:00")) == "older"
    assert DirectoryImport.objects.count() == 1
    with pytest.raises(PermissionDenied):
        services.directory_import(actor=county.east_admin, document=document)


@pytest.mark.django_db
def test_places_in_the_region_a_member_went_to(county: Any) -> None:
    _trust_b()
    services.directory_import(
        actor=county.county_admin,
        document=_directory(
            [
                _entry(),
                _entry(id="9a0e0f31-2b3c-4d5e-8f70-8192a3b4c5d6", name="广州某站", region="440106"),
            ]
        ),
    )
    _place(county)
    on = dt.date(2026, 12, 7)
    shenzhen = selectors.places_in_region("440300", on)
    assert [(n.place.name, n.next_day) for n in shenzhen] == [
        ("乙县党员服务中心", dt.date(2027, 1, 1))
    ]
    assert shenzhen[0].issuer == "CN-B"
    guangdong = selectors.places_in_region("440000", on)
    assert {n.place.name for n in guangdong} == {"乙县党员服务中心", "广州某站"}
    assert [n.place.name for n in selectors.places_in_region("360700", on)] == [
        "红岩家园党员服务中心"
    ]


@pytest.mark.django_db
def test_a_mobile_members_portal_shows_the_places_where_they_went(
    client: Client, county: Any
) -> None:
    _trust_b()
    services.directory_import(actor=county.county_admin, document=_directory([_entry()]))
    client.force_login(county.member_user)
    assert "乙县党员服务中心" not in client.get("/me/").content.decode()  # not mobile
    mobile.outflow_create(
        actor=county.east_secretary,
        member=county.zhang,
        region_code="440300",
        left_on=today() - dt.timedelta(days=30),
        reason=OutflowReason.WORK,
    )
    page = client.get("/me/").content.decode()
    assert "乙县党员服务中心" in page
    assert "每月第一个周五" in page
    assert next_activity_day(1, 5, today()).isoformat() in page
    # Kept for offline use: the panel registers the service worker whose scope is /me/.
    assert 'data-sw-url="/me/sw.js"' in page
    worker = client.get("/me/sw.js")
    assert worker["Content-Type"] == "application/javascript"
    assert b"caches.match" in worker.content


@pytest.mark.django_db
def test_the_places_pages(client: Client, county: Any) -> None:
    client.force_login(county.east_admin)
    response = client.post(
        "/places/new/",
        {
            "organization": county.east.pk,
            "name": "东镇服务站",
            "kind": "branch",
            "address": "东镇",
            "region_code": "360730",
            "week_of_month": 1,
            "weekday": 5,
            "start_time": "",
            "contact": "0797-1",
            "active": "on",
        },
    )
    assert response.status_code == 302
    place = HostPlace.objects.get(name="东镇服务站")
    assert "东镇服务站" in client.get("/places/").content.decode()
    assert client.post("/places/directory.json").status_code == 403  # not top-level
    client.force_login(county.west_admin)
    assert client.get(f"/places/{place.pk}/").status_code == 404
    assert "东镇服务站" not in client.get("/places/").content.decode()
    client.force_login(county.member_user)
    assert client.get("/places/").status_code == 403
    client.force_login(county.county_admin)
    exported = client.post("/places/directory.json")
    assert json.loads(exported.content)["payload"]["places"][0]["name"] == "东镇服务站"
    _trust_b()
    upload = SimpleUploadedFile("d.json", documents.dumps(_directory([_entry()])))
    assert client.post("/places/", {"file": upload}).status_code == 302
    assert "乙县党员服务中心" in client.get("/places/").content.decode()


@pytest.mark.django_db
def test_the_api_exports_and_imports_directories(client: Client, county: Any) -> None:
    """/api/v1/places/…: a top-level administrator exports and imports; a refused directory
    answers in the error shape and writes nothing; the list names the signing key."""
    _place(county)

    def post(path: str, body: Any = None) -> Any:
        return client.post(f"/api/v1/places/{path}", body or {}, content_type="application/json")

    client.force_login(county.east_admin)
    assert post("directory/export").status_code == 403
    assert post("directory/import", {"document": _directory([_entry()])}).status_code == 403
    client.force_login(county.county_admin)
    own = post("directory/export").json()
    assert documents.verify(own, services.DIRECTORY_FORMAT, what="t").payload["places"][0][
        "name"
    ] == ("红岩家园党员服务中心")
    unknown = post("directory/import", {"document": _directory([_entry()])})
    assert (unknown.status_code, unknown.json()["code"]) == (400, "unknown_issuer")
    assert not DirectoryImport.objects.exists()
    _trust_b()
    imported = post("directory/import", {"document": _directory([_entry()])})
    assert imported.status_code == 201
    assert (imported.json()["issuer"], imported.json()["kid"]) == ("CN-B", OTHER_KID)
    listed = client.get("/api/v1/places/directories").json()
    assert [(d["issuer"], d["kid"], d["places"]) for d in listed["items"]] == [
        ("CN-B", OTHER_KID, 1)
    ]
