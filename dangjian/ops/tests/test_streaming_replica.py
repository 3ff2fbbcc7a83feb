"""A real streaming replica: the report pages read from a hot standby, lag and all.

The test starts its own small PostgreSQL cluster (initdb in a temporary directory, sockets
only, replication allowed) and a standby of it made with `pg_basebackup -R`: two real
postmasters, the standby replaying the primary's WAL as it streams. The system cluster is not
used for this: its pg_hba allows no replication, and it may hold multi-GB bench databases.

The primary gets its tables from the migrated template the test databases are cloned from
(tests/databases.py; a full `migrate` costs 8–20 s of CPU: it runs only when no template is
there) with one app left out, which `migrate` then migrates on the primary with the replica
configured: the new table reaches the standby by replication, the migration never connects to
the standby (its log of connections says so), and `migrate --database replica` is refused.

The pages are then served in this process (Django's test client) with `default` pointing at
the primary and `replica` at the standby, as `DATABASE_URL` and `DANGJIAN_REPLICA_URL` would
set them. `pg_wal_replay_pause()` on the standby makes replication lag as long as the test
wants: the report page shows the old figure while the primary has the new one.

One test (one scenario) so that pytest-xdist does not start the pair on two workers. On SQLite
it is skipped (the PostgreSQL pass runs it); without PostgreSQL's server programs it is
skipped, except with CI=true, where it fails.
"""

from __future__ import annotations

import io
import logging
import os
import pwd
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import caches
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, transaction
from django.db.utils import load_backend

from dangjian.accounts.choices import Role
from dangjian.core.dates import today
from dangjian.dues import rules as dues_rules
from dangjian.ops import routers
from dangjian.organizations.choices import OrgKind, UnitKind
from dangjian.organizations.models import Organization
from dangjian.reports.models import ReportSnapshot
from dangjian.site.testing import build_member, build_org, build_user

ROOT = Path(settings.BASE_DIR)
TOOLS = ("initdb", "pg_ctl", "pg_basebackup", "pg_dump", "pg_restore")
DATABASE = "dangjian"
PRIMARY_PORT, STANDBY_PORT = 5432, 5433  # sockets only, in a directory of our own
# One app, depended on by none, migrated by the test itself: its table and its migration.
LEFT_TO_MIGRATE, ITS_TABLE = "sessions", "django_session"
TIMEOUT = 60


def _server_programs() -> Path | None:
    """The directory of PostgreSQL's server programs: the major version of the test server
    first (its pg_dump reads the template), else the newest installed, else on the PATH."""
    major = int(getattr(connection, "pg_version", 0)) // 10000
    candidates = [Path(f"/usr/lib/postgresql/{major}/bin")]
    candidates += sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0,
        reverse=True,
    )
    if initdb := shutil.which("initdb"):
        candidates.append(Path(initdb).resolve().parent)
    for directory in candidates:
        if all((directory / tool).is_file() for tool in TOOLS):
            return directory
    return None


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}, and CI=true requires the streaming-replica test.")
    pytest.skip(reason)


