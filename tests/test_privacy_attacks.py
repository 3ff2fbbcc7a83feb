"""Privacy that holds under attack (issue 18): what a role that may not see a number can learn
by combining everything it is shown, and what stays at rest in clear.

Each test plays the attacker: it collects what an observer reads (pages, API, export, archive,
search answers) and counts the numbers still possible, or reads the database and the files.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
import re
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from dangjian.activities import services as activity_services
from dangjian.activities.choices import ActivityKind
from dangjian.activities.models import Activity, Attendance
from dangjian.audit.choices import AuditAction
from dangjian.audit.models import AuditEvent
from dangjian.core import crypto
from dangjian.core.dates import today
from dangjian.members import services as member_services
from dangjian.members.choices import Ethnicity, Occupation
from dangjian.members.idnumbers import make_id_number
from dangjian.members.models import ArchiveEntry, Member
from dangjian.roster import services as roster_services
from dangjian.roster.choices import ImportKind, JobStatus
from dangjian.roster.models import ImportJob
from dangjian.roster.tests.helpers import member_row, write_csv
from dangjian.site.testing import build_member

pytestmark = pytest.mark.django_db

MASKED = re.compile(r"(?<![0-9A-Za-z*])[0-9X*]{18}(?![0-9A-Za-z*])")
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"


def _check_char(first17: str) -> str:
    return CHECK[sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True)) % 11]


def _seen(client: Any, member: Member) -> str:
    """Everything an observer can read about one member, as one text: the member page, the
    list, the API (detail, list, archive) and the county export."""
    parts = [
        client.get(reverse("members:detail", args=[member.pk])).content.decode(),
        client.get(reverse("members:list"), {"q": member.name}).content.decode(),
        client.get(f"/api/v1/members/{member.public_id}").content.decode(),
        client.get("/api/v1/members/", {"q": member.name}).content.decode(),
        client.get(f"/api/v1/members/{member.public_id}/archive").content.decode(),
        b"".join(client.get(reverse("roster:export"), {"format": "csv", "q": member.name})).decode(
            "utf-8-sig"
        ),
    ]
    return "\n".join(parts)


def _id_candidates(number: str, texts: str, member: Member) -> int:
    """How many ID numbers fit what the observer read. The attacker is granted the region (it
    follows from the organization and native place), the birth date and the sex (both shown)."""
    known: dict[int, str] = {i: c for i, c in enumerate(number[:6])}
    known.update({6 + i: c for i, c in enumerate(member.birth_date.strftime("%Y%m%d"))})
    for masked in MASKED.findall(texts):  # the masked forms of this number (the archive
        # marks which is the current one, so the attacker may take them all as hints)
        if "*" in masked and all(c in ("*", n) for c, n in zip(masked, number, strict=True)):
            known.update({i: c for i, c in enumerate(masked) if c != "*"})
    parity = 1 if member.sex == "1" else 0
    count = 0
    open_positions = [i for i in range(14, 17) if i not in known]
    for digits in itertools.product("0123456789", repeat=len(open_positions)):
        chars = dict(known)
        chars.update(zip(open_positions, digits, strict=True))
        if int(chars[16]) % 2 != parity:
            continue
        first17 = "".join(chars[i] for i in range(17))
        check = _check_char(first17)
        if 17 in known and known[17] != check:
            continue
        count += 1
    return count


def test_an_observer_cannot_narrow_an_id_number_below_100_candidates(client, county):
    """Masked ID beside the birth date and the sex, on every page, the API, the export and the
    archive (an ID corrected earlier): at least 100 numbers remain possible for each member."""
    corrected = make_id_number("110101", county.li.birth_date, 31, county.li.sex)
    member_services.member_update(
        actor=county.east_admin, member=county.li, changes={}, id_number=corrected
    )
    client.force_login(county.east_observer)
    for member in Member.objects.filter(pk__in=[county.zhang.pk, county.li.pk, county.zhao.pk]):
        texts = _seen(client, member)
        assert member.name in texts
        assert member.id_number not in texts
        assert member.birth_date.isoformat() in texts  # the birth date is shown: mask around it
        assert _id_candidates(member.id_number, texts, member) >= 100, member.name


def _phone_candidates(phone: str, texts: str) -> int:
    """Eleven-digit numbers that fit every masked form of `phone` the observer read."""
    known: dict[int, str] = {}
    for masked in re.findall(r"(?<![0-9*])[0-9*]{11}(?![0-9*])", texts):
        if "*" in masked and all(c in ("*", p) for c, p in zip(masked, phone, strict=True)):
            known.update({i: c for i, c in enumerate(masked) if c != "*"})
    return 10 ** (11 - len(known))


def test_an_observer_cannot_recover_a_phone_number_from_pages_archive_or_search(client, county):
    """Old and new phone numbers stay masked everywhere an observer reads, and a search by
    part of a number finds nothing: only the whole number matches."""
    old = county.zhang.phone
    member_services.member_update(
        actor=county.east_admin, member=county.zhang, changes={"phone": "13955557777"}
    )
    zhang = Member.objects.get(pk=county.zhang.pk)
    client.force_login(county.east_observer)
    texts = _seen(client, zhang)
    for number in (old, zhang.phone):
        assert number not in texts
        assert _phone_candidates(number, texts) >= 100
    for part in ("5555", "55557777", "1395555777", "3955557777"):
        found = client.get("/api/v1/members/", {"q": part}).json()["items"]
        assert found == [], part
    whole = client.get("/api/v1/members/", {"q": "13955557777"}).json()["items"]
    assert [m["name"] for m in whole] == ["张三"]
    # A secretary, who may reveal the number, still finds by part of it.
    client.force_login(county.east_secretary)
    assert client.get("/api/v1/members/", {"q": "5555"}).json()["items"]


def test_the_edit_form_shows_the_phone_masked_and_keeps_it_when_left_empty(client, county):
    """The edit form is no unaudited reveal: the phone is shown masked, the field empty."""
    client.force_login(county.east_admin)
    url = reverse("members:edit", args=[county.zhang.pk])
    body = client.get(url).content.decode()
    assert county.zhang.phone not in body
    assert county.zhang.phone_masked in body
    form = {
        name: getattr(county.zhang, name)
        for name in ("name", "sex", "ethnicity", "education", "occupation", "category")
    }
    form.update(
        birth_date=county.zhang.birth_date.isoformat(),
        joined_on=county.zhang.joined_on.isoformat(),
        full_member_on=county.zhang.full_member_on.isoformat(),
        phone="",
        work_unit="新单位",
    )
    assert client.post(url, form).status_code == 302
    zhang = Member.objects.get(pk=county.zhang.pk)
    assert (zhang.phone, zhang.work_unit) == ("13812345678", "新单位")
    form["phone_clear"] = "on"
    client.post(url, form)
    assert Member.objects.get(pk=county.zhang.pk).phone == ""


def _raw(table: str, columns: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {table}")  # noqa: S608
        return json.dumps(cursor.fetchall(), ensure_ascii=False, default=str)


def test_no_clear_number_or_address_at_rest_in_the_archive_or_the_audit(client, county):
    """Phone, address and ID number changes are stored encrypted in the archive, the audit
    never holds a searched number, and the archive still shows the change (masked)."""
    old_id = county.zhang.id_number
    new_id = make_id_number("110101", county.zhang.birth_date, 45, county.zhang.sex)
    member_services.member_update(
        actor=county.east_admin,
        member=county.zhang,
        changes={"phone": "13955557777", "address": "东村幸福路8号"},
        id_number=new_id,
    )
    client.force_login(county.county_admin)
    client.get(reverse("roster:export"), {"format": "csv", "q": new_id})
    client.get(reverse("roster:export"), {"format": "csv", "q": "13955557777"})
    archive = _raw("members_archiveentry", "before, after")
    audit = _raw("audit_auditevent", "summary, detail")
    for clear in (old_id, new_id, "13812345678", "13955557777", "东村幸福路8号"):
        assert clear not in archive, clear
    for clear in (old_id, new_id, "13955557777"):
        assert clear not in audit, clear
    entry = ArchiveEntry.objects.filter(member=county.zhang).first()
    assert entry is not None
    shown = {label: (old, new) for label, old, new in entry.changes()}
    assert shown["联系电话"] == ("138******78", "139******77")
    assert shown["家庭住址"] == (None, "东村幸福路8号")
    assert shown["公民身份号码"] == (crypto.mask_id_number(old_id), crypto.mask_id_number(new_id))


def test_the_data_migration_seals_clear_values_already_in_the_archive(county):
    """Entries written before the change (a clear phone, an ID under the old mask) are sealed
    by migration 0005, and the old mask is cut to the new one."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("dangjian.members.migrations.0005_archive_seal_values")
    entry = ArchiveEntry.objects.create(member=county.zhang, kind="UPDATED", summary="旧记录")
    old_mask = county.zhang.id_number[:6] + "********" + county.zhang.id_number[-4:]
    clear = json.dumps({"phone": "13812345678", "id_number": old_mask, "name": "张三"})
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE members_archiveentry SET before = %s WHERE id = %s", [clear, entry.pk]
        )
    assert "13812345678" in _raw("members_archiveentry", "before")
    migration.forwards(apps, None)
    raw = _raw("members_archiveentry", "before")
    assert "13812345678" not in raw
    assert county.zhang.id_number[-4:] + '"' not in raw
    entry.refresh_from_db()
    assert entry.plain_before() == {
        "phone": "13812345678",
        "id_number": crypto.mask_id_number(county.zhang.id_number),
        "name": "张三",
    }


