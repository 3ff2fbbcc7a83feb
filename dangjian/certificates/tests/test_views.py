"""The certificate pages and API calls, for users in and out of scope, and anonymous callers."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pytest
import zxingcpp
from django.urls import reverse
from PIL import Image

from dangjian.audit.choices import AuditAction
from dangjian.audit.models import AuditEvent
from dangjian.certificates import render, services
from dangjian.certificates.models import Certificate
from dangjian.core import signing
from dangjian.core.dates import today
from dangjian.exchange.models import TrustedKey
from dangjian.exchange.tests.test_trust import foreign_document
from dangjian.members import services as member_services
from dangjian.members.choices import MemberStatus
from dangjian.site.testing import system_user

pytestmark = pytest.mark.django_db


def as_user(client: Any, user: Any) -> Any:
    client.force_login(user)
    return client


def test_my_certificate_page_issues_and_shows_the_qr(client: Any, county: Any) -> None:
    as_user(client, county.member_user)
    page = client.get(reverse("certificates:mine"))
    assert "申领电子活动证" in page.content.decode()
    response = client.post(reverse("certificates:mine_issue"), follow=True)
    body = response.content.decode()
    certificate = Certificate.objects.get(member=county.zhang)
    assert "电子活动证已签发" in body
    assert "data:image/svg+xml" in body
    assert certificate.serial.upper() in body
    assert "东村党支部" in body


def test_my_certificate_page_without_a_member_record(client: Any, county: Any) -> None:
    as_user(client, county.east_admin)
    body = client.get(reverse("certificates:mine")).content.decode()
    assert "尚未关联党员档案" in body
    assert client.post(reverse("certificates:mine_issue")).status_code == 404


def test_the_png_card_carries_a_readable_qr(client: Any, county: Any) -> None:
    """The downloaded PNG decodes back to the card's verify URL, and the download is audited.

    (QR codes only, here and below: zxing-cpp now and then reads the printed serial's glyphs
    as a one-dimensional barcode.)"""
    certificate = services.certificate_issue(actor=county.member_user, member=county.zhang)
    as_user(client, county.member_user)
    response = client.get(reverse("certificates:mine_download", args=["png"]))
    assert response["Content-Type"] == "image/png"
    codes = zxingcpp.read_barcodes(
        Image.open(io.BytesIO(response.content)),
        formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode),
    )
    assert [code.text for code in codes] == [render.card_url(certificate.payload)]
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT).count() == 1
    assert client.get(reverse("certificates:mine_download", args=["gif"])).status_code == 404


def test_the_pdf_card_carries_the_name_and_a_readable_qr(client: Any, county: Any) -> None:
    import pypdfium2

    certificate = services.certificate_issue(actor=county.member_user, member=county.zhang)
    as_user(client, county.member_user)
    response = client.get(reverse("certificates:mine_download", args=["pdf"]))
    assert response["Content-Type"] == "application/pdf"
    pdf = pypdfium2.PdfDocument(response.content)
    page = pdf[0]
    assert "张三" in page.get_textpage().get_text_range()
    image = page.render(scale=4).to_pil()
    assert [
        c.text
        for c in zxingcpp.read_barcodes(
            image, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
        )
    ] == [render.card_url(certificate.payload)]


def test_no_card_to_download_is_a_404(client: Any, county: Any) -> None:
    as_user(client, county.member_user)
    assert client.get(reverse("certificates:mine_download", args=["png"])).status_code == 404


def test_the_verification_page_needs_no_sign_in_and_no_csrf_token(county: Any) -> None:
    from django.test import Client

    certificate = services.certificate_issue(actor=county.member_user, member=county.zhang)
    client = Client(enforce_csrf_checks=True)
    assert client.get(reverse("certificates:verify")).status_code == 200
    response = client.post(
        reverse("certificates:verify"), {"payload": certificate.payload}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert 'data-outcome="valid"' in body
    assert "张三" in body
    assert "<html" not in body  # the htmx answer is the result only
    response = client.post(reverse("certificates:verify"), {"payload": "DJ1:NOTHING"})
    assert 'data-outcome="malformed"' in response.content.decode()
    empty = client.post(reverse("certificates:verify"), {"payload": ""}, HTTP_HX_REQUEST="true")
    assert "这个字段是必填项" in empty.content.decode() or "必填" in empty.content.decode()


def test_a_revoked_certificate_shows_no_name_on_the_page(client: Any, county: Any) -> None:
    certificate = services.certificate_issue(actor=county.member_user, member=county.zhang)
    services.certificate_revoke(actor=county.east_secretary, certificate=certificate)
    body = client.post(
        reverse("certificates:verify"), {"payload": certificate.payload}
    ).content.decode()
    assert 'data-outcome="revoked"' in body
    assert "张三" not in body


def test_the_api_verify_call(client: Any, county: Any) -> None:
    """POST /api/v1/cards/verify answers without sign-in; name and organization only if valid."""
    from django.test import Client

    certificate = services.certificate_issue(actor=county.member_user, member=county.zhang)
    api = Client(enforce_csrf_checks=True)
    url = "/api/v1/cards/verify"
    response = api.post(url, {"payload": certificate.payload}, content_type="application/json")
    assert response.status_code == 200
    data = response.json()
    assert data["outcome"] == "valid"
    assert data["name"] == "张三"
    assert data["organization_name"] == "东村党支部"
    assert data["organization_code"] == county.east_village.code
    assert data["serial"] == certificate.serial
    for payload, outcome in [("DJ1:AAA", "malformed"), ("", "malformed")]:
        answer = api.post(url, {"payload": payload}, content_type="application/json").json()
        assert answer["outcome"] == outcome
        assert answer["name"] == ""
    bad = api.post(url, {"nothing": 1}, content_type="application/json")
    assert bad.status_code == 400
    assert bad.json()["code"] == "invalid"


def test_the_public_keys_and_revocation_list_downloads(client: Any, county: Any) -> None:
    keys = client.get(reverse("certificates:public_keys"))
    assert json.loads(keys.content) == signing.public_keys_document()
    assert client.get("/api/v1/cards/keys").json()["issuer"] == "CN-TEST"
    certificate = services.certificate_issue(actor=county.member_user, member=county.zhang)
    services.certificate_revoke(actor=county.east_secretary, certificate=certificate)
    signed = client.get(reverse("certificates:revocation_list")).content
    assert services.revocation_list_decode(signed)[1].serials == [certificate.serial]
    data = client.get("/api/v1/cards/revocations").json()
    assert data["serials"] == [certificate.serial]
    assert services.revocation_list_decode(signing.b64url_decode(data["signed"]))[1].serials == [
        certificate.serial
    ]


def test_the_organization_page_in_and_out_of_scope(client: Any, county: Any) -> None:
    member_services.member_change_status(
        actor=system_user(), member=county.qian, status=MemberStatus.MOBILE
    )
    url = reverse("certificates:organization", args=[county.east.pk])
    body = as_user(client, county.east_admin).get(url).content.decode()
    assert "钱七" in body
    assert "为流动党员批量签发" in body
    client.post(reverse("certificates:organization_issue", args=[county.east.pk]))
    certificate = Certificate.objects.get(member=county.qian)
    body = client.get(url).content.decode()
    assert certificate.serial.upper() in body
    assert "所有流动党员都已持有" in body
    # out of scope: 404 naming nothing of the east township
    as_user(client, county.west_admin)
    response = client.get(url)
    assert response.status_code == 404
    assert "钱七" not in response.content.decode()
    assert (
        client.post(
            reverse("certificates:revoke", args=[certificate.pk]), {"reason": "OTHER"}
        ).status_code
        == 404
    )
    # an observer reads but may not act
    as_user(client, county.east_observer)
    assert "批量签发" not in client.get(url).content.decode()
    assert (
        client.post(reverse("certificates:organization_issue", args=[county.east.pk])).status_code
        == 403
    )
    assert (
        client.post(
            reverse("certificates:revoke", args=[certificate.pk]), {"reason": "OTHER"}
        ).status_code
        == 403
    )
    as_user(client, county.east_admin)
    client.post(reverse("certificates:revoke", args=[certificate.pk]), {"reason": "OTHER"})
    certificate.refresh_from_db()
    assert certificate.revoked_at is not None


def test_the_member_page_panel_issues_for_a_manager(client: Any, county: Any) -> None:
    as_user(client, county.east_secretary)
    detail = reverse("members:detail", args=[county.li.pk])
    assert "签发电子活动证" in client.get(detail).content.decode()
    client.post(reverse("certificates:member_issue", args=[county.li.pk]))
    certificate = Certificate.objects.get(member=county.li)
    assert certificate.serial.upper() in client.get(detail).content.decode()
    as_user(client, county.west_admin)
    assert client.post(reverse("certificates:member_issue", args=[county.li.pk])).status_code == 404


def test_the_organization_page_panel_counts(client: Any, county: Any) -> None:
    member_services.member_change_status(
        actor=system_user(), member=county.qian, status=MemberStatus.MOBILE
    )
    as_user(client, county.east_admin)
    body = client.get(reverse("reports:organization", args=[county.east.pk])).content.decode()
    assert "流动党员 1 名，其中 1 名待签发或换发" in body
    services.certificate_issue_bulk(actor=county.east_admin, organization=county.east)
    body = client.get(reverse("reports:organization", args=[county.east.pk])).content.decode()
    assert "流动党员 1 名，其中 0 名待签发或换发" in body


def test_the_trust_page_imports_lists_and_removes(client: Any, county: Any) -> None:
    url = reverse("certificates:trust")
    assert as_user(client, county.east_admin).get(url).status_code == 403
    as_user(client, county.county_admin)
    assert "信任列表为空" in client.get(url).content.decode()
    response = client.post(
        url, {"keys-document": foreign_document()[1], "keys-label": "湖南省"}, follow=True
    )
    assert "已导入 1 个公钥" in response.content.decode()
    key = TrustedKey.objects.get()
    assert "CN-430000" in client.get(url).content.decode()
    bad = client.post(url, {"keys-document": "{}", "keys-label": ""})
    assert "dangjian-public-keys/1" in bad.content.decode()
    client.post(reverse("certificates:trust_remove", args=[key.pk]))
    key.refresh_from_db()
    assert key.removed_at is not None


def test_the_verifier_data_and_service_worker_are_public(client: Any, county: Any) -> None:
    """What the page keeps for offline verification: keys (ours, then trusted) and the revoked
    serials of every issuer; and the service worker, served inside the page's scope."""
    from dangjian.exchange import trust

    trust.trusted_keys_import(actor=county.county_admin, document=foreign_document()[1])
    certificate = services.certificate_issue(actor=county.member_user, member=county.zhang)
    services.certificate_revoke(actor=county.east_secretary, certificate=certificate)
    data = client.get(reverse("certificates:verifier_data")).json()
    assert data["format"] == "dangjian-verifier/1"
    assert [k["issuer"] for k in data["keys"]] == ["CN-TEST", "CN-430000"]
    assert data["keys"][0]["kid"] == signing.current_key().kid_hex
    assert data["revoked"] == {"CN-TEST": [certificate.serial]}
    assert (data["keys"][1]["valid_from"], data["keys"][1]["valid_until"]) == (None, None)
    # Validity periods travel with the keys; a key whose period has ended is not shipped.
    key = TrustedKey.objects.get()
    for start, end, shipped in (
        (today() + dt.timedelta(days=3), None, True),
        (None, today() - dt.timedelta(days=1), False),
    ):
        TrustedKey.objects.filter(pk=key.pk).update(valid_from=start, valid_until=end)
        keys = client.get(reverse("certificates:verifier_data")).json()["keys"]
        assert [k.get("valid_from") for k in keys if k["issuer"] == "CN-430000"] == (
            [start.isoformat()] if shipped and start else []
        )
    worker = client.get(reverse("certificates:service_worker"))
    assert worker["Content-Type"] == "application/javascript"
    assert reverse("certificates:service_worker").startswith(reverse("certificates:verify"))
    assert b"caches.match" in worker.content


