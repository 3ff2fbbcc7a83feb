"""Finding members: selectors.member_list with its filters, always inside the user's scope."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.http import Http404

from dangjian.members import selectors, services
from dangjian.members.choices import (
    AgeBand,
    Education,
    EducationBand,
    HowRemoved,
    MemberCategory,
    MemberStatus,
    Sex,
)
from dangjian.members.idnumbers import make_id_number
from dangjian.members.selectors import MemberFilters
from dangjian.site.testing import build_member

pytestmark = pytest.mark.django_db

# The fixture's members are born on dates chosen relative to this day.
TODAY = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC)


def names(user: Any, **filters: Any) -> list[str]:
    return [m.name for m in selectors.member_list(user=user, filters=MemberFilters(**filters))]


def id_number_with_x(birth_date: dt.date) -> str:
    for serial in range(500):
        number = make_id_number("110101", birth_date, serial, Sex.MALE)
        if number.endswith("X"):
            return number
    raise AssertionError("no serial gives an X check character")


# --- text search -------------------------------------------------------------------------


def test_pinyin_initials_and_full_pinyin_find_the_member(county):
    """Typing zs or zhangsan (in any case, with spaces) finds 张三 and nobody else."""
    for q in ("zs", "ZS", "zhangsan", "zhang", "Zhang San"):
        assert names(county.county_admin, q=q) == ["张三"], q


def test_pinyin_initials_match_from_the_start(county):
    """Initials match the start of the name: z finds 张三 and 赵六, not 孙八."""
    assert names(county.county_admin, q="z") == ["张三", "赵六"]


def test_chinese_name_substring_finds_the_member(county):
    """Part of a Chinese name finds every member whose name contains it."""
    build_member(organization=county.south_village, name="张三丰", birth_date=dt.date(1970, 1, 1))
    assert names(county.county_admin, q="三") == ["张三", "张三丰"]
    assert names(county.county_admin, q="三丰") == ["张三丰"]


def test_id_number_finds_the_member_whatever_the_case_of_x(county):
    """An ID number ending in X finds the member typed with x, X, spaces or in full width."""
    number = id_number_with_x(dt.date(1985, 4, 12))
    build_member(
        organization=county.east_village,
        name="周九",
        birth_date=dt.date(1985, 4, 12),
        id_number=number,
    )
    full_width = "".join(chr(ord(c) - ord("0") + ord("０")) for c in number[:-1]) + "ｘ"
    for typed in (number, number.lower(), f"{number[:6]} {number[6:14]} {number[14:]}", full_width):
        assert names(county.county_admin, q=typed) == ["周九"], typed


def test_id_number_search_is_exact(county):
    """Part of an ID number finds nobody by number (it is never stored in plain)."""
    assert names(county.county_admin, q=county.zhang.id_number[:17]) == []


def test_phone_digits_find_the_member(county):
    """Any run of the phone number's digits finds the member."""
    assert names(county.county_admin, q="13812345678") == ["张三"]
    assert names(county.county_admin, q="1234") == ["张三"]
    assert names(county.county_admin, q="0000") == ["孙八"]


def test_search_never_reaches_beyond_scope(county):
    """A search by another township's member's phone number finds nothing."""
    assert names(county.east_admin, q="13900001111") == []
    assert names(county.east_admin, q=county.sun.id_number) == []


# --- status ------------------------------------------------------------------------------


def test_default_list_excludes_removed_members(county):
    """A removed member drops off the default list; status ALL brings them back."""
    services.member_remove(
        actor=county.east_admin,
        member=county.li,
        how_removed=HowRemoved.DIED,
        on=dt.date(2024, 1, 1),
        reason="病故",
    )
    assert "李四" not in names(county.east_admin)
    assert "李四" in names(county.east_admin, status="ALL")
    assert names(county.east_admin, status=MemberStatus.DECEASED) == ["李四"]


def test_on_roster_statuses_stay_in_the_default_list(county):
    """Mobile and lost-contact members are still on the roster and listed by default."""
    services.member_change_status(
        actor=county.east_admin, member=county.zhang, status=MemberStatus.MOBILE
    )
    assert "张三" in names(county.east_admin)
    assert names(county.east_admin, status=MemberStatus.MOBILE) == ["张三"]


def test_category_and_sex_filters(county):
    """Probationary members and women can be listed on their own."""
    assert names(county.county_admin, category=MemberCategory.PROBATIONARY) == ["赵六"]
    assert names(county.county_admin, sex=Sex.FEMALE) == ["王五"]


# --- bands -------------------------------------------------------------------------------


