"""The indexes an imported row maintains are the ones queries use (decision 0279)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Model

from dangjian.members.models import ArchiveEntry, Member, Membership

pytestmark = pytest.mark.django_db


def _indexes(model: type[Model], columns: list[str]) -> dict[str, bool]:
    """{name: unique} of the indexes and unique constraints on exactly these columns."""
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return {
        name: info["unique"]
        for name, info in found.items()
        if info["columns"] == columns
        and (info["index"] or info["unique"])
        and not info["primary_key"]
    }


def test_phone_and_lookup_hash_have_one_index_each() -> None:
    """The phone and the ID number's lookup hash are compared whole: one B-tree each, no
    varchar_pattern_ops twin (what db_index or unique on a CharField adds on PostgreSQL)."""
    assert _indexes(Member, ["phone"]) == {"member_phone_idx": False}
    assert _indexes(Member, ["id_number_hash"]) == {"member_id_number_hash_unique": True}


def test_foreign_keys_served_by_the_composite_indexes_have_none_of_their_own() -> None:
    """A membership's organization and an archive entry's member are found through the
    composite indexes that begin with them."""
    assert _indexes(Membership, ["organization_id"]) == {}
    assert _indexes(Membership, ["organization_id", "is_latest"]) == {
        "membership_org_latest_idx": False
    }
    assert _indexes(ArchiveEntry, ["member_id"]) == {}
    assert _indexes(ArchiveEntry, ["member_id", "at"]) == {"archive_member_at_idx": False}