def test_the_organization_page_queries_do_not_grow_with_certificates(
    client: Any, county: Any, django_assert_max_num_queries: Any
) -> None:
    """The list is one query per page, whatever the number of certificates and members."""
    for member in (county.li, county.wang, county.qian):
        member_services.member_change_status(
            actor=system_user(), member=member, status=MemberStatus.MOBILE
        )
    url = reverse("certificates:organization", args=[county.east.pk])
    as_user(client, county.east_admin)
    with django_assert_max_num_queries(14):
        client.get(url)
    services.certificate_issue_bulk(actor=county.east_admin, organization=county.east)
    services.certificate_issue(actor=county.member_user, member=county.zhang)
    with django_assert_max_num_queries(14):
        body = client.get(url).content.decode()
    assert body.count("badge text-bg-success") == 4


def test_the_organization_page_lists_unrevoked_certificates_first(client: Any, county: Any) -> None:
    old = services.certificate_issue(actor=county.east_secretary, member=county.li)
    services.certificate_revoke(actor=county.east_secretary, certificate=old)
    current = services.certificate_issue(actor=county.east_secretary, member=county.wang)
    as_user(client, county.east_secretary)
    body = client.get(
        reverse("certificates:organization", args=[county.east_village.pk])
    ).content.decode()
    assert body.index(current.serial.upper()) < body.index(old.serial.upper())