# --- membership is not an oracle ---------------------------------------------------------


def _meeting(county: Any) -> Activity:
    return Activity.objects.create(
        organization=county.east_village,
        kind=ActivityKind.THEME_DAY,
        on=today() - dt.timedelta(days=1),
        topic="主题党日",
    )


def test_a_bare_id_number_does_not_tell_who_is_a_member_elsewhere(client, county, settings):
    """A secretary adding a guest by ID number gets one answer for a member of another township
    and for a number nobody holds; nothing is written; each lookup is audited and limited."""
    settings.DANGJIAN_GUEST_LOOKUPS_PER_HOUR = 3
    meeting = _meeting(county)
    client.force_login(county.east_secretary)
    url = f"/api/v1/activities/{meeting.pk}/guests"
    answers = []
    for number in (county.sun.id_number, make_id_number("110101", dt.date(1990, 1, 1), 5, "1")):
        response = client.post(url, {"id_number": number}, content_type="application/json")
        assert response.status_code == 400
        assert "孙八" not in response.text
        assert "西村" not in response.text
        answers.append(response.json())
    assert answers[0] == answers[1]
    assert answers[0]["code"] == "guest_out_of_scope"
    assert not Attendance.objects.filter(member=county.sun).exists()
    lookups = AuditEvent.objects.filter(target_type=activity_services.GUEST_LOOKUP)
    assert lookups.count() == 2
    assert all(county.sun.id_number not in json.dumps(e.detail) for e in lookups)
    client.post(url, {"id_number": county.sun.id_number}, content_type="application/json")
    limited = client.post(url, {"id_number": county.sun.id_number}, content_type="application/json")
    assert limited.json()["code"] == "guest_lookup_limit"