def test_age_band_filter(county, time_machine):
    """Members are listed in the statistics' age band they are in today."""
    time_machine.move_to(TODAY, tick=False)
    for band, expected in (
        (AgeBand.UP_TO_30, ["赵六"]),
        (AgeBand.FROM_31, []),
        (AgeBand.FROM_36, ["王五"]),
        (AgeBand.FROM_41, []),
        (AgeBand.FROM_46, ["孙八", "张三"]),
        (AgeBand.FROM_51, ["李四"]),
        (AgeBand.FROM_56, []),
        (AgeBand.FROM_61, ["钱七"]),
    ):
        assert names(county.county_admin, age_band=band) == expected, band


def test_age_band_edges_follow_birthdays(county, time_machine):
    """Someone turning 31 today is in 31–35; someone turning 31 tomorrow is still in 30 and under."""
    time_machine.move_to(TODAY, tick=False)
    build_member(
        organization=county.west_village,
        name="甲",
        birth_date=dt.date(1995, 12, 1),
        joined_on=dt.date(2015, 7, 1),
    )
    build_member(
        organization=county.west_village,
        name="乙",
        birth_date=dt.date(1995, 12, 2),
        joined_on=dt.date(2015, 7, 1),
    )
    assert names(county.west_admin, age_band=AgeBand.FROM_31) == ["甲"]
    assert names(county.west_admin, age_band=AgeBand.UP_TO_30) == ["乙"]


def test_education_band_filter(county):
    """Education bands group the detailed codes: doctorate and master are postgraduate."""
    build_member(
        organization=county.west_village,
        name="硕士",
        joined_on=dt.date(2012, 7, 1),
        education=Education.MASTER,
        birth_date=dt.date(1988, 1, 1),
    )
    build_member(
        organization=county.west_village,
        name="博士",
        joined_on=dt.date(2012, 7, 1),
        education=Education.DOCTORATE,
        birth_date=dt.date(1986, 1, 1),
    )
    build_member(
        organization=county.west_village,
        name="小学",
        education=Education.PRIMARY,
        birth_date=dt.date(1950, 1, 1),
    )
    assert names(county.west_admin, education_band=EducationBand.POSTGRADUATE) == ["博士", "硕士"]
    assert names(county.west_admin, education_band=EducationBand.JUNIOR_HIGH_AND_BELOW) == ["小学"]
    assert names(county.west_admin, education_band=EducationBand.BACHELOR) == ["孙八"]


# --- organization and scope --------------------------------------------------------------


def test_organization_filter_covers_the_subtree(county):
    """Filtering by a township lists the members of all its branches."""
    assert names(county.county_admin, organization=county.east) == [
        "李四",
        "钱七",
        "王五",
        "张三",
        "赵六",
    ]
    assert names(county.county_admin, organization=county.south_village) == ["钱七"]


def test_organization_filter_out_of_scope_is_not_found(county):
    """Asking for another township's members is a 404, not an empty list."""
    with pytest.raises(Http404):
        names(county.east_admin, organization=county.west)


def test_list_carries_each_members_organization(county):
    """Each listed member carries the name of the organization that holds them."""
    (qian,) = selectors.member_list(user=county.east_admin, filters=MemberFilters(q="钱"))
    assert getattr(qian, "organization_name") == "南村党支部"  # noqa: B009 (an annotation)


def test_each_user_lists_only_their_scope(county):
    """Administrators see their subtree, a secretary their branch, a member only themselves."""
    for user, expected in (
        ("county_admin", ["李四", "钱七", "孙八", "王五", "张三", "赵六"]),
        ("east_admin", ["李四", "钱七", "王五", "张三", "赵六"]),
        ("east_observer", ["李四", "钱七", "王五", "张三", "赵六"]),
        ("east_secretary", ["李四", "王五", "张三", "赵六"]),
        ("west_admin", ["孙八"]),
        ("member_user", ["张三"]),
    ):
        assert names(getattr(county, user)) == expected, user


def test_member_moved_away_leaves_the_old_townships_list(county):
    """After a move to another township, the member is listed there and no longer here."""
    services.membership_move(
        actor=county.county_admin,
        member=county.zhang,
        organization=county.west_village,
        on=dt.date(2024, 1, 1),
        reason="搬迁",
    )
    assert "张三" not in names(county.east_admin, status="ALL")
    assert names(county.west_admin) == ["孙八", "张三"]


def test_removed_member_stays_visible_to_the_last_branch_only(county):
    """A removed member is still found (status ALL) by the branch that last held them."""
    services.member_remove(
        actor=county.east_admin,
        member=county.qian,
        how_removed=HowRemoved.LAPSED,
        on=dt.date(2024, 1, 1),
        reason="自行脱党",
    )
    assert names(county.east_admin, status="ALL", q="钱") == ["钱七"]
    assert names(county.west_admin, status="ALL", q="钱") == []
