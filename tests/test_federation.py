"""Issue 24, end to end: three deployments with their own databases and keys (a city and two
counties), exchanging signed files only.

County A is this test's database (CN-TEST). County B and the city run as subprocesses of
manage.py (tests/deployment_settings.py). A mobile member of A, gone to 深圳, finds B's service
centre on A's portal (B's signed directory), attends its 周五活动日 on A's certificate; B's signed
attendance receipt goes to A and clears the member's art. 9 alert there. Both counties submit
their statistics packages; the city's report is its own data plus both, with the seed's sentence
computed for the city.
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
from django.test import Client

from dangjian.activities.models import LifeElsewhere
from dangjian.alerts.engine import RULES
from dangjian.certificates import receipts
from dangjian.certificates import services as certificate_services
from dangjian.core import signing
from dangjian.core.dates import today
from dangjian.exchange import documents, trust
from dangjian.places import services as place_services
from dangjian.reports.report import report_compute
from dangjian.rollup import services as rollup_services
from dangjian.site.testing import system_user
from dangjian.transfers import mobile
from dangjian.transfers.choices import OutflowReason
from tests.databases import copy_sqlite_template

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)
B_SEED = "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb"
CITY_SEED = "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7"
AS_OF = today() - dt.timedelta(days=1)

# County B: its tree and two members, a service centre with a monthly 周五活动日 (published in its
# signed directory), the activity held last Friday with A's member checked in on the certificate,
# the receipt for A, and its statistics package.
COUNTY_B = """
import datetime as dt, json, sys
from dangjian.accounts.choices import Role
from dangjian.activities import services as activity_services
from dangjian.certificates import receipts, services
from dangjian.core import signing
from dangjian.exchange import documents, trust
from dangjian.organizations.choices import OrgKind
from dangjian.places import services as place_services
from dangjian.rollup import services as rollup_services
from dangjian.site.testing import build_member, build_org, build_user, system_user
a_keys, card, friday, as_of, out = sys.argv[-5:]
county = build_org(name="乙县委", kind=OrgKind.LOCAL_COMMITTEE, code="B0001")
centre = build_org(name="红岩家园党员服务中心党支部", parent=county, code="B0002")
build_member(organization=centre, name="陈一")
build_member(organization=centre, name="林二", sex="2")
admin = build_user(username="b-admin", role=Role.ADMINISTRATOR, organization=county)
trust.trusted_keys_import(actor=system_user(), document=open(a_keys).read())
place_services.place_save(actor=admin, organization=centre, data={
    "name": "红岩家园党员服务中心", "kind": "centre", "address": "深圳市南山区某路 8 号",
    "region_code": "440305", "week_of_month": 1, "weekday": 5,
    "start_time": dt.time(9, 30), "contact": "0755-7654321", "active": True})
activity = activity_services.activity_create(actor=admin, organization=centre, data={
    "kind": "THEME_DAY", "topic": "周五活动日", "on": dt.date.fromisoformat(friday),
    "place": "红岩家园党员服务中心"})
activity_services.activity_record(actor=admin, activity=activity)
result = services.certificate_verify(open(card).read())
receipts.visiting_guest_checkin(actor=admin, activity=activity, result=result)
files = {
    "keys": signing.public_keys_document(),
    "directory": place_services.directory_export(actor=admin),
    "receipt": receipts.attendance_receipt_export(actor=admin, home_issuer="CN-TEST"),
    "statistics": rollup_services.statistics_package_export(
        actor=admin, organization=county, as_of=dt.date.fromisoformat(as_of)),
    "outcome": str(result.outcome),
}
open(out, "w").write(json.dumps(files, ensure_ascii=False))
"""

# The city: its own committee with one branch and member; trusts both counties, registers them
# as children, imports their packages and reports the sum.
CITY = """
import datetime as dt, json, sys
from dangjian.accounts.choices import Role
from dangjian.exchange import trust
from dangjian.organizations.choices import OrgKind
from dangjian.reports.report import report_compute
from dangjian.rollup import selectors, services
from dangjian.site.testing import build_member, build_org, build_user, system_user
a_keys, b_keys, a_stats, b_stats, as_of, out = sys.argv[-6:]
city = build_org(name="市委", kind=OrgKind.LOCAL_COMMITTEE, code="S0001")
office = build_org(name="市直机关党支部", parent=city, code="S0002")
build_member(organization=office, name="周三")
admin = build_user(username="city-admin", role=Role.ADMINISTRATOR, organization=city)
for path in (a_keys, b_keys):
    trust.trusted_keys_import(actor=system_user(), document=open(path).read())
services.child_register(actor=admin, issuer="CN-TEST", name="甲县")
services.child_register(actor=admin, issuer="CN-B", name="乙县")
day = dt.date.fromisoformat(as_of)
for path in (a_stats, b_stats):
    services.statistics_package_import(actor=admin, document=open(path, "rb").read())