def _as_server_user() -> list[str]:
    """PostgreSQL refuses to run as root: as root, run the server programs as `postgres`."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        _unavailable("running as root without a `postgres` user to run PostgreSQL as")
    runuser = shutil.which("runuser")
    if runuser is None:
        _unavailable("running as root without `runuser` to start PostgreSQL as `postgres`")
    return [str(runuser), "-u", "postgres", "--"]


def _run(
    command: list[str], timeout: float = TIMEOUT, **kwargs: Any
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, **kwargs)
    assert result.returncode == 0, f"{command[0:4]}…: {result.stdout}{result.stderr}"
    return result


@dataclass
class Pair:
    """The primary and its standby, with what the test does to them."""

    bindir: Path
    sockets: Path
    as_server: list[str]
    timings: dict[str, float]

    def url(self, port: int) -> str:
        return f"postgresql://postgres@/{DATABASE}?host={self.sockets}&port={port}"

    def connect(self, port: int, dbname: str = DATABASE) -> psycopg.Connection[Any]:
        return psycopg.connect(
            host=str(self.sockets), port=port, user="postgres", dbname=dbname, autocommit=True
        )

    def sql(self, port: int, query: str, params: Any = None, dbname: str = DATABASE) -> Any:
        with self.connect(port, dbname) as conn:
            row = conn.execute(query, params).fetchone()
            return row[0] if row else None

    def pg_ctl(self, name: str, action: str, *options: str) -> None:
        _run(
            [
                *self.as_server,
                str(self.bindir / "pg_ctl"),
                action,
                "-D",
                str(self.sockets / name),
                *options,
            ]
        )

    def start(self, name: str, port: int, *settings_: str) -> None:
        options = " ".join(
            [
                "-c listen_addresses=''",
                f"-c unix_socket_directories='{self.sockets}'",
                f"-c port={port}",
                "-c fsync=off",
                "-c shared_buffers=16MB",
                "-c max_connections=30",
                "-c log_connections=on",
                *settings_,
            ]
        )
        self.pg_ctl(
            name, "start", "-w", "-t", str(TIMEOUT), "-l", str(self.log(name)), "-o", options
        )

    def log(self, name: str) -> Path:
        return self.sockets / f"{name}.log"

    def start_standby(self) -> None:
        self.start("standby", STANDBY_PORT, "-c hot_standby=on")

    def stop_standby(self) -> None:
        self.pg_ctl("standby", "stop", "-w", "-m", "fast")

    def catch_up(self) -> None:
        """Wait until the standby has replayed everything the primary has written."""
        target = self.sql(PRIMARY_PORT, "SELECT pg_current_wal_lsn()::text")
        deadline = time.monotonic() + TIMEOUT
        while not self.sql(STANDBY_PORT, "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target]):
            assert time.monotonic() < deadline, "the standby did not catch up"
            time.sleep(0.02)

    def pause_replay(self) -> None:
        self.catch_up()
        self.sql(STANDBY_PORT, "SELECT pg_wal_replay_pause()")
        deadline = time.monotonic() + TIMEOUT
        while self.sql(STANDBY_PORT, "SELECT pg_get_wal_replay_pause_state()") != "paused":
            assert time.monotonic() < deadline, "replay did not pause"
            time.sleep(0.02)

    def resume_replay(self) -> None:
        self.sql(STANDBY_PORT, "SELECT pg_wal_replay_resume()")
        self.catch_up()


def _template_database() -> str | None:
    """The migrated template this run's test databases were cloned from, if it is there."""
    from tests.databases import migrations_digest

    name = re.sub(r"_gw\d+$", "", str(connection.settings_dict["NAME"]))
    template = f"{name}_tpl_{migrations_digest()}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [template])
        return template if cursor.fetchone() else None


