"""What transfers and mobile members write to the member's electronic archive: one entry of
their own kind per event, and a membership move refused while a transfer is open."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from typing import Any

import pytest
from django.test import Client
from nacl.signing import SigningKey

from dangjian.core import signing
from dangjian.core.dates import today
from dangjian.exchange import trust
from dangjian.members.choices import ArchiveKind
from dangjian.members.models import ArchiveEntry, Member
from dangjian.site.testing import system_user
from dangjian.transfers import exchange, mobile, package, services
from dangjian.transfers.choices import OutflowReason, TransferKind

from .helpers import draft, issued
from .test_package_guards import _package

pytestmark = pytest.mark.django_db


def kinds(member: Member) -> Counter[str]:
    return Counter(member.archive.values_list("kind", flat=True))


def entries(member: Member, kind: ArchiveKind) -> list[ArchiveEntry]:
    return list(member.archive.filter(kind=kind).order_by("id"))


def new_entries(member: Member, before: int) -> list[ArchiveEntry]:
    return list(member.archive.order_by("id"))[before:]


# --- transfers within this deployment ----------------------------------------------------------


def test_each_step_of_a_transfer_writes_one_transfer_entry(county: Any) -> None:
    """Draft, approval, letter and receipt each write one 组织关系转接 entry; submitting for
    approval only routes the draft and writes none."""
    zhang = county.zhang
    start = zhang.archive.count()

    transfer = draft(county.east_secretary, zhang, county.west_village, reason="工作调动")
    (created,) = new_entries(zhang, start)
    assert created.kind == ArchiveKind.TRANSFER
    assert created.summary == "拟将组织关系由 东村党支部 转往 西村党支部"
    assert created.reason == "工作调动"
    assert created.effective_on == today()
    assert created.actor == county.east_secretary

    services.transfer_submit(actor=county.east_secretary, transfer=transfer)
    assert zhang.archive.count() == start + 1

    services.transfer_approve(actor=county.east_admin, transfer=transfer)
    (approved,) = new_entries(zhang, start + 1)
    assert approved.kind == ArchiveKind.TRANSFER
    assert approved.summary == "东镇党委 审批同意组织关系由 东村党支部 转往 西村党支部"

    issue_day = today() - dt.timedelta(days=2)
    services.transfer_issue(
        actor=county.east_secretary, transfer=transfer, dues_paid_until="2026-09", on=issue_day
    )
    transfer.refresh_from_db()
    (letter,) = new_entries(zhang, start + 2)
    assert letter.kind == ArchiveKind.TRANSFER
    assert letter.effective_on == issue_day
    assert transfer.valid_until is not None
    assert f"开具组织关系介绍信 {transfer.letter_number}，" in letter.summary
    assert "由 东村党支部 转往 西村党支部" in letter.summary
    assert f"有效期至 {transfer.valid_until.isoformat()}" in letter.summary
    assert "党费交至 2026-09" in letter.summary
    assert not zhang.archive.filter(kind=ArchiveKind.UPDATED).exists()


def test_receipt_keeps_the_membership_entry_and_adds_one_transfer_entry(county: Any) -> None:
    """The move writes 编入党组织 (what changed), the transfer says why; nothing twice."""
    zhang = county.zhang
    transfer = issued(county.east_secretary, county.east_admin, zhang, county.west_village)
    before = kinds(zhang)
    on = today() - dt.timedelta(days=1)
    services.transfer_receive(actor=county.west_admin, transfer=transfer, on=on)
    added = kinds(zhang) - before
    assert added == Counter({ArchiveKind.MEMBERSHIP_STARTED: 1, ArchiveKind.TRANSFER: 1})
    (moved,) = entries(zhang, ArchiveKind.MEMBERSHIP_STARTED)
    assert moved.effective_on == on
    received = entries(zhang, ArchiveKind.TRANSFER)[-1]
    assert received.summary == (
        f"西村党支部 接收组织关系，由 东村党支部 转入（介绍信 {transfer.letter_number}），转接办结"
    )
    assert received.effective_on == on
    assert received.actor == county.west_admin


@pytest.mark.parametrize("ending", ["return", "cancel"])
def test_return_and_cancel_write_one_entry_with_the_reason(county: Any, ending: str) -> None:
    zhang = county.zhang
    transfer = issued(county.east_secretary, county.east_admin, zhang, county.west_village)
    count = zhang.archive.count()
    if ending == "return":
        services.transfer_return(actor=county.west_admin, transfer=transfer, reason="名称有误")
        expected = f"西村党支部 退回介绍信 {transfer.letter_number}，组织关系仍在 东村党支部"
    else:
        services.transfer_cancel(actor=county.east_secretary, transfer=transfer, reason="不走了")
        expected = "撤销组织关系转接（由 东村党支部 转往 西村党支部），组织关系仍在 东村党支部"
    (entry,) = new_entries(zhang, count)
    assert entry.kind == ArchiveKind.TRANSFER
    assert entry.summary == expected
    assert entry.reason in ("名称有误", "不走了")
    assert entry.effective_on == today()


def test_the_nightly_expiry_writes_one_entry_without_an_actor(
    county: Any, time_machine: Any
) -> None:
    time_machine.move_to(dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC), tick=False)
    transfer = issued(county.east_secretary, county.east_admin, county.zhang, county.west_village)
    count = county.zhang.archive.count()
    transfer.refresh_from_db()
    assert transfer.valid_until is not None
    later = transfer.valid_until + dt.timedelta(days=1)
    assert services.transfers_expire_overdue(on=later) == 1
    assert services.transfers_expire_overdue(on=later) == 0
    (entry,) = new_entries(county.zhang, count)
    assert entry.kind == ArchiveKind.TRANSFER
    assert entry.actor is None
    assert entry.effective_on == later
    assert f"介绍信 {transfer.letter_number} 已过有效期" in entry.summary
    assert "转接失效，组织关系仍在 东村党支部" in entry.summary


# --- between deployments ---------------------------------------------------------------------


def test_an_imported_package_says_where_the_member_came_from(county: Any) -> None:
    """The new member's archive: 建档 (转入), the entries carried over, and one transfer entry."""
    transfer = exchange.transfer_package_import(
        actor=county.west_admin, document=_package(), organization=county.west_village
    )
    member = Member.objects.get(pk=transfer.member_id)
    assert kinds(member) == Counter(
        {ArchiveKind.CREATED: 2, ArchiveKind.TRANSFER: 1}  # ours and the one carried over
    )
    (entry,) = entries(member, ArchiveKind.TRANSFER)
    assert entry.summary == (
        "西村党支部 接收组织关系，由 CN-TEST 外省某村党支部 转入"
        "（介绍信 CN-OTHER-2026-000007，党费交至 2026-09），转接办结"
    )
    assert entry.effective_on == today()
    assert entry.actor == county.west_admin


