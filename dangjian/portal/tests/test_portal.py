"""The member portal: own information, correction requests decided by the branch, notices."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from dangjian.members.choices import ArchiveKind, Education
from dangjian.members.models import Member
from dangjian.portal import services
from dangjian.portal.models import CorrectionRequest, CorrectionStatus


def test_member_requests_and_secretary_approves_with_both_in_the_archive(county: Any) -> None:
    request = services.correction_request(
        actor=county.member_user,
        field="education",
        proposed_value="硕士研究生",
        note="2019年在职研究生毕业",
    )
    assert request.status == CorrectionStatus.PENDING
    services.correction_decide(
        actor=county.east_secretary, request=request, approve=True, value=Education.MASTER
    )
    zhang = Member.objects.get(pk=county.zhang.pk)
    assert zhang.education == Education.MASTER
    kinds = list(zhang.archive.order_by("at", "id").values_list("kind", "summary"))
    corrections = [s for k, s in kinds if k == ArchiveKind.CORRECTION]
    assert len(corrections) == 2
    assert "硕士研究生" in corrections[0]
    assert "已采纳" in corrections[1]
    update = zhang.archive.get(kind=ArchiveKind.UPDATED)
    assert f"第 {request.pk} 号" in update.reason


def test_declining_needs_a_reason_and_changes_nothing(county: Any) -> None:
    request = services.correction_request(
        actor=county.member_user, field="work_unit", proposed_value="县供电公司"
    )
    with pytest.raises(ValidationError):
        services.correction_decide(actor=county.east_secretary, request=request, approve=False)
    services.correction_decide(
        actor=county.east_secretary, request=request, approve=False, note="单位名称以人事档案为准"
    )
    assert Member.objects.get(pk=county.zhang.pk).work_unit == county.zhang.work_unit
    with pytest.raises(ValidationError):
        services.correction_decide(
            actor=county.east_secretary, request=request, approve=True, value="x"
        )


def test_phone_numbers_stay_masked_in_the_archive(county: Any) -> None:
    services.correction_request(
        actor=county.member_user, field="phone", proposed_value="13698765432"
    )
    summary = county.zhang.archive.get(kind=ArchiveKind.CORRECTION).summary
    assert "13698765432" not in summary
    assert "136******32" in summary
    assert CorrectionRequest.objects.get().current_value == "138******78"


def test_only_the_member_asks_and_only_their_branch_decides(county: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.correction_request(
            actor=county.east_secretary, field="name", proposed_value="张叁"
        )
    request = services.correction_request(
        actor=county.member_user, field="name", proposed_value="张叁"
    )
    with pytest.raises(ValidationError):
        services.correction_request(actor=county.member_user, field="name", proposed_value="张叁叁")
    for outsider in (county.west_admin, county.east_observer, county.member_user):
        with pytest.raises(PermissionDenied):
            services.correction_decide(actor=outsider, request=request, approve=True, value="张叁")
    assert Member.objects.get(pk=county.zhang.pk).name == "张三"


@pytest.mark.parametrize(
    ("field", "value", "note", "error_field"),
    [
        ("nope", "x", "", "field"),
        ("name", "  ", "", "proposed_value"),
        ("other", "见说明", "", "note"),
    ],
)
def test_bad_requests_say_what_to_fix(
    county: Any, field: str, value: str, note: str, error_field: str
) -> None:
    with pytest.raises(ValidationError) as info:
        services.correction_request(
            actor=county.member_user, field=field, proposed_value=value, note=note
        )
    assert error_field in info.value.error_dict
    assert not CorrectionRequest.objects.exists()


# --- pages ---------------------------------------------------------------------------------


def test_portal_pages_for_the_member(client: Client, county: Any) -> None:
    services.notice_publish(
        actor=county.east_secretary,
        organization=county.east_village,
        title="十月主题党日",
        body="10月15日上午九点",
    )
    services.notice_publish(
        actor=county.west_admin, organization=county.west_village, title="西村通知", body="不应看到"
    )
    client.force_login(county.member_user)
    home = client.get("/me/").content.decode()
    assert "张三" in home
    assert "十月主题党日" in home
    assert "西村通知" not in home
    info = client.get("/me/info").content.decode()
    assert "138******78" in info
    assert "13812345678" not in info
    response = client.post(
        "/me/correction", {"field": "native_place", "proposed_value": "江西宁都"}
    )
    assert response.status_code == 302
    assert "江西宁都" in client.get("/me/info").content.decode()


def test_portal_for_a_user_without_a_member_record(client: Client, county: Any) -> None:
    client.force_login(county.east_secretary)
    assert "还没有关联党员档案" in client.get("/me/").content.decode()
    assert client.get("/me/info").status_code == 404
    assert (
        client.post("/me/correction", {"field": "name", "proposed_value": "x"}).status_code == 404
    )


def test_secretary_pages_are_scoped(client: Client, county: Any) -> None:
    request = services.correction_request(
        actor=county.member_user, field="address", proposed_value="东村二组"
    )
    client.force_login(county.east_secretary)
    assert "东村二组" in client.get("/me/corrections/").content.decode()
    assert "东村二组" in client.get(county.east_village.get_absolute_url()).content.decode()
    response = client.post(
        f"/me/corrections/{request.pk}", {"decision": "approve", "value": "东村三组"}
    )
    assert response.status_code == 302
    assert Member.objects.get(pk=county.zhang.pk).address == "东村三组"
    other = services.correction_request(
        actor=county.member_user, field="post", proposed_value="村会计"
    )
    client.force_login(county.west_admin)
    assert "村会计" not in client.get("/me/corrections/").content.decode()
    assert client.get(f"/me/corrections/{other.pk}").status_code == 404
    assert (
        client.post(
            f"/me/corrections/{other.pk}", {"decision": "approve", "value": "x"}
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/me/notices/{county.east_village.pk}", {"title": "t", "body": "b"}
        ).status_code
        == 404
    )


def test_portal_shows_the_activity_certificate(client: Client, county: Any) -> None:
    from dangjian.certificates.services import certificate_issue

    client.force_login(county.member_user)
    panel = client.get("/me/").content.decode()
    assert 'data-testid="portal-certificate"' in panel
    assert "申领" in panel
    certificate = certificate_issue(actor=county.east_secretary, member=county.zhang)
    panel = client.get("/me/").content.decode()
    assert "出示" in panel
    assert certificate.valid_until.isoformat() in panel


def test_portal_shows_my_organizational_life_dues_and_transfer(client: Client, county: Any) -> None:
    """The sections the member page shows, on the member's own portal page."""
    import datetime as dt

    from dangjian.activities import services as activity_services
    from dangjian.activities.choices import ActivityKind
    from dangjian.core.dates import today

    meeting = activity_services.activity_create(
        actor=county.county_admin,
        organization=county.east_village,
        data={
            "kind": ActivityKind.GENERAL_MEETING,
            "topic": "学习新党章",
            "on": today() - dt.timedelta(days=2),
        },
    )
    activity_services.activity_record(actor=county.east_secretary, activity=meeting)
    client.force_login(county.member_user)
    page = client.get("/me/").content.decode()
    assert "学习新党章" in page
    assert "交至" in page


