"""Fixtures shared by every test: a small county with two townships, branches, members and users.

县委 (LOCAL_COMMITTEE)
├── 东镇党委 (PARTY_COMMITTEE)
│   ├── 东村党支部 (BRANCH)       张三 李四 王五 (full), 赵六 (probationary)
│   └── 南村党支部 (BRANCH)       钱七
└── 西镇党委 (PARTY_COMMITTEE)
    └── 西村党支部 (BRANCH)       孙八
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from typing import Any, cast

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from dangjian.accounts.choices import Role
from dangjian.members.choices import MemberCategory, Sex
from dangjian.members.models import Member
from dangjian.organizations.choices import OrgKind, UnitKind
from dangjian.organizations.models import Organization
from dangjian.site.testing import build_member, build_org, build_user

# CI runs on a 2-core machine that may be busy: how long an example takes is no finding (no
# deadline, no "data generation too slow"); tests that set their own settings keep these.
hypothesis_settings.register_profile(
    "dangjian", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("dangjian")

# Playwright's sync API runs an event loop in the test thread; the ORM calls it makes through
# the live server are in other threads, and fixtures that touch the ORM are synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@dataclass
class Tree:
    """The organizations and users of the small county, without members."""

    county: Organization
    east: Organization
    east_village: Organization
    south_village: Organization
    west: Organization
    west_village: Organization
    county_admin: Any
    east_admin: Any
    east_secretary: Any
    east_observer: Any
    west_admin: Any
    member_user: Any


@dataclass
class County(Tree):
    """The tree with its members; `member_user` signs in as 张三."""

    zhang: Member
    li: Member
    wang: Member
    zhao: Member
    qian: Member
    sun: Member


@pytest.fixture
def tree(db: Any) -> Tree:
    county = build_org(name="示范县委", kind=OrgKind.LOCAL_COMMITTEE, code="C0001")
    east = build_org(
        name="东镇党委",
        kind=OrgKind.PARTY_COMMITTEE,
        parent=county,
        code="C0002",
        unit_kind=UnitKind.TOWNSHIP,
    )
    east_village = build_org(
        name="东村党支部", parent=east, code="C0003", unit_kind=UnitKind.VILLAGE
    )
    west = build_org(
        name="西镇党委",
        kind=OrgKind.PARTY_COMMITTEE,
        parent=county,
        code="C0005",
        unit_kind=UnitKind.TOWNSHIP,
    )
    return Tree(
        county=county,
        east=east,
        east_village=east_village,
        south_village=build_org(
            name="南村党支部", parent=east, code="C0004", unit_kind=UnitKind.VILLAGE
        ),
        west=west,
        west_village=build_org(
            name="西村党支部", parent=west, code="C0006", unit_kind=UnitKind.VILLAGE
        ),
        county_admin=build_user(username="county", role=Role.ADMINISTRATOR, organization=county),
        east_admin=build_user(username="east", role=Role.ADMINISTRATOR, organization=east),
        east_secretary=build_user(
            username="secretary", role=Role.SECRETARY, organization=east_village
        ),
        east_observer=build_user(username="observer", role=Role.OBSERVER, organization=east),
        west_admin=build_user(username="west", role=Role.ADMINISTRATOR, organization=west),
        member_user=build_user(username="zhangsan", role=Role.MEMBER, organization=east_village),
    )


@pytest.fixture
def county(tree: Tree) -> County:
    east_village = tree.east_village
    zhang = build_member(organization=east_village, name="张三", phone="13812345678")
    li = build_member(organization=east_village, name="李四", birth_date=dt.date(1975, 3, 2))
    wang = build_member(
        organization=east_village,
        name="王五",
        sex=Sex.FEMALE,
        birth_date=dt.date(1990, 8, 9),
        joined_on=dt.date(2012, 7, 1),
    )
    zhao = build_member(
        organization=east_village,
        name="赵六",
        birth_date=dt.date(2000, 1, 15),
        category=MemberCategory.PROBATIONARY,
        joined_on=dt.date(2026, 6, 1),
    )
    qian = build_member(
        organization=tree.south_village, name="钱七", birth_date=dt.date(1960, 10, 1)
    )
    sun = build_member(organization=tree.west_village, name="孙八", phone="13900001111")
    Member.objects.filter(pk=zhang.pk).update(user=tree.member_user)
    zhang.refresh_from_db()
    return County(**vars(tree), zhang=zhang, li=li, wang=wang, zhao=zhao, qian=qian, sun=sun)


# Tests that share a fixture built once per module or package, or something outside the
# worker's own database (a Redis database), stay on one pytest-xdist worker: prefixes of their
# test IDs. Every other test goes to whichever
# worker is free (pytest_xdist_make_scheduler below); collection refuses a module that builds
# a module-, package- or class-scoped fixture of ours and is not listed here.
ONE_WORKER = (
    "tests/demo/",  # the demo county, 28,682 members (tests/demo/conftest.py)
    "tests/test_translations.py",  # the sources and templates read once
    "dangjian/ops/tests/test_streaming_replica.py",  # a PostgreSQL primary and its standby
    "dangjian/core/tests/test_tasks_redis.py",  # one Redis database, emptied by each test
)
_OURS = ("tests", "dangjian", "conftest")


def _shared_by_one_worker(nodeid: str) -> str | None:
    return next((prefix for prefix in ONE_WORKER if nodeid.startswith(prefix)), None)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests that commit (transactional, live server) `transactional`.

    Such a test ends by flushing the database, which takes the rows the migrations seeded (rate
    tables, frequency rules, indicators) with it. Alone, pytest-django runs them last; across
    pytest-xdist workers it cannot, so `make test` runs them in a second pass of their own.

    And refuse a test that uses a fixture of ours built once per module, package or class
    outside ONE_WORKER: spread over the workers, it would be built on each.
    """
    for item in items:
        marker = item.get_closest_marker("django_db")
        commits = bool(marker and marker.kwargs.get("transaction"))
        names = getattr(item, "fixturenames", ())
        if commits or "live_server" in names or "transactional_db" in names:
            item.add_marker(pytest.mark.transactional)
        info = getattr(item, "_fixtureinfo", None)
        if info is None or _shared_by_one_worker(item.nodeid):
            continue
        for definitions in info.name2fixturedefs.values():
            fixture = definitions[-1]
            module = getattr(fixture.func, "__module__", "") or ""
            if fixture.scope in ("module", "package", "class") and module.startswith(_OURS):
                raise pytest.UsageError(
                    f"{item.nodeid} uses the {fixture.scope}-scoped fixture "
                    f"{fixture.argname!r}: add its module to ONE_WORKER in conftest.py"
                )


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`--dist loadscope` with one test as the unit of work, except the ONE_WORKER groups.

    `--dist loadfile` sent a whole module to a worker: a module of a few slow tests (the hostile
    input walks, the deployments started as subprocesses) came last, as loadfile orders modules
    by their number of tests, and kept one worker busy while the other had nothing left. One
    test at a time, both workers finish within a test of each other. (xdist's own `loadgroup`
    would say the same with marks, but pytest 9 ignores its groups.)
    """
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling  # type: ignore[import-untyped]

    class OneTestAtATime(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return _shared_by_one_worker(nodeid) or nodeid

    return OneTestAtATime(config, log)


@pytest.fixture(autouse=True)
def _reset_language() -> Any:
    """A request in English must not leave English switched on for the next test."""
    from django.conf import settings
    from django.utils import translation

    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _forget_rate_tables() -> Any:
    """The rate tables are kept per process; a test's own tables go with its transaction."""
    from dangjian.dues import rules

    rules.forget_tables()
    yield
    rules.forget_tables()