def test_bulk_issue_asks_for_confirmation_naming_who(client: Any, county: Any) -> None:
    """The bulk issue is a confirmation page listing the members, then one POST; with who=all
    it covers every member of the branch without a valid card, mobile or not."""
    member_services.member_change_status(
        actor=system_user(), member=county.qian, status=MemberStatus.MOBILE
    )
    as_user(client, county.east_admin)
    url = reverse("certificates:organization_issue", args=[county.east.pk])
    confirm = client.get(url).content.decode()
    assert "钱七" in confirm
    assert "张三" not in confirm  # not mobile
    assert not Certificate.objects.exists()  # a GET issues nothing
    everyone = client.get(url + "?who=all").content.decode()
    assert "张三" in everyone
    assert "钱七" in everyone
    client.post(url, {"who": "all"})
    issued = set(Certificate.objects.values_list("member__name", flat=True))
    assert {"张三", "钱七"} <= issued
    assert county.west_village.name not in {c.organization.name for c in Certificate.objects.all()}
    assert AuditEvent.objects.filter(action=AuditAction.ISSUE, detail__everyone=True).count() == 1
    as_user(client, county.west_admin)
    assert client.get(url).status_code == 404


def test_the_cards_sheet_is_a4_with_one_readable_card_each(
    client: Any, county: Any, settings: Any
) -> None:
    """A branch's cards print on A4 (8 a page), each with its serial and a QR that decodes to
    its own verify URL; the print is audited; out of scope is a 404."""
    import pypdfium2

    settings.DANGJIAN_PUBLIC_URL = "https://dj.example.gov.cn"
    as_user(client, county.east_admin)
    url = reverse("certificates:organization_print", args=[county.east_village.pk])
    assert client.get(url).status_code == 302  # nothing to print yet: told so
    client.post(
        reverse("certificates:organization_issue", args=[county.east_village.pk]), {"who": "all"}
    )
    certificates = list(Certificate.objects.filter(revoked_at__isnull=True))
    assert len(certificates) >= 2
    response = client.get(url)
    assert response["Content-Type"] == "application/pdf"
    pdf = pypdfium2.PdfDocument(response.content)
    assert len(pdf) == (len(certificates) + 7) // 8
    page = pdf[0]
    assert tuple(round(v) for v in page.get_size()) == (595, 842)
    text = page.get_textpage().get_text_range()
    for certificate in certificates:
        assert certificate.serial.upper() in text
    codes = {
        code.text
        for code in zxingcpp.read_barcodes(
            page.render(scale=4).to_pil(),
            formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode),
        )
    }
    assert codes == {render.card_url(c.payload) for c in certificates}
    assert AuditEvent.objects.filter(
        action=AuditAction.EXPORT, target_id=str(county.east_village.pk)
    ).exists()
    as_user(client, county.west_admin)
    assert client.get(url).status_code == 404