def _migrate_in_a_subprocess(pair: Pair) -> None:
    """`dangjian migrate` on the primary, as a deployment runs it (the replica configured)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "DANGJIAN_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=pair.url(PRIMARY_PORT),
        DANGJIAN_REPLICA_URL=pair.url(STANDBY_PORT),
    )
    _run(
        [sys.executable, "manage.py", "migrate", "--no-input", "--skip-checks", "-v", "0"],
        timeout=600,
        cwd=ROOT,
        env=env,
    )


@pytest.fixture(scope="module")
def pair(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Pair]:
    with django_db_blocker.unblock():  # the test database: its server's version, its template
        yield from _streaming_pair()


def _streaming_pair() -> Iterator[Pair]:
    if connection.vendor != "postgresql":
        pytest.skip("streaming replication is PostgreSQL's (the PostgreSQL pass runs this)")
    bindir = _server_programs()
    if bindir is None:
        _unavailable("PostgreSQL's server programs (initdb, pg_ctl, pg_basebackup) are missing")
    assert bindir is not None
    as_server = _as_server_user()
    # A short path: a socket's path must fit in 107 bytes.
    sockets = Path(tempfile.mkdtemp(prefix="dj-replica-"))
    if as_server:
        shutil.chown(sockets, "postgres")
    pair = Pair(bindir, sockets, as_server, {})
    started: list[str] = []
    clock = time.monotonic()
    try:
        _run(
            [*as_server, str(bindir / "initdb"), "-D", str(sockets / "primary"), "--no-sync",
             "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8"]
        )  # fmt: skip
        pair.timings["initdb"] = time.monotonic() - clock
        pair.start(
            "primary",
            PRIMARY_PORT,
            "-c wal_level=replica",
            "-c max_wal_senders=4",
            "-c wal_keep_size=256MB",
        )
        started.append("primary")
        clock = time.monotonic()
        _run(
            [*as_server, str(bindir / "pg_basebackup"), "-D", str(sockets / "standby"),
             "-h", str(sockets), "-p", str(PRIMARY_PORT), "-U", "postgres",
             "-R", "-X", "stream", "--checkpoint=fast", "--no-sync"]
        )  # fmt: skip
        pair.timings["pg_basebackup"] = time.monotonic() - clock
        assert (sockets / "standby" / "standby.signal").exists()
        pair.start_standby()
        started.append("standby")
        assert pair.sql(STANDBY_PORT, "SELECT pg_is_in_recovery()", dbname="postgres") is True
        # The database and its tables are made on the primary after the base backup: they
        # reach the standby by streaming.
        clock = time.monotonic()
        with pair.connect(PRIMARY_PORT, "postgres") as admin:
            admin.execute(f'CREATE DATABASE "{DATABASE}"')
        if template := _template_database():
            connection.ensure_connection()
            info = connection.connection.info  # where the test database really is
            source = ["-d", template, "-h", info.host, "-p", str(info.port), "-U", info.user]
            dump = subprocess.run(
                [str(bindir / "pg_dump"), "--format=custom", *source],
                capture_output=True,
                timeout=TIMEOUT,
                check=True,
            )
            restored = subprocess.run(
                [str(bindir / "pg_restore"), "--no-owner", "--no-acl", "--exit-on-error",
                 "-h", str(sockets), "-p", str(PRIMARY_PORT), "-U", "postgres", "-d", DATABASE]
                ,
                input=dump.stdout,
                capture_output=True,
                timeout=TIMEOUT,
            )  # fmt: skip
            assert restored.returncode == 0, restored.stderr.decode()
            pair.timings["tables from the template"] = time.monotonic() - clock
            with pair.connect(PRIMARY_PORT) as primary:
                primary.execute(f"DROP TABLE {ITS_TABLE}")
                primary.execute("DELETE FROM django_migrations WHERE app = %s", [LEFT_TO_MIGRATE])
        else:  # no template kept (another run's name): migrate everything, the slow way
            _migrate_in_a_subprocess(pair)
            pair.timings["tables by migrate (no template)"] = time.monotonic() - clock
        pair.catch_up()
        yield pair
    finally:
        for name in reversed(started):
            subprocess.run(
                [*as_server, str(bindir / "pg_ctl"), "stop", "-D", str(sockets / name),
                 "-m", "immediate", "-w"],
                capture_output=True,
                timeout=TIMEOUT,
            )  # fmt: skip
        shutil.rmtree(sockets, ignore_errors=True)


def _forget_process_caches() -> None:
    """What this process remembers of the database it used before (content types, rate
    tables, the figure and page caches) is not true of the other one."""
    ContentType.objects.clear_cache()
    dues_rules.forget_tables()
    for cache in caches.all(initialized_only=True):
        cache.clear()


@pytest.fixture
def served_by_pair(pair: Pair) -> Iterator[Pair]:
    """`default` is the primary and `replica` the standby, in this process, for this test."""
    params = connections.settings["default"]
    backend = load_backend(params["ENGINE"])

    def wrapper(port: int, alias: str) -> Any:
        options = {"host": str(pair.sockets), "port": port}
        if alias == routers.REPLICA:
            options["connect_timeout"] = 3
        return backend.DatabaseWrapper(
            {**params, "NAME": DATABASE, "USER": "postgres", "PASSWORD": "", "HOST": "",
             "PORT": "", "CONN_MAX_AGE": 60, "OPTIONS": options},
            alias,
        )  # fmt: skip

    original = connections["default"]
    connections["default"] = wrapper(PRIMARY_PORT, "default")
    connections[routers.REPLICA] = wrapper(STANDBY_PORT, routers.REPLICA)
    routers.forget_replica_state()
    _forget_process_caches()
    try:
        yield pair
    finally:
        connections[routers.REPLICA].close()
        del connections[routers.REPLICA]
        connections["default"].close()
        connections["default"] = original
        routers.forget_replica_state()
        _forget_process_caches()


def _cpu() -> float:
    """CPU seconds of this process and of the programs it ran (not of the servers)."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _new_connections(pair: Pair, log: str, since: int) -> list[str]:
    text = pair.log(log).read_text(errors="replace")[since:]
    return [line for line in text.splitlines() if "connection authorized" in line]