def _receipt_from_other(transfer: Any, exported: dict[str, Any]) -> dict[str, Any]:
    """A receipt signed by the trusted deployment CN-OTHER."""
    other = SigningKey(bytes(range(32)))
    trust.trusted_keys_import(
        actor=system_user(),
        document=json.dumps(
            {
                "format": "dangjian-public-keys/1",
                "issuer": "CN-OTHER",
                "keys": [{"public_key": signing.b64url(bytes(other.verify_key))}],
            }
        ),
    )
    payload = {
        "transfer": str(transfer.public_id),
        "package_sha256": package.digest(exported),
        "received_on": today().isoformat(),
        "organization": "外省某村党支部",
    }
    return {
        "format": package.RECEIPT_FORMAT,
        "issuer": "CN-OTHER",
        "kid": signing.key_id(bytes(other.verify_key)).hex(),
        "signature": signing.b64url(other.sign(package.canonical(payload)).signature),
        "payload": payload,
    }


def test_an_imported_receipt_keeps_the_removal_and_adds_one_transfer_entry(county: Any) -> None:
    zhang = county.zhang
    transfer = services.transfer_create(
        actor=county.east_secretary,
        member=zhang,
        kind=TransferKind.OUTBOUND,
        counterpart_issuer="CN-OTHER",
        counterpart_organization="外省某村党支部",
    )
    services.transfer_submit(actor=county.east_secretary, transfer=transfer)
    services.transfer_approve(actor=county.east_admin, transfer=transfer)
    transfer = services.transfer_issue(
        actor=county.east_secretary, transfer=transfer, dues_paid_until="2026-09"
    )
    assert "转往 外省某村党支部（CN-OTHER）" in entries(zhang, ArchiveKind.TRANSFER)[-1].summary
    exported = exchange.transfer_package_export(actor=county.east_secretary, transfer=transfer)
    assert [e["kind"] for e in exported["payload"]["archive"]].count(ArchiveKind.TRANSFER) == 3
    before = kinds(zhang)
    exchange.transfer_receipt_import(
        actor=county.east_secretary, document=_receipt_from_other(transfer, exported)
    )
    added = kinds(zhang) - before
    # The certificate count is zero: 张三 held none.
    assert added == Counter({ArchiveKind.MEMBERSHIP_ENDED: 1, ArchiveKind.TRANSFER: 1})
    entry = entries(zhang, ArchiveKind.TRANSFER)[-1]
    transfer.refresh_from_db()
    assert entry.summary == (
        f"外省某村党支部（CN-OTHER）回执已接收（密钥 {transfer.receipt_kid} 签名），"
        "组织关系由 东村党支部 转出"
        f"（介绍信 {transfer.letter_number}）"
    )
    assert entry.effective_on == today()