def test_the_sheet_positions_leave_room_for_the_marks() -> None:
    """Cards sit inside A4 with their cut marks, never overlapping one another's."""
    positions = render.sheet_positions()
    assert len(positions) == 8
    for left, top in positions:
        for x, y, w, h in render.cut_marks(left, top):
            assert x > 0
            assert x + w < render.A4_MM[0]
            assert y > 0
            assert y + h < render.A4_MM[1]
    (l1, t1), (l2, _t2), (_l3, t3) = positions[0], positions[1], positions[2]
    assert l2 - (l1 + render.CARD_WIDTH_MM) == render.GAP_MM
    assert t3 - (t1 + render.CARD_HEIGHT_MM) == render.GAP_MM


def test_a_secretary_downloads_a_members_card_to_send(client: Any, county: Any) -> None:
    certificate = services.certificate_issue(actor=county.east_secretary, member=county.li)
    as_user(client, county.east_secretary)
    response = client.get(reverse("certificates:member_download", args=[county.li.pk, "png"]))
    assert response["Content-Type"] == "image/png"
    assert [
        c.text
        for c in zxingcpp.read_barcodes(
            Image.open(io.BytesIO(response.content)),
            formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode),
        )
    ] == [render.card_url(certificate.payload)]
    as_user(client, county.west_admin)
    assert (
        client.get(reverse("certificates:member_download", args=[county.li.pk, "png"])).status_code
        == 404
    )


