"""A member attends organizational life at another deployment; the signed receipt comes home.

The host deployment runs as a subprocess of manage.py with its own SQLite database, issuer and
key (dangjian.transfers.tests.receiver_settings); each side trusts the other's public key.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError

from dangjian.activities.models import LifeElsewhere
from dangjian.alerts.engine import RULES
from dangjian.certificates import receipts, services
from dangjian.core import signing
from dangjian.core.dates import today
from dangjian.exchange import trust
from dangjian.site.testing import system_user
from tests.databases import copy_sqlite_template

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)
# One subprocess: the host sets itself up, trusts us, checks our member in at its 周五活动日 on
# the certificate text alone and exports the receipt addressed to us.
HOST = """
import datetime as dt, json, sys
from dangjian.accounts.choices import Role
from dangjian.activities import services as activity_services
from dangjian.certificates import receipts, services
from dangjian.core import signing
from dangjian.core.dates import today
from dangjian.exchange import documents, trust
from dangjian.organizations.choices import OrgKind
from dangjian.site.testing import build_org, build_user, system_user
ours, card, receipt_path, report = sys.argv[-4:]
county = build_org(name="乙县委", kind=OrgKind.LOCAL_COMMITTEE, code="B0001")
centre = build_org(name="红岩家园党员服务中心党支部", parent=county, code="B0002")
secretary = build_user(username="host", role=Role.SECRETARY, organization=centre)
trust.trusted_keys_import(actor=system_user(), document=open(ours).read())
activity = activity_services.activity_create(actor=secretary, organization=centre, data={
    "kind": "THEME_DAY", "topic": "周五活动日", "on": today() - dt.timedelta(days=3),
    "place": "红岩家园"})
activity_services.activity_record(actor=secretary, activity=activity)
result = services.certificate_verify(open(card).read())
out = {"outcome": str(result.outcome), "keys": signing.public_keys_document()}
receipts.visiting_guest_checkin(actor=secretary, activity=activity, result=result)
document = receipts.attendance_receipt_export(actor=secretary, home_issuer="CN-TEST")
open(receipt_path, "wb").write(documents.dumps(document))
open(report, "w").write(json.dumps(out, ensure_ascii=False))
"""


def _host(tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["DJANGO_SETTINGS_MODULE"] = "dangjian.transfers.tests.receiver_settings"
    # A migrated database copied from the run's template (tests/databases.py), not migrated anew.
    env["DANGJIAN_RECEIVER_DB"] = str(copy_sqlite_template(tmp_path / "host.sqlite3"))
    script = tmp_path / "host.py"
    script.write_text(HOST, encoding="utf-8")
    return subprocess.run(
        [
            sys.executable,
            str(ROOT / "manage.py"),
            "shell",
            "-c",
            f"import sys; sys.argv += {list(argv)!r}; exec(open({str(script)!r}).read())",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_life_attended_at_another_deployment_is_credited_at_home(
    county: Any, tmp_path: Path
) -> None:
    certificate = services.certificate_issue(
        actor=county.county_admin, member=county.zhang, on=today() - dt.timedelta(days=60)
    )
    ours = tmp_path / "home-keys.json"
    ours.write_text(json.dumps(signing.public_keys_document()), encoding="utf-8")
    card = tmp_path / "card.txt"
    card.write_text(certificate.payload, encoding="utf-8")
    receipt = tmp_path / "receipt.json"
    report = tmp_path / "report.json"
    host = _host(tmp_path, str(ours), str(card), str(receipt), str(report))
    assert host.returncode == 0, host.stderr
    out = json.loads(report.read_text(encoding="utf-8"))
    assert out["outcome"] == "valid"

    no_life = RULES["no_life"]
    assert f"member:{county.zhang.pk}" in {c.subject for c in no_life.find(county.county, today())}
    # Before we trust the host's key, its receipt is refused and nothing is written.
    with pytest.raises(ValidationError) as caught:
        receipts.attendance_receipt_import(actor=county.county_admin, document=receipt.read_bytes())
    assert caught.value.code == "unknown_issuer"
    assert not LifeElsewhere.objects.exists()

    trust.trusted_keys_import(actor=system_user(), document=json.dumps(out["keys"]))
    imported = receipts.attendance_receipt_import(
        actor=county.county_admin, document=receipt.read_bytes()
    )
    assert (imported.counterpart, imported.credited) == ("CN-RECEIVER", 1)
    assert imported.kid == out["keys"]["keys"][0]["kid"]
    row = LifeElsewhere.objects.get(member=county.zhang)
    assert (row.host_organization, row.place, row.kind) == (
        "红岩家园党员服务中心党支部",
        "红岩家园",
        "THEME_DAY",
    )
    assert f"member:{county.zhang.pk}" not in {
        c.subject for c in no_life.find(county.county, today())
    }
    with pytest.raises(ValidationError) as caught:
        receipts.attendance_receipt_import(actor=county.county_admin, document=receipt.read_bytes())
    assert caught.value.code == "replayed"
    assert LifeElsewhere.objects.count() == 1