# --- mobile members ----------------------------------------------------------------------------


def test_outflow_contact_and_return_in_the_archive(county: Any, time_machine: Any) -> None:
    """Outflow and return write one 流动党员 entry each (beside the status change); a contact
    writes none: it is follow-up, kept as the last-contact date and in the audit log."""
    time_machine.move_to(dt.datetime(2026, 9, 1, 10, 0, tzinfo=dt.UTC), tick=False)
    wang = county.wang
    before = kinds(wang)
    outflow = mobile.outflow_create(
        actor=county.east_secretary,
        member=wang,
        region_code="440300",
        left_on=dt.date(2026, 1, 10),
        reason=OutflowReason.WORK,
        city="宝安区",
        contact="13800000000",
        work_unit="某电子厂",
        host_organization_name="宝安区流动党员党支部",
    )
    assert kinds(wang) - before == Counter({ArchiveKind.STATUS_CHANGED: 1, ArchiveKind.MOBILE: 1})
    (left,) = entries(wang, ArchiveKind.MOBILE)
    assert left.summary == (
        "登记流出：外出到 广东省深圳市宝安区（务工），在 宝安区流动党员党支部 参加组织生活"
    )
    assert left.effective_on == dt.date(2026, 1, 10)
    assert "13800000000" not in left.summary  # no contact details in the archive
    assert "某电子厂" not in left.summary

    count = wang.archive.count()
    mobile.outflow_contact(actor=county.east_secretary, outflow=outflow, on=dt.date(2026, 8, 1))
    assert wang.archive.count() == count

    mobile.outflow_return(actor=county.east_secretary, outflow=outflow, on=dt.date(2026, 8, 20))
    assert kinds(wang) - before == Counter({ArchiveKind.STATUS_CHANGED: 2, ArchiveKind.MOBILE: 2})
    back = entries(wang, ArchiveKind.MOBILE)[-1]
    assert back.summary == "从 广东省深圳市宝安区 返回，流出登记结束（2026-01-10 外出）"
    assert back.effective_on == dt.date(2026, 8, 20)