def test_the_short_verify_address_is_public_with_its_own_service_worker(county: Any) -> None:
    """/v/ (what the QR opens) is the verify page, no sign-in, registering /v/sw.js (a worker's
    scope cannot reach above its own path); the server never needs the fragment, and a pasted
    URL verifies like the text, on the page and in the API."""
    from django.test import Client

    certificate = services.certificate_issue(actor=county.member_user, member=county.zhang)
    anonymous = Client(enforce_csrf_checks=True)
    page = anonymous.get("/v/")
    assert page.status_code == 200
    assert 'data-sw-url="/v/sw.js"' in page.content.decode()
    assert 'data-sw-url="/cards/verify/sw.js"' in anonymous.get("/cards/verify/").content.decode()
    worker = anonymous.get("/v/sw.js")
    assert worker["Content-Type"] == "application/javascript"
    url = render.card_url(certificate.payload)
    body = anonymous.post(reverse("certificates:verify"), {"payload": url}).content.decode()
    assert 'data-outcome="valid"' in body
    assert "张三" in body
    answer = anonymous.post(
        "/api/v1/cards/verify",
        {"payload": url.partition("#")[2]},
        content_type="application/json",
    ).json()
    assert answer["outcome"] == "valid"
    broken = url[:-1] + ("1" if url[-1] != "1" else "2")
    assert (
        anonymous.post(
            "/api/v1/cards/verify", {"payload": broken}, content_type="application/json"
        ).json()["outcome"]
        != "valid"
    )


# --- how much a check costs: queries per request ---------------------------------------------


def _foreign_text(county: Any) -> str:
    """A credential of a deployment this one does not trust (unknown issuer)."""
    from nacl.signing import SigningKey

    from dangjian.certificates import credential

    key = SigningKey(b"\x05" * 32)
    claims = credential.Claims(
        issuer="CN-430000",
        serial=b"\x21" * 8,
        member_public_id=county.zhang.public_id,
        name="刘一",
        organization_code="43000000001",
        category="FULL",
        valid_from=today(),
        valid_until=today() + dt.timedelta(days=30),
    )
    return credential.credential_encode(
        claims, kid=signing.key_id(bytes(key.verify_key)), signing_key=key
    )


def _certificate_queries(queries: Any) -> list[str]:
    return [
        q["sql"]
        for q in queries.captured_queries
        if "certificates_certificate" in q["sql"] or "members_member" in q["sql"]
    ]


def _member_rows_read(queries: Any) -> bool:
    return any('"members_member"' in q["sql"] for q in queries.captured_queries)


def _reads(queries: Any) -> list[str]:
    """The queries apart from the transaction every API POST runs in (core.api's
    AtomicApiWritesMiddleware: a savepoint here, BEGIN and COMMIT in production)."""
    return [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]


