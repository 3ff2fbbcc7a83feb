"""Citizen ID numbers (GB 11643): validation messages, normalisation and agreement with the record."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import ric

from dangjian.audit.models import AuditEvent
from dangjian.core import crypto
from dangjian.members import idnumbers, services
from dangjian.members.choices import HowAdded, Sex
from dangjian.members.models import ArchiveEntry, Member
from dangjian.site.testing import member_record

# 1990-03-07, serial 767 (odd: male); its check character is 8.
VALID = "110101199003077678"
# Region codes python-stdnum accepts for every birth year from 1920 on.
STABLE_REGIONS = ["110101", "110102", "110105", "110108", "310104"]


def with_check(body17: str) -> str:
    """A number whose last character is the right check character for its first 17."""
    return body17 + ric.calc_check_digit(body17 + "0")


def number_ending_in_x() -> str:
    """A valid number whose check character is X."""
    for serial in range(500):
        number = idnumbers.make_id_number("110101", dt.date(1985, 4, 12), serial, Sex.MALE)
        if number.endswith("X"):
            return number
    raise AssertionError("no serial gives an X check character")


def error_of(raw: str) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        idnumbers.validate_id_number(raw)
    return caught.value


record = member_record  # agrees with VALID


def create(county: Any, id_number: str, **overrides: Any) -> Member:
    return services.member_create(
        actor=county.east_secretary,
        organization=county.east_village,
        data=record(**overrides),
        id_number=id_number,
        how_added=HowAdded.NEWLY_ADMITTED,
        started_on=dt.date(2015, 7, 1),
    )


def create_errors(county: Any, id_number: str, **overrides: Any) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        create(county, id_number, **overrides)
    return caught.value.message_dict


# --- the validator on its own ------------------------------------------------------------


def test_valid_number_is_accepted_unchanged():
    """A correct 18-character number passes and comes back as it was typed."""
    assert idnumbers.validate_id_number(VALID) == VALID


def test_number_ending_in_x_is_accepted():
    """A number whose check character is X is valid."""
    number = number_ending_in_x()
    assert idnumbers.validate_id_number(number) == number


def test_wrong_check_character_names_the_expected_one():
    """A mistyped last character is refused, and the message says which character is right."""
    wrong = VALID[:-1] + "7"
    error = error_of(wrong)
    assert error.code == "id_checksum"
    assert "校验码" in error.messages[0]
    assert "应为8" in error.messages[0]


def test_wrong_check_character_suggests_x_when_x_is_right():
    """When the right check character is X, the message names X."""
    number = number_ending_in_x()
    error = error_of(number[:-1] + "0")
    assert error.code == "id_checksum"
    assert "应为X" in error.messages[0]


def test_impossible_birth_date_is_refused():
    """A number whose digits 7–14 are not a calendar date (30 February) is refused by date."""
    error = error_of(with_check("11010119900230123"))
    assert error.code == "id_birth_date"
    assert "19900230" in error.messages[0]
    assert "出生日期" in error.messages[0]


def test_unknown_region_is_refused():
    """A number whose first six digits are no region code is refused, naming the code."""
    error = error_of(with_check("99000019900307767"))
    assert error.code == "id_region"
    assert "990000" in error.messages[0]
    assert "地区代码" in error.messages[0]


@pytest.mark.parametrize("raw", [VALID[:-1], VALID + "1", "1101011990"])
def test_wrong_length_is_refused_with_the_count(raw):
    """A number that is not 18 characters long is refused, saying how many were typed."""
    error = error_of(raw)
    assert error.code == "id_length"
    assert f"当前为{len(raw)}位" in error.messages[0]


def test_letters_in_the_first_seventeen_are_refused():
    """Only the last character may be a letter."""
    error = error_of("1101011990030A7677")
    assert error.code == "id_format"
    assert "前17位只能是数字" in error.messages[0]


def test_full_width_digits_and_spaces_are_normalized():
    """Full-width digits typed by a Chinese input method, and spaces, are corrected."""
    full_width = "".join(chr(ord(c) - ord("0") + ord("０")) for c in VALID)
    assert idnumbers.normalize_id_number(full_width) == VALID
    assert idnumbers.validate_id_number(full_width) == VALID
    assert idnumbers.validate_id_number(" 110101 19900307 7678 ") == VALID
    assert idnumbers.validate_id_number("110101\u300019900307\u30007678") == VALID


def test_lower_case_x_is_normalized():
    """A lower-case or full-width x as the check character is taken as X."""
    number = number_ending_in_x()
    assert idnumbers.validate_id_number(number[:-1] + "x") == number
    assert idnumbers.validate_id_number(number[:-1] + "ｘ") == number
    assert idnumbers.validate_id_number(number[:-1] + "Ｘ") == number


def test_sex_and_birth_date_are_read_from_the_number():
    """Digit 17 gives the sex (odd male, even female) and digits 7–14 the birth date."""
    assert idnumbers.sex_of(VALID) == Sex.MALE
    assert idnumbers.sex_of(with_check("11010119900307768")) == Sex.FEMALE
    assert idnumbers.birth_date_of(VALID) == dt.date(1990, 3, 7)


def test_agreement_reports_each_disagreeing_field():
    """Disagreeing birth date and sex are each reported on their own field, in Chinese."""
    errors = idnumbers.check_agreement(VALID, dt.date(1990, 3, 8), Sex.FEMALE)
    assert set(errors) == {"birth_date", "sex"}
    assert "1990-03-07" in errors["birth_date"]
    assert "女" in errors["sex"]
    assert idnumbers.check_agreement(VALID, dt.date(1990, 3, 7), Sex.MALE) == {}


@settings(max_examples=200, deadline=None)
@given(
    region=st.sampled_from(STABLE_REGIONS),
    birth_date=st.dates(min_value=dt.date(1920, 1, 1), max_value=dt.date(2010, 12, 31)),
    serial=st.integers(min_value=0, max_value=499),
    sex=st.sampled_from([Sex.MALE, Sex.FEMALE]),
)
def test_every_made_number_validates_and_round_trips(region, birth_date, serial, sex):
    """Every synthetic number validates, and its sex and birth date read back as given."""
    number = idnumbers.make_id_number(region, birth_date, serial, sex)
    assert len(number) == 18
    assert idnumbers.validate_id_number(number) == number
    assert idnumbers.validate_id_number(number.lower()) == number
    assert idnumbers.sex_of(number) == sex
    assert idnumbers.birth_date_of(number) == birth_date
    assert idnumbers.check_agreement(number, birth_date, sex) == {}


# --- through member_create ---------------------------------------------------------------


@pytest.mark.django_db
def test_member_create_accepts_a_valid_number(county):
    """A member registered with a valid number can be found by that number, decrypted intact."""
    member = create(county, VALID)
    assert member.id_number == VALID
    assert Member.objects.get(id_number_hash=crypto.lookup_hash(VALID)) == member


@pytest.mark.django_db
def test_member_create_refuses_a_bad_number_on_the_id_field(county):
    """A bad number is reported on the ID-number field, saying what is wrong; nothing is written."""
    before = (Member.objects.count(), ArchiveEntry.objects.count(), AuditEvent.objects.count())
    for raw, fragment in (
        (VALID[:-1] + "7", "应为8"),
        (with_check("11010119900230767"), "19900230"),
        (with_check("99000019900307767"), "990000"),
        (VALID[:-2], "当前为16位"),
        ("1101011990030A7678", "前17位只能是数字"),
    ):
        errors = create_errors(county, raw)
        assert fragment in errors["id_number"][0], raw
    assert (
        Member.objects.count(),
        ArchiveEntry.objects.count(),
        AuditEvent.objects.count(),
    ) == before


@pytest.mark.django_db
def test_member_create_normalizes_full_width_and_lower_case_x(county):
    """A number typed in full width with a lower-case x is stored as the standard number."""
    number = number_ending_in_x()
    typed = "".join(chr(ord(c) - ord("0") + ord("０")) for c in number[:-1]) + "x"
    member = create(county, typed, birth_date=dt.date(1985, 4, 12))
    assert member.id_number == number
    assert member.id_number_hash == crypto.lookup_hash(number)


@pytest.mark.django_db
def test_member_create_refuses_a_sex_that_disagrees_with_the_number(county):
    """Recording a woman with a man's number is refused on the sex field, in Chinese."""
    errors = create_errors(county, VALID, sex=Sex.FEMALE)
    assert set(errors) == {"sex"}
    assert "性别" in errors["sex"][0]
    assert "不一致" in errors["sex"][0]


