"""转正 and archive notes: the member services the recruitment pipeline calls."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dangjian.members import services
from dangjian.members.choices import MemberCategory
from dangjian.members.models import ArchiveEntry

pytestmark = pytest.mark.django_db


def test_convert_sets_category_date_and_archive(county: Any) -> None:
    """A probationary member converted on a date is a full member from then, with an entry."""
    zhao = county.zhao
    zhao.joined_on = dt.date(2024, 6, 1)
    zhao.save(update_fields=["joined_on"])
    services.member_convert_to_full(
        actor=county.east_admin, member=zhao, on=dt.date(2025, 6, 1), reason="支部大会通过"
    )
    zhao.refresh_from_db()
    assert zhao.category == MemberCategory.FULL
    assert zhao.full_member_on == dt.date(2025, 6, 1)
    entry = ArchiveEntry.objects.filter(member=zhao).first()
    assert entry is not None
    assert "转为正式党员" in entry.summary
    assert entry.effective_on == dt.date(2025, 6, 1)


def test_convert_refuses_before_a_year_and_for_full_members(county: Any) -> None:
    """Probation lasts a year; a full member is not converted again."""
    zhao = county.zhao  # joined 2026-06-01
    with pytest.raises(ValidationError) as info:
        services.member_convert_to_full(
            actor=county.east_admin, member=zhao, on=dt.date(2026, 11, 1)
        )
    assert "full_member_on" in info.value.message_dict
    with pytest.raises(ValidationError):
        services.member_convert_to_full(
            actor=county.east_admin, member=county.li, on=dt.date(2026, 1, 1)
        )


def test_convert_and_note_out_of_scope(county: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.member_convert_to_full(
            actor=county.west_admin, member=county.zhao, on=dt.date(2027, 6, 1)
        )
    with pytest.raises(PermissionDenied):
        services.member_archive_note(actor=county.west_admin, member=county.zhao, summary="x")


def test_note_writes_an_entry(county: Any) -> None:
    entry = services.member_archive_note(
        actor=county.east_admin,
        member=county.zhao,
        summary="延长预备期6个月",
        reason="考察期表现",
        effective_on=dt.date(2026, 10, 1),
    )
    assert entry.member == county.zhao
    assert entry.reason == "考察期表现"
