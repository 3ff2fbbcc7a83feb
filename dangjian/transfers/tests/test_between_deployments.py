"""A member moves between two deployments: a signed package out, a signed receipt back.

The receiving deployment runs as a subprocess of manage.py with its own SQLite database,
issuer and key (receiver_settings); each side trusts the other's public key.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from dangjian.core import signing
from dangjian.exchange import trust
from dangjian.members import services as member_services
from dangjian.members.choices import HowRemoved, MemberStatus, PositionTitle
from dangjian.members.models import Membership
from dangjian.site.testing import system_user
from dangjian.transfers import services
from dangjian.transfers.choices import TransferKind, TransferState
from tests.databases import copy_sqlite_template

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)
# Two subprocesses only (each start of Django costs seconds on a busy machine): one sets the
# receiving deployment up, the other receives (a tampered package, the real one, the real one
# again) through the management command and reports what the receiving database holds.
RECEIVER_SETUP = """
import json, sys
from dangjian.accounts.choices import Role
from dangjian.exchange import trust
from dangjian.core import signing
from dangjian.site.testing import build_org, build_user, system_user
from dangjian.organizations.choices import OrgKind
county = build_org(name="接收县委", kind=OrgKind.LOCAL_COMMITTEE, code="R0001")
branch = build_org(name="接收村党支部", parent=county, code="R0002")
build_user(username="receiver", role=Role.ADMINISTRATOR, organization=branch)
trust.trusted_keys_import(actor=system_user(), document=open(sys.argv[-1]).read())
open(sys.argv[-2], "w").write(json.dumps(signing.public_keys_document()))
"""
RECEIVER_RECEIVE = """
import json, sys
from django.core.management import call_command
from django.core.management.base import CommandError
from dangjian.members.models import Member
from dangjian.transfers.models import Transfer
tampered, real, receipt, report = sys.argv[-4:]
out = {"refused": [], "members": []}
for path, target in ((tampered, receipt + ".tampered"), (real, receipt), (real, receipt + ".again")):
    try:
        call_command("transfer_import_package", path, "--organization", "R0002",
                     "--as", "receiver", "--receipt", target)
        out["refused"].append(None)
    except CommandError as exc:
        out["refused"].append(str(exc))
for m in Member.objects.all():
    t = Transfer.objects.filter(member=m).first()
    out["members"].append({
        "name": m.name,
        "status": m.status,
        "memberships": [[r.organization.name, r.how_added, r.ended_on is None]
                        for r in m.memberships.all()],
        "archive": [e.summary for e in m.archive.order_by("at", "id")],
        "history": t.history if t else None,
        "state": t.state if t else None,
    })
open(report, "w").write(json.dumps(out, ensure_ascii=False))
"""


def _receiver(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["DJANGO_SETTINGS_MODULE"] = "dangjian.transfers.tests.receiver_settings"
    env["DANGJIAN_RECEIVER_DB"] = str(tmp_path / "receiver.sqlite3")
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _script(tmp_path: Path, code: str, *argv: str) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "script.py"
    script.write_text(code, encoding="utf-8")
    return _receiver(
        tmp_path,
        "shell",
        "-c",
        f"import sys; sys.argv += {list(argv)!r}; exec(open({str(script)!r}).read())",
    )


def test_a_member_moves_to_another_deployment_and_back_comes_the_receipt(
    county: Any, tmp_path: Path
) -> None:
    # The receiving deployment: its database, an organization and a user, trust in our key.
    ours = tmp_path / "sender-keys.json"
    ours.write_text(json.dumps(signing.public_keys_document()), encoding="utf-8")
    theirs = tmp_path / "receiver-keys.json"
    # A migrated database copied from the run's template (tests/databases.py), not migrated anew.
    copy_sqlite_template(tmp_path / "receiver.sqlite3")
    setup = _script(tmp_path, RECEIVER_SETUP, str(theirs), str(ours))
    assert setup.returncode == 0, setup.stderr
    trust.trusted_keys_import(actor=system_user(), document=theirs.read_text(encoding="utf-8"))

    # The sending side: 张三 has a history (a position) and leaves for CN-RECEIVER.
    member_services.position_assign(
        actor=county.east_admin,
        organization=county.east_village,
        member=county.zhang,
        title=PositionTitle.COMMITTEE_MEMBER,
        started_on=county.zhang.joined_on.replace(year=2020),
    )
    transfer = services.transfer_create(
        actor=county.east_secretary,
        member=county.zhang,
        kind=TransferKind.OUTBOUND,
        counterpart_issuer="CN-RECEIVER",
        counterpart_organization="接收村党支部",
        reason="外出定居",
    )
    services.transfer_submit(actor=county.east_secretary, transfer=transfer)
    services.transfer_approve(actor=county.east_admin, transfer=transfer)
    services.transfer_issue(
        actor=county.east_secretary, transfer=transfer, dues_paid_until="2026-09"
    )
    package_file = tmp_path / "package.json"
    call_command(
        "transfer_export_package",
        str(transfer.pk),
        "--as",
        "secretary",
        "--output",
        str(package_file),
    )
    # A copy changed after signing: the receiver must refuse it.
    tampered = json.loads(package_file.read_text(encoding="utf-8"))
    tampered["payload"]["member"]["name"] = "李鬼"
    tampered_file = tmp_path / "tampered.json"
    tampered_file.write_text(json.dumps(tampered, ensure_ascii=False), encoding="utf-8")

    receipt_file = tmp_path / "receipt.json"
    report_file = tmp_path / "report.json"
    received = _script(
        tmp_path,
        RECEIVER_RECEIVE,
        str(tampered_file),
        str(package_file),
        str(receipt_file),
        str(report_file),
    )
    assert received.returncode == 0, received.stderr
    report = json.loads(report_file.read_text(encoding="utf-8"))
    refused_tampered, refused_real, refused_again = report["refused"]
    assert refused_tampered is not None
    assert "签名无效" in refused_tampered
    assert "已拒绝导入" in refused_tampered
    assert not Path(str(receipt_file) + ".tampered").exists()
    assert refused_real is None, refused_real
    assert refused_again is not None
    assert "已经导入过" in refused_again

    # There: the member with their history, no re-typing, and nobody named 李鬼.
    [there] = report["members"]
    assert there["name"] == "张三"
    assert there["status"] == MemberStatus.NORMAL
    assert there["memberships"] == [["接收村党支部", "TRANSFERRED_IN", True]]
    assert there["state"] == TransferState.RECEIVED
    assert [m["organization"] for m in there["history"]["memberships"]] == ["东村党支部"]
    assert there["history"]["positions"][0]["title"] == PositionTitle.COMMITTEE_MEMBER
    assert any("〔原系统 CN-TEST〕任 东村党支部" in s for s in there["archive"])
    assert any("开具组织关系介绍信" in s for s in there["archive"])

    # Here, the signed receipt closes the transfer: 张三 leaves the roster as 转出.
    call_command("transfer_import_receipt", str(receipt_file), "--as", "secretary")
    transfer.refresh_from_db()
    assert transfer.state == TransferState.RECEIVED
    assert transfer.receipt["issuer"] == "CN-RECEIVER"
    county.zhang.refresh_from_db()
    assert county.zhang.status == MemberStatus.TRANSFERRED_OUT
    last = Membership.objects.get(member=county.zhang, is_latest=True)
    assert last.how_removed == HowRemoved.TRANSFERRED_OUT
    assert last.ended_on is not None
    with pytest.raises(CommandError, match="已经导入过"):
        call_command("transfer_import_receipt", str(receipt_file), "--as", "secretary")