def _members_in_report(client: Any, org: Organization) -> int:
    page = client.get(f"/reports/organizations/{org.pk}/report/")
    assert page.status_code == 200, page.status_code
    found = re.search(r"共有党员(\d+)名", page.content.decode())
    assert found, "the report page has no member total"
    return int(found.group(1))


def _members_in_api(client: Any, org: Organization) -> int:
    response = client.get(f"/api/v1/statistics/organizations/{org.pk}/report")
    assert response.status_code == 200, response.content
    members = next(t for t in response.json()["tables"] if t["key"] == "members")
    return int(members["rows"][0]["values"][0])


def _metric(client: Any, name: str) -> float:
    text = client.get("/ops/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    found = re.search(rf"^{name} (\S+)$", text, re.MULTILINE)
    assert found, f"{name} is not in /ops/metrics"
    return float(found.group(1))


def _members_on_primary() -> int:
    from dangjian.members.models import Member

    return Member.objects.count()  # outside a report request: the primary


@pytest.mark.django_db(transaction=True)
def test_a_streaming_standby_serves_the_reports(
    served_by_pair: Pair, client: Any, caplog: Any
) -> None:
    pair = served_by_pair
    clock = [time.monotonic(), _cpu()]

    def took(step: str) -> None:
        pair.timings[step] = time.monotonic() - clock[0]
        pair.timings[f"{step}, CPU"] = _cpu() - clock[1]
        clock[:] = [time.monotonic(), _cpu()]

    # 1. Migrations run on the primary; the standby gets the new table by replication and is
    #    never connected to, and a migration of the replica is refused.
    connections[routers.REPLICA].close()
    standby_log = pair.log("standby").stat().st_size
    out = io.StringIO()
    call_command("migrate", interactive=False, verbosity=1, stdout=out)
    if pair.timings.get("tables from the template"):
        assert f"Applying {LEFT_TO_MIGRATE}.0001_initial... OK" in out.getvalue()
    with pytest.raises(CommandError, match="不能迁移只读副本"):
        call_command("migrate", database=routers.REPLICA, interactive=False, verbosity=0)
    assert _new_connections(pair, "standby", standby_log) == []
    pair.catch_up()
    assert pair.sql(STANDBY_PORT, f"SELECT to_regclass('{ITS_TABLE}')::text") == ITS_TABLE
    assert pair.sql(
        STANDBY_PORT, "SELECT count(*) FROM django_migrations WHERE app = %s", [LEFT_TO_MIGRATE]
    )
    _forget_process_caches()  # the migration's signals filled the content types

    took("1 migrate")

    # 2. Data written on the primary; the report page and the statistics API read the standby.
    county = build_org(name="流复制县委", kind=OrgKind.LOCAL_COMMITTEE, code="R0001")
    town = build_org(
        name="流复制镇党委",
        kind=OrgKind.PARTY_COMMITTEE,
        parent=county,
        code="R0002",
        unit_kind=UnitKind.TOWNSHIP,
    )
    village = build_org(
        name="流复制村党支部", parent=town, code="R0003", unit_kind=UnitKind.VILLAGE
    )
    admin = build_user(username="replica-admin", role=Role.ADMINISTRATOR, organization=county)
    for name in ("甲一", "乙二", "丙三"):
        build_member(organization=village, name=name)
    pair.catch_up()
    client.force_login(admin)
    assert _members_in_report(client, county) == 3

    pair.pause_replay()  # from here the standby lags as long as the test wants
    build_member(organization=village, name="丁四")
    assert _members_on_primary() == 4
    assert _members_in_report(client, county) == 3  # the standby's figure
    assert _members_in_api(client, county) == 3
    assert _metric(client, "dangjian_replica_up") == 1
    assert _metric(client, "dangjian_replica_behind_bytes") > 0  # what monitoring sees
    pair.resume_replay()
    assert _members_in_report(client, county) == 4
    assert _members_in_api(client, county) == 4
    assert _metric(client, "dangjian_replica_behind_bytes") == 0

    took("2 lag")

    # 3. Inside a request that reads from the replica, a read after a write reads the primary.
    pair.pause_replay()
    with routers.reads_from_replica():
        assert Organization.objects.get(pk=town.pk).name == "流复制镇党委"
        Organization.objects.filter(pk=town.pk).update(name="流复制镇党委（改）")
        assert Organization.objects.get(pk=town.pk).name == "流复制镇党委（改）"
    with routers.reads_from_replica():  # a new request without the write: the standby
        assert Organization.objects.get(pk=town.pk).name == "流复制镇党委"
        with transaction.atomic():  # a transaction reads the primary
            assert Organization.objects.get(pk=town.pk).name == "流复制镇党委（改）"
    # Pages outside the reports read the primary.
    report = client.get(f"/reports/organizations/{town.pk}/").content.decode()
    assert "流复制镇党委（改）" not in report
    assert "流复制镇党委" in report
    assert "流复制镇党委（改）" in client.get(f"/orgs/{town.pk}/edit/").content.decode()

    took("3 in-request")

    # 4. Read your writes: someone who has just signed in is known (the session is read from
    #    the primary), and the page after their POST reads the primary until the standby has
    #    replayed that far; then the replica again.
    client.logout()
    client.force_login(admin)
    year = today().year - 1
    frozen = client.post(f"/reports/organizations/{county.pk}/snapshots/", {"year": year})
    assert frozen.status_code == 302, frozen.content
    assert ReportSnapshot.objects.filter(organization=county, year=year).exists()
    pinned = client.cookies[routers.PIN_COOKIE].value
    assert routers.valid_wal_location(pinned)
    snapshot = client.get(frozen["Location"])
    assert snapshot.status_code == 200  # from the primary: the standby has no snapshot yet
    listed = client.get(f"/api/v1/statistics/organizations/{county.pk}/snapshots")
    assert [item["year"] for item in listed.json()["items"]] == [year]
    assert pair.sql(STANDBY_PORT, "SELECT count(*) FROM reports_reportsnapshot") == 0
    pair.resume_replay()
    pair.pause_replay()
    build_member(organization=village, name="戊五")  # someone else's write: no cookie
    assert client.cookies[routers.PIN_COOKIE].value == pinned
    assert _members_in_report(client, county) == 4  # caught up with the pin: the replica
    pair.resume_replay()

    took("4 read your writes")

    # 5. The standby stops: the report pages read the primary, with a warning in the log,
    #    and the replica is left alone for DANGJIAN_REPLICA_RETRY_SECONDS, then tried again.
    pair.stop_standby()
    with caplog.at_level(logging.WARNING, logger="dangjian.ops.routers"):
        assert _members_in_report(client, county) == 5
        assert _members_in_api(client, county) == 5
    assert "read replica does not answer" in caplog.text
    assert _metric(client, "dangjian_replica_up") == 0
    assert routers._down_until - time.monotonic() > routers.retry_seconds() - 10
    pair.start_standby()
    routers.forget_replica_state()  # as if the retry time had passed
    pair.catch_up()
    pair.pause_replay()
    build_member(organization=village, name="己六")
    assert _members_in_report(client, county) == 5  # back on the (lagging) standby
    pair.resume_replay()
    took("5 standby down")
    print("\nstreaming replica, seconds:", {k: round(v, 2) for k, v in pair.timings.items()})
