"""What the electronic activity certificate writes to the member's archive: one 电子活动证 entry
per issue, renewal or revocation, with serial and validity, never the credential itself."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from dangjian.certificates import services
from dangjian.certificates.choices import RevocationReason
from dangjian.certificates.models import Certificate
from dangjian.core.dates import today
from dangjian.members import services as member_services
from dangjian.members.choices import ArchiveKind, HowRemoved, MemberStatus
from dangjian.members.models import ArchiveEntry, Member
from dangjian.site.testing import system_user

pytestmark = pytest.mark.django_db


def certificate_entries(member: Member) -> list[ArchiveEntry]:
    return list(member.archive.filter(kind=ArchiveKind.CERTIFICATE).order_by("id"))


def assert_nothing_secret(entry: ArchiveEntry, certificate: Certificate, member: Member) -> None:
    text = f"{entry.summary} {entry.reason} {entry.before} {entry.after}"
    assert certificate.payload not in text
    assert certificate.payload[4:40] not in text  # not even a piece of the credential
    assert member.id_number not in text


def test_issue_writes_one_entry_with_serial_and_validity(county: Any) -> None:
    zhang = county.zhang
    certificate = services.certificate_issue(actor=county.member_user, member=zhang)
    (entry,) = certificate_entries(zhang)
    assert entry.summary == (
        f"签发电子活动证，编号 {certificate.serial.upper()}，"
        f"有效期 {certificate.valid_from.isoformat()} 至 {certificate.valid_until.isoformat()}"
        "（东村党支部）"
    )
    assert entry.effective_on == certificate.valid_from
    assert entry.actor == county.member_user
    assert_nothing_secret(entry, certificate, zhang)

    # Asking again hands back the same certificate: nothing new happened, nothing is written.
    services.certificate_issue(actor=county.member_user, member=zhang)
    assert len(certificate_entries(zhang)) == 1


def test_a_renewal_is_one_entry_that_names_the_old_serial(county: Any) -> None:
    """The superseded certificate is revoked inside the renewal: one entry, not two."""
    li = county.li
    old = services.certificate_issue(
        actor=county.east_secretary, member=li, on=today() - dt.timedelta(days=350)
    )
    new = services.certificate_issue(actor=county.east_secretary, member=li)
    assert new.pk != old.pk
    entries = certificate_entries(li)
    assert len(entries) == 2
    assert entries[-1].summary.startswith(f"换发电子活动证，编号 {new.serial.upper()}，")
    assert entries[-1].summary.endswith(f"；原证 {old.serial.upper()} 作废")
    assert entries[-1].effective_on == today()


def test_bulk_issue_writes_one_entry_per_member(county: Any) -> None:
    for member in (county.li, county.qian):
        member_services.member_change_status(
            actor=system_user(), member=member, status=MemberStatus.MOBILE
        )
    old = services.certificate_issue(
        actor=county.east_secretary, member=county.li, on=today() - dt.timedelta(days=350)
    )
    assert services.certificate_issue_bulk(actor=county.east_admin, organization=county.east) == 2
    assert services.certificate_issue_bulk(actor=county.east_admin, organization=county.east) == 0
    li_entries = certificate_entries(county.li)
    assert len(li_entries) == 2
    assert li_entries[-1].summary.endswith(f"；原证 {old.serial.upper()} 作废")
    assert li_entries[-1].actor == county.east_admin
    (qian_entry,) = certificate_entries(county.qian)
    qian_certificate = Certificate.objects.get(member=county.qian)
    assert qian_entry.summary.startswith(
        f"签发电子活动证，编号 {qian_certificate.serial.upper()}，"
    )
    assert qian_entry.summary.endswith("（南村党支部）")


def test_manual_revocation_writes_one_entry_with_the_reason(county: Any) -> None:
    certificate = services.certificate_issue(actor=county.member_user, member=county.zhang)
    services.certificate_revoke(
        actor=county.east_secretary, certificate=certificate, reason=RevocationReason.OTHER
    )
    entries = certificate_entries(county.zhang)
    assert len(entries) == 2
    assert entries[-1].summary == (
        f"撤销电子活动证 {certificate.serial.upper()}"
        f"（有效期至 {certificate.valid_until.isoformat()}）：其他"
    )
    assert entries[-1].actor == county.east_secretary
    assert entries[-1].effective_on == today()
    assert_nothing_secret(entries[-1], certificate, county.zhang)


@pytest.mark.parametrize(
    ("how", "label"),
    [
        (HowRemoved.TRANSFERRED_OUT, "组织关系转出"),
        (HowRemoved.DIED, "死亡"),
        (HowRemoved.EXPELLED, "出党"),
    ],
)
def test_the_automatic_revocation_writes_one_entry(
    county: Any, how: HowRemoved, label: str
) -> None:
    """Leaving the roster revokes through the members signal, and the archive says so once."""
    certificate = services.certificate_issue(actor=county.east_secretary, member=county.li)
    member_services.member_remove(
        actor=county.east_secretary, member=county.li, how_removed=how, on=today(), reason="依据"
    )
    entries = certificate_entries(county.li)
    assert len(entries) == 2
    assert entries[-1].summary == (
        f"电子活动证 {certificate.serial.upper()}"
        f"（有效期至 {certificate.valid_until.isoformat()}）自动撤销：{label}"
    )
    assert entries[-1].actor == county.east_secretary
    assert county.li.archive.filter(kind=ArchiveKind.MEMBERSHIP_ENDED).count() == 1


def test_losing_contact_and_a_move_revoke_with_their_reasons(county: Any) -> None:
    li = services.certificate_issue(actor=county.east_secretary, member=county.li)
    member_services.member_change_status(
        actor=county.east_secretary, member=county.li, status=MemberStatus.LOST_CONTACT
    )
    assert certificate_entries(county.li)[-1].summary.endswith(
        f"{li.serial.upper()}（有效期至 {li.valid_until.isoformat()}）自动撤销：失去联系"
    )
    zhang = services.certificate_issue(actor=county.member_user, member=county.zhang)
    member_services.membership_move(
        actor=county.east_admin,
        member=county.zhang,
        organization=county.south_village,
        on=today(),
        reason="搬迁",
    )
    entries = certificate_entries(county.zhang)
    assert len(entries) == 2
    assert entries[-1].summary.endswith(
        f"{zhang.serial.upper()}（有效期至 {zhang.valid_until.isoformat()}）自动撤销：组织关系调整"
    )


def test_a_status_that_keeps_the_certificate_writes_nothing(county: Any) -> None:
    services.certificate_issue(actor=county.east_secretary, member=county.wang)
    member_services.member_change_status(
        actor=county.east_secretary, member=county.wang, status=MemberStatus.ABROAD
    )
    assert len(certificate_entries(county.wang)) == 1