def _import_job(actor: Any, organization: Any, rows: list[dict[str, Any]], tmp: Path) -> ImportJob:
    path = write_csv(tmp / "名册.csv", rows)
    job = roster_services.job_create(
        actor=actor,
        kind=ImportKind.MEMBERS,
        upload=path,
        organization=organization,
        valid_rows_only=True,
    )
    return roster_services.job_validate(job.pk)


def test_the_import_preview_says_already_registered_only_within_scope(county, settings, tmp_path):
    """An ID number of a member the importer reads is "already registered"; one of a member
    elsewhere gets a neutral refusal that does not say "party member"; the preview is audited
    and its spool holds no clear number."""
    settings.VAR_DIR = tmp_path / "var"
    ours, theirs = (
        member_row(姓名=name, 公民身份号码=m.id_number, birth=m.birth_date, sex_code=m.sex)
        for name, m in (("甲", county.zhang), ("乙", county.sun))
    )
    fresh = member_row(姓名="丙")
    job = _import_job(county.east_secretary, county.east_village, [ours, theirs, fresh], tmp_path)
    messages = {row: message for row, _column, message in job.errors}
    assert "已登记为党员" in messages[2]
    assert "党员" not in messages[3]
    assert "无法导入" in messages[3]
    preview = AuditEvent.objects.get(action=AuditAction.IMPORT)
    assert preview.detail["refused_elsewhere"] == 1
    spool = (job.directory / "valid.spool").read_bytes()
    assert fresh["公民身份号码"].encode() not in spool
    job = roster_services.job_commit(job.pk)
    assert job.status == JobStatus.DONE
    assert Member.objects.filter(name="丙").exists()
    assert not Member.objects.filter(name__in=["甲", "乙"]).exists()
    assert not job.directory.exists()  # done: the upload, spool and report are gone