report, states = selectors.rollup_report(city, day)
own = report_compute(city, day)
tables = {t.key: {r.key: r.values for r in t.rows} for t in report.tables}
open(out, "w").write(json.dumps({
    "states": {s.child.issuer: s.state for s in states},
    "own_members": own.value("members", "total"),
    "own_tables": {t.key: {r.key: r.values for r in t.rows} for t in own.tables},
    "tables": tables,
    "summary": report.summary,
    "opening": report.opening_sentence,
}, ensure_ascii=False))
"""


def _deployment(tmp_path: Path, name: str, issuer: str, seed: str, code: str, *argv: str) -> Any:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["DJANGO_SETTINGS_MODULE"] = "tests.deployment_settings"
    # A migrated database copied from the run's template (tests/databases.py), not migrated anew.
    env["DANGJIAN_DEPLOYMENT_DB"] = str(copy_sqlite_template(tmp_path / f"{name}.sqlite3"))
    env["DANGJIAN_DEPLOYMENT_ISSUER"] = issuer
    env["DANGJIAN_DEPLOYMENT_SEED"] = seed
    script = tmp_path / f"{name}.py"
    script.write_text(code, encoding="utf-8")
    done = subprocess.run(
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
    assert done.returncode == 0, done.stderr
    return json.loads((tmp_path / f"{name}.out.json").read_text(encoding="utf-8"))


def _last_friday() -> dt.date:
    day = today() - dt.timedelta(days=1)
    return day - dt.timedelta(days=(day.isoweekday() - 5) % 7)


def _write(path: Path, document: Any) -> str:
    path.write_bytes(
        documents.dumps(document) if isinstance(document, dict) else document.encode("utf-8")
    )
    return str(path)


def test_three_deployments(county: Any, client: Client, tmp_path: Path) -> None:
    # County A: 张三 works in 深圳 (an outflow) and holds a certificate.
    zhang = county.zhang
    mobile.outflow_create(
        actor=county.east_secretary,
        member=zhang,
        region_code="440300",
        left_on=today() - dt.timedelta(days=200),
        reason=OutflowReason.WORK,
    )
    card = certificate_services.certificate_issue(
        actor=county.county_admin, member=zhang, on=today() - dt.timedelta(days=60)
    )
    a_keys = _write(tmp_path / "a-keys.json", json.dumps(signing.public_keys_document()))
    card_file = _write(tmp_path / "card.txt", card.payload)

    # County B: a separate database and key.
    b = _deployment(
        tmp_path,
        "b",
        "CN-B",
        B_SEED,
        COUNTY_B,
        a_keys,
        card_file,
        _last_friday().isoformat(),
        AS_OF.isoformat(),
        str(tmp_path / "b.out.json"),
    )
    assert b["outcome"] == "valid"

    # A trusts B and imports its directory: the member's portal shows B's service centre.
    trust.trusted_keys_import(actor=system_user(), document=json.dumps(b["keys"]))
    place_services.directory_import(actor=county.county_admin, document=b["directory"])
    client.force_login(county.member_user)
    portal = client.get("/me/").content.decode()
    assert "红岩家园党员服务中心" in portal
    assert "每月第一个周五" in portal

    # B's receipt comes home: the attendance is credited and the art. 9 alert clears.
    no_life = RULES["no_life"]
    assert f"member:{zhang.pk}" in {c.subject for c in no_life.find(county.county, today())}
    imported = receipts.attendance_receipt_import(
        actor=county.county_admin, document=documents.dumps(b["receipt"])
    )
    assert (imported.counterpart, imported.credited) == ("CN-B", 1)
    life = LifeElsewhere.objects.get(member=zhang)
    assert (life.on, life.host_organization) == (_last_friday(), "红岩家园党员服务中心党支部")
    assert f"member:{zhang.pk}" not in {c.subject for c in no_life.find(county.county, today())}

    # Both counties submit their statistics; the city reports the sum.
    a_stats = rollup_services.statistics_package_export(
        actor=county.county_admin, organization=county.county, as_of=AS_OF
    )
    city = _deployment(
        tmp_path,
        "city",
        "CN-CITY",
        CITY_SEED,
        CITY,
        a_keys,
        _write(tmp_path / "b-keys.json", json.dumps(b["keys"])),
        _write(tmp_path / "a-stats.json", a_stats),
        _write(tmp_path / "b-stats.json", b["statistics"]),
        AS_OF.isoformat(),
        str(tmp_path / "city.out.json"),
    )
    assert city["states"] == {"CN-B": "received", "CN-TEST": "received"}
    a_report = report_compute(county.county, AS_OF)
    b_members = b["statistics"]["payload"]["snapshot"]["members"]
    assert (a_report.value("members", "total"), b_members, city["own_members"]) == (6, 2, 1)
    assert city["tables"]["members"]["total"][0] == 6 + 2 + 1
    # Every number of the city's tables is the sum of the three, exactly.
    b_tables = {
        t["key"]: {r["key"]: r["values"] for r in t["rows"]}
        for t in b["statistics"]["payload"]["tables"]
    }
    checked = 0
    for table in a_report.tables:
        for row in table.rows:
            parts = [
                row.values,
                b_tables.get(table.key, {}).get(row.key, [0] * len(row.values)),
                city["own_tables"].get(table.key, {}).get(row.key, [0] * len(row.values)),
            ]
            expected = [sum(column) for column in zip(*parts, strict=True)]
            assert city["tables"][table.key][row.key] == expected, (table.key, row.key)
            checked += 1
    assert checked > 50
    assert "共有党员9名" in city["opening"]
    assert city["summary"].startswith(city["opening"])
