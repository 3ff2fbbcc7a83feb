"""The demo county, built once per test run for every test in this package.

Building it takes 20–30 s; each module used to build its own. The package fixture builds it in a
transaction that is rolled back after the package's last test, so no other test sees it. Under
pytest-xdist, `make test` runs with `--dist loadfile` and the tests live in one module:
one worker, one build.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection, transaction

from dangjian.site import demo


@pytest.fixture(scope="package")
def built(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Any]:
    """The built county (demo.build_demo_county's result), rolled back after the package."""
    with django_db_blocker.unblock(), transaction.atomic():
        report = demo.build_demo_county()
        # Check the build's deferred foreign keys once, here. Otherwise each test's teardown
        # (Django checks constraints before rolling back) checks the whole county's again on
        # PostgreSQL: 30 s a test with the 700,000 attendance rows.
        connection.check_constraints()
        yield report
        transaction.set_rollback(True)


@pytest.fixture
def county_committee(built: Any) -> Any:
    from dangjian.organizations.choices import OrgKind
    from dangjian.organizations.models import Organization

    return Organization.objects.get(kind=OrgKind.LOCAL_COMMITTEE)