def test_the_card_in_me_carries_a_qr_that_opens_the_verify_page(
    client: Client, county: Any, settings: Any
) -> None:
    """/me/ shows the card with the verify-URL QR; the image saved for the phone's album decodes
    (independently, zxing-cpp) to the same URL, and saving it is audited."""
    import io

    import zxingcpp
    from PIL import Image

    from dangjian.audit.models import AuditEvent
    from dangjian.certificates import render
    from dangjian.certificates.services import certificate_issue

    settings.DANGJIAN_PUBLIC_URL = "https://dj.example.gov.cn"
    certificate = certificate_issue(actor=county.east_secretary, member=county.zhang)
    client.force_login(county.member_user)
    page = client.get("/me/").content.decode()
    assert 'data-testid="certificate-qr"' in page
    assert render.qr_svg_data_uri(certificate.payload) in page
    assert certificate.serial.upper() in page
    assert 'data-testid="card-save-png"' in page
    png = client.get("/cards/mine/card.png")
    assert png["Content-Type"] == "image/png"
    codes = zxingcpp.read_barcodes(
        Image.open(io.BytesIO(png.content)),
        formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode),
    )
    assert [code.text for code in codes] == [
        "https://dj.example.gov.cn/v/#" + credential_fragment(certificate.payload)
    ]
    assert AuditEvent.objects.filter(action="EXPORT", target_id=str(county.zhang.pk)).count() == 1


def credential_fragment(text: str) -> str:
    from dangjian.certificates import credential

    return credential.url_fragment(text)


def test_a_revoked_card_is_not_shown_in_me(client: Client, county: Any) -> None:
    from dangjian.certificates.services import certificate_issue, certificate_revoke

    certificate = certificate_issue(actor=county.east_secretary, member=county.zhang)
    certificate_revoke(actor=county.east_secretary, certificate=certificate)
    client.force_login(county.member_user)
    page = client.get("/me/").content.decode()
    assert 'data-testid="certificate-qr"' not in page
    assert "申领" in page