@pytest.mark.parametrize("case", ["valid", "revoked", "unknown_issuer"])
def test_a_check_costs_one_query_at_most_on_the_page_and_in_the_api(
    county: Any, case: str, django_assert_max_num_queries: Any
) -> None:
    """Once the revocation index is in memory, a check reads the certificate's row (with its
    organization's name) once for a valid credential of ours, nothing for a revoked one, and
    the trust list once for another issuer: never a member row. The page and the API answer
    as before."""
    from django.test import Client

    certificate = services.certificate_issue(actor=county.member_user, member=county.zhang)
    text = {
        "valid": certificate.payload,
        "revoked": certificate.payload,
        "unknown_issuer": _foreign_text(county),
    }[case]
    if case == "revoked":
        services.certificate_revoke(actor=county.east_secretary, certificate=certificate)
    anonymous = Client(enforce_csrf_checks=True)
    anonymous.post(reverse("certificates:verify"), {"payload": text})  # loads the index
    expected = {"valid": 1, "revoked": 0, "unknown_issuer": 1}[case]
    ours = 1 if case == "valid" else 0
    with django_assert_max_num_queries(expected) as page:
        body = anonymous.post(
            reverse("certificates:verify"), {"payload": text}, HTTP_HX_REQUEST="true"
        ).content.decode()
    assert len(_certificate_queries(page)) == ours
    assert not _member_rows_read(page)
    assert f'data-outcome="{case}"' in body
    assert ("张三" in body) == (case == "valid")
    assert ("东村党支部" in body) == (case == "valid")
    with django_assert_max_num_queries(expected + 2) as api:
        answer = anonymous.post(
            "/api/v1/cards/verify", {"payload": text}, content_type="application/json"
        ).json()
    assert len(_certificate_queries(api)) == ours
    assert len(_reads(api)) == expected
    assert not _member_rows_read(api)
    assert answer["outcome"] == case
    assert answer["organization_name"] == ("东村党支部" if case == "valid" else "")


def test_the_batch_check_answers_each_as_the_single_one_with_one_query(
    county: Any, django_assert_max_num_queries: Any
) -> None:
    """POST /api/v1/cards/verify/batch: each result is what POST /verify answers for that
    text, in order; the whole batch reads our certificates once and each other issuer's key
    once; too many texts, none, or a text too long are refused."""
    from django.test import Client

    zhang = services.certificate_issue(actor=county.member_user, member=county.zhang)
    li = services.certificate_issue(actor=county.east_secretary, member=county.li)
    revoked = services.certificate_issue(actor=county.east_secretary, member=county.wang)
    services.certificate_revoke(actor=county.east_secretary, certificate=revoked)
    foreign = _foreign_text(county)
    texts = [zhang.payload, revoked.payload, foreign, "DJ1:AAA", li.payload, "", foreign]
    anonymous = Client(enforce_csrf_checks=True)
    url = "/api/v1/cards/verify"
    singles = [
        anonymous.post(url, {"payload": t}, content_type="application/json").json() for t in texts
    ]
    with django_assert_max_num_queries(4) as batch:
        response = anonymous.post(
            url + "/batch", {"payloads": texts}, content_type="application/json"
        )
    # Our certificates' rows once, the trust list once for the other issuer's key.
    assert len(_reads(batch)) == 2
    assert len(_certificate_queries(batch)) == 1
    assert not _member_rows_read(batch)
    assert response.status_code == 200
    results = response.json()["results"]
    assert results == singles
    assert [r["outcome"] for r in results] == [
        "valid",
        "revoked",
        "unknown_issuer",
        "malformed",
        "valid",
        "malformed",
        "unknown_issuer",
    ]
    assert [r["name"] for r in results] == ["张三", "", "", "", "李四", "", ""]
    too_many = [zhang.payload] * (services.BATCH_LIMIT + 1)
    refused = anonymous.post(
        url + "/batch", {"payloads": too_many}, content_type="application/json"
    )
    assert (refused.status_code, refused.json()["code"]) == (400, "invalid")
    nothing: list[list[str] | None] = [[], None]
    for empty in nothing:
        refused = anonymous.post(
            url + "/batch", {"payloads": empty}, content_type="application/json"
        )
        assert (refused.status_code, refused.json()["code"]) == (400, "invalid")
    long_text = anonymous.post(
        url + "/batch", {"payloads": ["D" * 2001]}, content_type="application/json"
    )
    assert long_text.status_code == 400