def test_abandoned_and_failed_imports_leave_no_files(county, settings, tmp_path):
    """A job never committed is ended after the keep period by roster_cleanup, with its files;
    a failed job deletes its files at once; a fresh one keeps them."""
    settings.VAR_DIR = tmp_path / "var"
    with time_machine.travel(dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC), tick=False):
        stale = _import_job(county.east_secretary, county.east_village, [member_row()], tmp_path)
    fresh = _import_job(county.east_secretary, county.east_village, [member_row()], tmp_path)
    (tmp_path / "var" / "roster" / "orphan").mkdir()
    failed = roster_services.job_create(
        actor=county.east_secretary,
        kind=ImportKind.MEMBERS,
        upload=write_csv(tmp_path / "空.csv", [], headers=["乱七八糟"]),
        organization=county.east_village,
    )
    failed = roster_services.job_validate(failed.pk)
    assert failed.status == JobStatus.FAILED
    assert not failed.directory.exists()
    assert stale.directory.exists()
    out = io.StringIO()
    call_command("roster_cleanup", "--days", "7", stdout=out)
    stale.refresh_from_db()
    assert stale.status == JobStatus.FAILED
    assert not stale.directory.exists()
    assert not (tmp_path / "var" / "roster" / "orphan").exists()
    assert fresh.directory.exists()
    assert "作废 1" in out.getvalue()


def test_nginx_logs_paths_without_query_strings():
    """Every access log of the nginx site uses a format without the query string or referer."""
    conf = (Path(__file__).resolve().parent.parent / "deploy/nginx/dangjian.conf").read_text()
    logs = re.findall(r"^\s*access_log\s+([^;]+);", conf, re.MULTILINE)
    assert logs
    assert all(line.split()[-1] == "dangjian_noquery" for line in logs)
    fmt = re.search(r"log_format dangjian_noquery(.+?);", conf, re.DOTALL)
    assert fmt is not None
    for leak in ("$request ", '$request"', "$request_uri", "$args", "$query_string", "referer"):
        assert leak not in fmt.group(1), leak


# --- the export is the list ----------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        {"ethnicity": "MINORITY"},
        {"ethnicity": Ethnicity.HAN},
        {"occupation": Occupation.FARMER},
        {"joined_from": "2010-01-01"},
        {"joined_to": "2009-12-31"},
        {"sex": "2", "status": "ALL"},
        {"q": "zs"},
        {"age_band": "61-", "education_band": ""},
    ],
    ids=lambda q: "&".join(f"{k}={v}" for k, v in q.items()),
)
def test_the_export_holds_exactly_the_members_of_the_list(client, county, query):
    """Whatever the filters, the export lists the same members as the list page."""
    build_member(
        organization=county.east_village,
        name="阿依古丽",
        sex="2",
        ethnicity=Ethnicity.UYGHUR,
        occupation=Occupation.FARMER,
        joined_on=dt.date(2012, 7, 1),
    )
    client.force_login(county.east_admin)
    listed = client.get(reverse("members:list"), query)
    names = sorted(m.name for m in listed.context["page"].object_list)
    export = client.get(reverse("roster:export"), {**query, "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(b"".join(export).decode("utf-8-sig"))))
    assert sorted(r["*姓名"] for r in rows) == names