def test_a_transfer_receipt_ends_the_outflow_in_the_archive(county: Any) -> None:
    zhang = county.zhang
    left_on = today() - dt.timedelta(days=300)
    mobile.outflow_create(
        actor=county.east_secretary,
        member=zhang,
        region_code="330200",
        left_on=left_on,
        reason=OutflowReason.BUSINESS,
    )
    (left,) = entries(zhang, ArchiveKind.MOBILE)
    assert left.summary == "登记流出：外出到 浙江省宁波市（经商）"
    transfer = issued(county.east_secretary, county.east_admin, zhang, county.west_village)
    before = kinds(zhang)
    services.transfer_receive(actor=county.west_admin, transfer=transfer)
    assert kinds(zhang) - before == Counter(
        {
            ArchiveKind.MEMBERSHIP_STARTED: 1,
            ArchiveKind.TRANSFER: 1,
            ArchiveKind.MOBILE: 1,
            ArchiveKind.STATUS_CHANGED: 1,  # 流动 → 正常
        }
    )
    ended = entries(zhang, ArchiveKind.MOBILE)[-1]
    assert ended.summary == (
        f"流出登记结束：组织关系已转接，流出结束（{left_on.isoformat()} 外出到 浙江省宁波市）"
    )
    assert ended.effective_on == today()


def test_an_inflow_of_our_own_member_is_in_their_archive(county: Any) -> None:
    """A member of this deployment joining another branch's life: arrival and leaving; a guest
    from elsewhere has no record here and writes nothing."""
    count = ArchiveEntry.objects.count()
    mobile.inflow_create(
        actor=county.west_admin,
        host_organization=county.west_village,
        name="外来",
        home_organization_name="湖南省某村党支部",
        arrived_on=today(),
        reason=OutflowReason.WORK,
    )
    assert ArchiveEntry.objects.count() == count

    arrived = today() - dt.timedelta(days=40)
    inflow = mobile.inflow_create(
        actor=county.west_admin,
        host_organization=county.west_village,
        member=county.li,
        name="",
        home_organization_name="",
        arrived_on=arrived,
        reason=OutflowReason.WORK,
    )
    (entry,) = entries(county.li, ArchiveKind.MOBILE)
    assert entry.summary == "在 西村党支部 登记为流入党员（务工），参加其组织生活"
    assert entry.effective_on == arrived
    mobile.inflow_leave(actor=county.west_admin, inflow=inflow, on=today())
    left = entries(county.li, ArchiveKind.MOBILE)
    assert len(left) == 2
    assert left[-1].summary == f"离开 西村党支部，流入登记结束（{arrived.isoformat()} 流入）"
    assert left[-1].effective_on == today()


# --- the member's pages ------------------------------------------------------------------------


def test_the_member_page_and_the_portal_show_the_new_kinds(county: Any, client: Client) -> None:
    """Both timelines name the kind; the portal also shows when an event took effect."""
    left_on = today() - dt.timedelta(days=200)
    mobile.outflow_create(
        actor=county.east_secretary,
        member=county.zhang,
        region_code="330200",
        left_on=left_on,
        reason=OutflowReason.BUSINESS,
    )
    transfer = issued(county.east_secretary, county.east_admin, county.zhang, county.west_village)
    services.transfer_receive(actor=county.west_admin, transfer=transfer)
    client.force_login(county.west_admin)
    page = client.get(f"/members/{county.zhang.pk}/").content.decode()
    assert "<strong>组织关系转接</strong> 西村党支部 接收组织关系" in page
    client.force_login(county.member_user)
    portal = client.get("/me/info").content.decode()
    assert "<strong>组织关系转接</strong> 西村党支部 接收组织关系" in portal
    assert f"开具组织关系介绍信 {transfer.letter_number}" in portal
    assert f"生效 {left_on.isoformat()}</div><div><strong>流动党员</strong> 登记流出" in portal
