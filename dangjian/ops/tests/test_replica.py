"""Read replicas without a replica (both databases): the router, the migrate guard, the cookie.

What happens with a replica, lag included, is shown against a real streaming standby in
test_streaming_replica.py (it replaced the copy of the test database that stood in for one).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from dangjian.core.dates import today
from dangjian.ops import routers
from dangjian.organizations.models import Organization


@pytest.mark.django_db
def test_without_a_replica_everything_reads_the_primary(county: Any) -> None:
    """No replica configured: the router leaves every read where it was."""
    assert not routers.replica_configured()
    with routers.reads_from_replica():
        assert routers.ReplicaRouter().db_for_read(Organization) is None
        assert Organization.objects.get(pk=county.west.pk).name == "西镇党委"


def test_migrations_never_touch_the_replica() -> None:
    router = routers.ReplicaRouter()
    assert router.allow_migrate(routers.REPLICA, "members") is False
    assert router.allow_migrate("default", "members") is True
    with pytest.raises(CommandError, match="不能迁移只读副本"):
        call_command("migrate", database=routers.REPLICA, interactive=False, verbosity=0)


@given(st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1))
def test_every_wal_location_is_read(high: int, low: int) -> None:
    assert routers.valid_wal_location(f"{high:X}/{low:X}")


@pytest.mark.parametrize(
    "text", ["", "0", "0/", "/0", "16/B374D848 ", "16/B374D848;", "123456789/0", "g/0", "1/2/3"]
)
def test_anything_else_in_the_cookie_is_ignored(text: str) -> None:
    assert not routers.valid_wal_location(text)


@pytest.mark.django_db
def test_without_a_replica_a_post_leaves_no_cookie(county: Any, client: Any) -> None:
    """No replica: the middleware does nothing, not even ask the primary where its WAL is."""
    client.force_login(county.county_admin)
    response = client.post(
        reverse("reports:snapshot_create", args=[county.east.pk]), {"year": today().year - 1}
    )
    assert response.status_code == 302
    assert routers.PIN_COOKIE not in response.cookies
