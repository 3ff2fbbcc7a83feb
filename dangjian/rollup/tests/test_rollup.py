"""Statistics up the tree: the signed package, its import by the deployment above, missing,
late and superseded packages, and the report that sums them."""

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
from dangjian.reports.report import report_compute
from dangjian.rollup import selectors, services
from dangjian.rollup.models import StatisticsPackage
from dangjian.site.testing import system_user

pytestmark = pytest.mark.django_db

CHILD = SigningKey(
    bytes.fromhex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb")
)
CHILD_KID = signing.key_id(bytes(CHILD.verify_key)).hex()
AS_OF = today() - dt.timedelta(days=1)


def _trust_child() -> None:
    trust.trusted_keys_import(
        actor=system_user(),
        document=json.dumps(
            {
                "format": "dangjian-public-keys/1",
                "issuer": "CN-CHILD",
                "keys": [{"kid": CHILD_KID, "public_key": signing.b64url(bytes(CHILD.verify_key))}],
            }
        ),
    )


def _sign(payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "format": services.PACKAGE_FORMAT,
        "issuer": "CN-CHILD",
        "kid": CHILD_KID,
        "signature": signing.b64url(CHILD.sign(documents.canonical(payload)).signature),
        "payload": payload,
    }


def _child_package(county: Any, *, hour: int = 10) -> dict[str, Any]:
    """The west township's report, as if it were a child deployment's whole report."""
    report = report_compute(county.west, AS_OF)
    at = dt.datetime.combine(AS_OF, dt.time(hour), tzinfo=dt.UTC)
    return _sign(services.package_payload(report, frozen=False, exported_at=at))


def test_the_package_carries_tables_summary_digest_counts_and_version(county: Any) -> None:
    document = services.statistics_package_export(
        actor=county.county_admin, organization=county.county, as_of=AS_OF
    )
    payload = documents.verify(document, services.PACKAGE_FORMAT, what="t").payload
    assert payload["as_of"] == AS_OF.isoformat()
    assert payload["snapshot"]["members"] == 6
    assert payload["snapshot"]["sha256"] == services.tables_digest(payload["tables"])
    assert payload["software_version"]
    assert "共有党员6名" in payload["summary"]
    with pytest.raises(PermissionDenied):
        services.statistics_package_export(
            actor=county.east_admin, organization=county.east, as_of=AS_OF
        )


def test_the_deployment_above_sums_its_own_report_and_its_childrens(county: Any) -> None:
    _trust_child()
    services.child_register(actor=county.county_admin, issuer="CN-CHILD", name="西县")
    assert [s.state for s in selectors.child_states(AS_OF)] == ["missing"]
    package = services.statistics_package_import(
        actor=county.county_admin, document=_child_package(county)
    )
    assert (package.members, package.kid) == (1, CHILD_KID)
    report, states = selectors.rollup_report(county.county, AS_OF)
    assert [s.state for s in states] == ["received"]
    own = report_compute(county.county, AS_OF)
    assert report.value("members", "total") == own.value("members", "total") + 1 == 7
    for table in own.tables:
        for row in table.rows:
            child = report_compute(county.west, AS_OF).value(table.key, row.key, 0)
            assert report.value(table.key, row.key, 0) == row.values[0] + child, (
                table.key,
                row.key,
            )
    assert "共有党员7名" in report.summary


def test_a_newer_package_supersedes_and_a_late_one_is_marked(county: Any) -> None:
    _trust_child()
    services.child_register(actor=county.county_admin, issuer="CN-CHILD", name="西县")
    services.round_set(actor=county.county_admin, as_of=AS_OF, due_on=AS_OF - dt.timedelta(days=1))
    first = services.statistics_package_import(
        actor=county.county_admin, document=_child_package(county, hour=9)
    )
    second = services.statistics_package_import(
        actor=county.county_admin, document=_child_package(county, hour=11)
    )
    first.refresh_from_db()
    assert first.superseded_by == second
    (state,) = selectors.child_states(AS_OF)
    assert (state.current, state.superseded, state.state) == (second, [first], "late")
    report, _states = selectors.rollup_report(county.county, AS_OF)
    assert report.value("members", "total") == 7  # counted once


def test_refused_packages_write_nothing(county: Any) -> None:
    document = _child_package(county)

    def refused(doc: Any) -> str:
        with pytest.raises(ValidationError) as caught:
            services.statistics_package_import(actor=county.county_admin, document=doc)
        return str(caught.value.code)

    assert refused(document) == "unknown_issuer"
    _trust_child()
    assert refused(document) == "not_a_child"
    services.child_register(actor=county.county_admin, issuer="CN-CHILD", name="西县")
    tampered = copy.deepcopy(document)
    tampered["payload"]["tables"][0]["rows"][0]["values"][0] += 100
    assert refused(tampered) == "bad_signature"
    # Signed by the child, but the tables do not match the digest and counts they carry.
    inconsistent = copy.deepcopy(document["payload"])
    inconsistent["tables"][0]["rows"][0]["values"][0] += 100
    assert refused(_sign(inconsistent)) == "digest_mismatch"
    broken = copy.deepcopy(document["payload"])
    broken["tables"] = "none"
    assert refused(_sign(broken)) == "incomplete"
    assert not StatisticsPackage.objects.exists()
    services.statistics_package_import(actor=county.county_admin, document=document)
    assert refused(document) == "older"  # replayed
    assert refused(_child_package(county, hour=8)) == "older"
    assert StatisticsPackage.objects.count() == 1
    with pytest.raises(PermissionDenied):
        services.statistics_package_import(actor=county.east_admin, document=document)