@pytest.fixture(scope="session")
def django_db_setup(
    request: pytest.FixtureRequest,
    django_test_environment: None,
    django_db_blocker: Any,
    django_db_use_migrations: bool,
    django_db_keepdb: bool,
    django_db_createdb: bool,
    django_db_modify_db_settings: None,
) -> Any:
    """pytest-django's test databases, copied from a migrated template (tests/databases.py).

    Falls back to pytest-django's own way for what the template does not cover: --nomigrations,
    --reuse-db, serialized rollback, more than one database.
    """
    from django.test.utils import setup_databases, teardown_databases
    from pytest_django.fixtures import _disable_migrations, _get_databases_for_setup

    from tests import databases

    verbosity = request.config.option.verbose
    aliases, serialized_aliases = _get_databases_for_setup(request.session.items)
    keepdb = django_db_keepdb and not django_db_createdb
    config = None
    with django_db_blocker.unblock():
        if django_db_use_migrations and not keepdb and not serialized_aliases and aliases:
            config = databases.setup_databases(verbosity, set(aliases))
        if config is None:
            if not django_db_use_migrations:
                _disable_migrations()
            config = setup_databases(
                verbosity=verbosity,
                interactive=False,
                aliases=cast(Any, aliases),  # a set, as pytest-django passes it
                serialized_aliases=serialized_aliases,
                keepdb=keepdb,
            )
    yield
    if not django_db_keepdb:
        with django_db_blocker.unblock():
            teardown_databases(config, verbosity=verbosity)


@pytest.fixture(scope="session", autouse=True)
def _quick_postgresql_flush() -> Any:
    """A committing test ends with Django's flush: on PostgreSQL one TRUNCATE of all ~100
    tables, about a second each time (every table gets a new file). Emptying only the tables
    that hold rows, with DELETE (the foreign keys are deferred to the commit, where every row is
    gone), leaves the same empty database in a tenth of the time. Tables with a trigger before
    DELETE (the append-only audit log refuses it) are still truncated; the triggers that keep
    a member's organization path (after a change) let DELETE pass."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    original = DatabaseOperations.sql_flush

    def sql_flush(
        self: Any,
        style: Any,
        tables: Any,
        *,
        reset_sequences: bool = False,
        allow_cascade: bool = False,
    ) -> list[str]:
        if reset_sequences or allow_cascade or not tables:
            return original(
                self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        quote = self.quote_name  # the table names come from Django's introspection, quoted
        with self.connection.cursor() as cursor:
            cursor.execute(
                " UNION ALL ".join(f"(SELECT %s FROM {quote(t)} LIMIT 1)" for t in tables),  # noqa: S608
                list(tables),
            )
            filled = [row[0] for row in cursor.fetchall()]
            cursor.execute(
                # tgtype bits: 2 = BEFORE, 8 = DELETE.
                "SELECT DISTINCT tgrelid::regclass::text FROM pg_trigger"
                " WHERE NOT tgisinternal AND tgtype & 10 = 10"
            )
            triggered = {row[0] for row in cursor.fetchall()}
        truncate = [table for table in filled if table in triggered]
        statements = [f"DELETE FROM {quote(t)};" for t in filled if t not in triggered]  # noqa: S608
        return statements + (original(self, style, truncate) if truncate else [])

    DatabaseOperations.sql_flush = sql_flush  # type: ignore[method-assign]
    yield
    DatabaseOperations.sql_flush = original  # type: ignore[method-assign]
