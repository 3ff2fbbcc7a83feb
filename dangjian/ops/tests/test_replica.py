"""Read replicas: with a `replica` database configured, the report pages and the statistics API
read from it; every other page, and every write, use the primary.

A second PostgreSQL database stands in for the replica: a copy of the test database made with
pg_dump/pg_restore (what a base backup of streaming replication gives), then changed in one
place so the test can tell which database a page read.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from django.db import connection, connections
from django.db.utils import load_backend
from django.urls import reverse

from dangjian.ops import routers
from dangjian.organizations.models import Organization

REPLICA_NAME = "副本中的西镇党委"


@pytest.fixture
def replica(county: Any) -> Iterator[str]:
    if connection.vendor != "postgresql":
        pytest.skip("read replicas are a PostgreSQL feature (run with DATABASE_URL)")
    params = connections.settings["default"]
    name = f"{params['NAME']}_replica"
    host = params.get("HOST") or ""
    with psycopg.connect(dbname="postgres", autocommit=True, host=host or None) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    host_args = ["--host", host] if host else []
    dump = subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", *host_args, str(params["NAME"])],
        capture_output=True,
        check=True,
    )
    subprocess.run(
        ["pg_restore", "--no-owner", *host_args, "--dbname", name],
        input=dump.stdout,
        capture_output=True,
        check=True,
    )
    # Registered as a connection only (not in settings): the test case then lets it connect.
    backend = load_backend(params["ENGINE"])
    connections[routers.REPLICA] = backend.DatabaseWrapper(
        {**params, "NAME": name}, routers.REPLICA
    )
    with connections[routers.REPLICA].cursor() as cursor:
        cursor.execute(
            "UPDATE organizations_organization SET name = %s WHERE id = %s",
            [REPLICA_NAME, county.west.pk],
        )
    try:
        yield name
    finally:
        connections[routers.REPLICA].close()
        del connections[routers.REPLICA]
        with psycopg.connect(dbname="postgres", autocommit=True, host=host or None) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.django_db(transaction=True)
def test_report_pages_read_from_the_replica(county: Any, replica: str, client: Any) -> None:
    """The report page shows the replica's copy; the organization's edit page the primary's."""
    client.force_login(county.county_admin)
    report = client.get(reverse("reports:organization", args=[county.west.pk]))
    assert report.status_code == 200
    assert REPLICA_NAME in report.content.decode()
    edit = client.get(reverse("organizations:edit", args=[county.west.pk]))
    assert REPLICA_NAME not in edit.content.decode()
    assert "西镇党委" in edit.content.decode()


@pytest.mark.django_db(transaction=True)
def test_writes_and_transactions_stay_on_the_primary(county: Any, replica: str) -> None:
    with routers.reads_from_replica():
        assert Organization.objects.get(pk=county.west.pk).name == REPLICA_NAME
        Organization.objects.filter(pk=county.east.pk).update(short_name="东镇新址")
        from django.db import transaction

        with transaction.atomic():  # a write transaction reads what it wrote
            assert Organization.objects.get(pk=county.west.pk).name == "西镇党委"
    assert Organization.objects.get(pk=county.east.pk).short_name == "东镇新址"
    with connections[routers.REPLICA].cursor() as cursor:
        cursor.execute(
            "SELECT short_name FROM organizations_organization WHERE id = %s", [county.east.pk]
        )
        assert cursor.fetchone()[0] != "东镇新址"


@pytest.mark.django_db
def test_without_a_replica_everything_reads_the_primary(county: Any) -> None:
    """No replica configured: the router leaves every read where it was."""
    assert not routers.replica_configured()
    with routers.reads_from_replica():
        assert routers.ReplicaRouter().db_for_read(Organization) is None
        assert Organization.objects.get(pk=county.west.pk).name == "西镇党委"