@pytest.mark.django_db
def test_member_create_refuses_a_birth_date_that_disagrees_with_the_number(county):
    """A birth date other than the one in digits 7–14 is refused on the birth-date field."""
    errors = create_errors(county, VALID, birth_date=dt.date(1990, 7, 3))
    assert set(errors) == {"birth_date"}
    assert "1990-03-07" in errors["birth_date"][0]
    assert "不一致" in errors["birth_date"][0]


@pytest.mark.django_db
def test_member_create_fills_sex_and_birth_date_from_the_number(county):
    """Left empty, the sex and birth date are taken from the ID number."""
    data = record()
    del data["sex"], data["birth_date"]
    member = services.member_create(
        actor=county.east_secretary,
        organization=county.east_village,
        data=data,
        id_number=with_check("11010119920611768"),
        started_on=dt.date(2015, 7, 1),
    )
    assert member.sex == Sex.FEMALE
    assert member.birth_date == dt.date(1992, 6, 11)


@pytest.mark.django_db
def test_member_create_refuses_a_duplicate_number(county):
    """A number already registered is refused on the ID field, however it is typed."""
    number = number_ending_in_x()
    create(county, number, birth_date=dt.date(1985, 4, 12))
    for typed in (number, number.lower(), " " + number[:6] + " " + number[6:]):
        errors = create_errors(county, typed, name="重复", birth_date=dt.date(1985, 4, 12))
        assert "已登记" in errors["id_number"][0]
    assert Member.objects.filter(id_number_hash=crypto.lookup_hash(number)).count() == 1


@pytest.mark.django_db
def test_member_create_refuses_the_number_of_a_fixture_member(county):
    """The number of a member registered elsewhere (another township) is also a duplicate."""
    errors = create_errors(
        county,
        county.sun.id_number,
        sex=county.sun.sex,
        birth_date=county.sun.birth_date,
    )
    assert set(errors) == {"id_number"}