def test_the_rollup_page(client: Client, county: Any) -> None:
    _trust_child()
    client.force_login(county.east_admin)
    assert client.get("/rollup/").status_code == 403
    client.force_login(county.county_admin)
    response = client.post("/rollup/", {"child-issuer": "CN-CHILD", "child-name": "西县"})
    assert response.status_code == 302
    upload = SimpleUploadedFile("s.json", documents.dumps(_child_package(county)))
    response = client.post(f"/rollup/?as_of={AS_OF.isoformat()}", {"package-file": upload})
    assert response.status_code == 302
    page = client.get(f"/rollup/?as_of={AS_OF.isoformat()}").content.decode()
    assert "共有党员7名" in page
    assert 'data-state="received"' in page
    assert f"/rollup/report.xlsx?as_of={AS_OF.isoformat()}" in page  # the exports, below
    # A due date already passed: the package that came in today is late.
    due = (AS_OF - dt.timedelta(days=1)).isoformat()
    response = client.post(f"/rollup/?as_of={AS_OF.isoformat()}", {"round-due_on": due})
    assert response.status_code == 302
    page = client.get(f"/rollup/?as_of={AS_OF.isoformat()}").content.decode()
    assert 'data-state="late"' in page
    assert due in page
    exported = client.post("/rollup/export/", {"as_of": AS_OF.isoformat()})
    assert json.loads(exported.content)["payload"]["snapshot"]["members"] == 6


def test_the_summed_report_exports_the_pages_figures(
    client: Client, county: Any, monkeypatch: Any
) -> None:
    """The same exports as the own annual report: the workbook's figures and the PDF's text are
    the summed report's, own data plus the child's package."""
    import io

    from python_calamine import CalamineWorkbook

    from dangjian.core import pdf

    _trust_child()
    services.child_register(actor=county.county_admin, issuer="CN-CHILD", name="西县")
    services.statistics_package_import(actor=county.county_admin, document=_child_package(county))
    report, _states = selectors.rollup_report(county.county, AS_OF)
    client.force_login(county.east_admin)
    assert client.get("/rollup/report.xlsx").status_code == 403
    client.force_login(county.county_admin)
    response = client.get(f"/rollup/report.xlsx?as_of={AS_OF.isoformat()}")
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    assert book.sheet_names == ["综述", *[t.title for t in report.tables]]
    for table in report.tables:
        rows = book.get_sheet_by_name(table.title).to_python()[4 : 4 + len(table.rows)]
        assert [
            [r[0], *[int(str(v).split(".")[0]) for v in r[1 : len(table.columns) + 1]]]
            for r in rows
        ] == [[row.label, *row.values] for row in table.rows], table.key
    assert report.summary in str(book.get_sheet_by_name("综述").to_python()[2][0])
    assert "共有党员7名" in report.summary
    # The PDF is the own report's (reports.exports.report_pdf, whose rendering the reports
    # tests cover): here the HTML it is made from, to keep the test fast.
    printed: list[str] = []

    def html_to_pdf(html: str) -> bytes:
        printed.append(html)
        return b"%PDF-1.7"

    monkeypatch.setattr(pdf, "html_to_pdf", html_to_pdf)
    response = client.get(f"/rollup/report.pdf?as_of={AS_OF.isoformat()}")
    assert (response["Content-Type"], response.content) == ("application/pdf", b"%PDF-1.7")
    (html,) = printed
    for expected in (report.summary, "年龄结构(按性别)", "学历结构", "<svg", "党员基本情况"):
        assert expected in html, expected
    assert client.get("/rollup/report.csv").status_code == 404


def test_the_api_imports_packages_and_lists_the_children(client: Client, county: Any) -> None:
    """/api/v1/rollup/…: import (refusals in the error shape, nothing written), the children's
    states for a date, and this deployment's own package."""
    _trust_child()
    services.child_register(actor=county.county_admin, issuer="CN-CHILD", name="西县")

    def post(path: str, body: Any) -> Any:
        return client.post(f"/api/v1/rollup/{path}", body, content_type="application/json")

    client.force_login(county.east_admin)
    assert client.get("/api/v1/rollup/children").status_code == 403
    client.force_login(county.county_admin)
    children = client.get(f"/api/v1/rollup/children?as_of={AS_OF.isoformat()}").json()
    assert [(c["issuer"], c["state"], c["current"]) for c in children] == [
        ("CN-CHILD", "missing", None)
    ]
    document = _child_package(county)
    tampered = copy.deepcopy(document)
    tampered["payload"]["summary"] = "改过"
    refused = post("packages/import", {"document": tampered})
    assert (refused.status_code, refused.json()["code"]) == (400, "bad_signature")
    assert not StatisticsPackage.objects.exists()
    imported = post("packages/import", {"document": document})
    assert imported.status_code == 201
    assert (imported.json()["kid"], imported.json()["members"]) == (CHILD_KID, 1)
    (child,) = client.get(f"/api/v1/rollup/children?as_of={AS_OF.isoformat()}").json()
    assert (child["state"], child["current"]["kid"]) == ("received", CHILD_KID)
    own = post("packages/export", {"as_of": AS_OF.isoformat()}).json()
    assert own["payload"]["snapshot"]["members"] == 6
