"""ID numbers as they are issued: the issuing region code, real dates, old numbers, any digits,
and numbers a spreadsheet spoiled (issue 22). Every path: the validator, the service behind the
form, the API and the command line."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from hypothesis import given, settings
from hypothesis import strategies as st

from dangjian.api import tokens
from dangjian.core import crypto
from dangjian.members import idnumbers, record_rules, services
from dangjian.members.choices import HowAdded
from dangjian.members.models import Member
from dangjian.members.selectors import MemberFilters, member_list
from dangjian.site.testing import member_record

from .test_idnumbers import VALID, with_check


def code_of(raw: str) -> str:
    with pytest.raises(ValidationError) as caught:
        idnumbers.validate_id_number(raw)
    with pytest.raises(ValidationError) as fast:
        idnumbers.parse_id_number(raw)
    assert fast.value.messages == caught.value.messages  # the fast path says the same
    return str(caught.value.code)


def message_of(raw: str) -> str:
    with pytest.raises(ValidationError) as caught:
        idnumbers.validate_id_number(raw)
    return caught.value.messages[0]


# --- the region code: the one in force where and when the number was issued -----------------


@pytest.mark.parametrize(
    ("region", "born"),
    [
        ("110112", dt.date(1965, 3, 12)),  # 通州区 [1997-]: born before the code existed
        ("110103", dt.date(2015, 6, 1)),  # 崇文区 [-2010]: born after it was retired
        ("110101", dt.date(1965, 3, 12)),  # a code without dates
    ],
)
def test_a_region_code_valid_in_any_period_is_accepted(region: str, born: dt.date) -> None:
    """The code is the issuing one: a code valid at any time passes whatever the birth year."""
    number = idnumbers.make_id_number(region, born, 3, "1")
    assert idnumbers.validate_id_number(number) == number
    assert idnumbers.parse_id_number(number) == (number, born)


@pytest.mark.parametrize("region", ["119900", "990000", "110199"])
def test_a_region_code_no_table_knows_is_a_message_naming_it(region: str) -> None:
    """A correct check character on an unknown code: a clear error, never an exception."""
    number = with_check(region + "19900307767")
    assert code_of(number) == "id_region"
    assert region in message_of(number)


# --- the birth date: real, from 1900, not after today ------------------------------------------


@pytest.mark.parametrize(
    ("born", "valid"),
    [("18991231", False), ("19000101", True), ("20260601", True), ("20260602", False)],
)
def test_a_birth_date_before_1900_or_after_today_is_refused(born: str, valid: bool) -> None:
    """1899-12-31 and tomorrow are refused; 1900-01-01 and today pass."""
    number = with_check("110101" + born + "767")
    with time_machine.travel(dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC), tick=False):
        if valid:
            assert idnumbers.validate_id_number(number) == number
        else:
            assert code_of(number) == "id_birth_date"
            assert born in message_of(number)


# --- 15-digit numbers ---------------------------------------------------------------------------


def test_a_fifteen_digit_number_becomes_eighteen() -> None:
    """The pre-1999 number gets 19 before the year and a computed check character."""
    assert idnumbers.validate_id_number("110101700809123") == "110101197008091234"
    assert idnumbers.parse_id_number("110101700809123") == (
        "110101197008091234",
        dt.date(1970, 8, 9),
    )
    assert idnumbers.is_legacy("110101700809123")
    assert not idnumbers.is_legacy("110101197008091234")


@pytest.mark.parametrize("raw", ["11010170080912", "1101017008091234"])
def test_fourteen_or_sixteen_digits_are_a_length_error(raw: str) -> None:
    assert code_of(raw) == "id_length"


# --- digits of any script ---------------------------------------------------------------------

SCRIPTS = {
    "ascii": "0",
    "full width": "\uff10",
    "Arabic-Indic": "\u0660",
    "Extended Arabic-Indic": "\u06f0",
    "mathematical bold": "\U0001d7ce",
    "Devanagari": "\u0966",
}


def _in_script(number: str, zero: str) -> str:
    return "".join(chr(ord(zero) + int(c)) if c.isdigit() else c for c in number)


@pytest.mark.parametrize("script", list(SCRIPTS))
def test_digits_of_any_script_are_the_same_number(script: str) -> None:
    """Full-width, Arabic-Indic, mathematical digits … are normalised before the hash."""
    typed = _in_script(VALID, SCRIPTS[script])
    assert idnumbers.normalize_id_number(typed) == VALID
    assert idnumbers.parse_id_number(typed) == (VALID, dt.date(1990, 3, 7))


def test_invisible_characters_are_dropped() -> None:
    assert idnumbers.normalize_id_number("\u200b110101\u200d199003077678\ufeff") == VALID


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(list(SCRIPTS.values())), min_size=18, max_size=18))
def test_a_number_typed_in_mixed_scripts_is_one_number(zeros: list[str]) -> None:
    """Whatever script each digit comes in, the number (and so its hash) is the same."""
    typed = "".join(
        chr(ord(zero) + int(c)) if c.isdigit() else c for c, zero in zip(VALID, zeros, strict=True)
    )
    assert idnumbers.validate_id_number(typed) == VALID


# --- numbers a spreadsheet stored as numbers ----------------------------------------------------


def _ending_in_000() -> str:
    """A valid number whose sequence and check character are 000 (they exist)."""
    day = dt.date(1990, 1, 1)
    while True:
        number = with_check(f"110101{day:%Y%m%d}100")
        if number.endswith("0"):
            return number
        day += dt.timedelta(days=1)


@pytest.mark.parametrize(
    "raw",
    [
        "1.10101199003E+17",  # a General cell exported as text
        "1.1010119900307E+017",  # LibreOffice's CSV
        "1.101011990030777e17",  # Python's float text
        "110101199003077678.0",  # a float with a decimal tail
        "110101199003070000",  # 15 digits kept, the rest zeros
    ],
)
def test_a_number_stored_as_a_number_says_how_to_fix_the_column(raw: str) -> None:
    """Recognised, and the message says 文本 and ', never a check character to try."""
    assert code_of(raw) == "id_stored_as_number"
    message = message_of(raw)
    assert "文本" in message
    assert "'" in message
    assert "应为" not in message


def test_trailing_zeros_are_a_check_character_error_below_three() -> None:
    """Two trailing zeros and a wrong check character: an ordinary typing mistake."""
    assert with_check("11010119900307770") == "110101199003077707"
    assert code_of("110101199003077700") == "id_checksum"
    assert "应为7" in message_of("110101199003077700")


def test_a_real_number_ending_in_000_is_accepted() -> None:
    number = _ending_in_000()
    assert number.endswith("000")
    assert idnumbers.validate_id_number(number) == number


# --- agreement with a month-only birth date ----------------------------------------------------


@pytest.mark.parametrize(
    ("given", "month_only", "agrees"),
    [
        (dt.date(1990, 3, 1), True, True),
        (dt.date(1990, 4, 1), True, False),
        (dt.date(1989, 3, 1), True, False),
        (dt.date(1990, 3, 1), False, False),  # a full date must be the day itself
    ],
)
def test_a_month_only_birth_date_agrees_when_the_month_does(
    given: dt.date, month_only: bool, agrees: bool
) -> None:
    errors = idnumbers.check_agreement(VALID, given, None, birth_month_only=month_only)
    assert (errors == {}) is agrees


# --- names --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "name"),
    [
        ("王  德 明", "王德明"),
        (" 王明\u3000", "王明"),
        ("王\u3000明", "王明"),
        ("买买提 · 艾力", "买买提·艾力"),
        ("Ayxem   Abdulla", "Ayxem Abdulla"),
        ("王德明", "王德明"),
    ],
)
def test_names_are_trimmed_and_chinese_characters_closed_up(written: str, name: str) -> None:
    assert record_rules.tidy_name(written) == name


# --- every path: the service behind the form, the API, the command line ------------------------


def _create(county: Any, id_number: str, **overrides: Any) -> Member:
    return services.member_create(
        actor=county.east_secretary,
        organization=county.east_village,
        data=member_record(**overrides),
        id_number=id_number,
        how_added=HowAdded.NEWLY_ADMITTED,
        started_on=dt.date(2015, 7, 1),
    )


@pytest.mark.django_db
def test_the_form_service_refuses_an_unknown_region_on_the_field(county: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        _create(county, with_check("11990019900307767"))
    assert "119900" in caught.value.message_dict["id_number"][0]
    assert not Member.objects.filter(name="周九").exists()


@pytest.mark.django_db
def test_the_form_service_takes_the_issuing_code_and_the_old_number(county: Any) -> None:
    born_1965 = idnumbers.make_id_number("110112", dt.date(1965, 3, 12), 3, "1")
    member = _create(county, born_1965, birth_date=dt.date(1965, 3, 12))
    assert member.id_number == born_1965
    old = _create(county, "110101700809123", name="赵卫东", birth_date=dt.date(1970, 8, 9))
    assert old.id_number == "110101197008091234"
    assert old.id_number_hash == crypto.lookup_hash("110101197008091234")


@pytest.mark.django_db
def test_one_person_typed_in_two_scripts_is_registered_once(county: Any) -> None:
    _create(county, VALID)
    with pytest.raises(ValidationError) as caught:
        _create(county, _in_script(VALID, "\u0660"), name="重复")
    assert "已登记" in caught.value.message_dict["id_number"][0]


@pytest.mark.django_db
def test_a_padded_name_is_stored_and_found_closed_up(county: Any) -> None:
    _create(county, VALID, name="周  九 九")
    found = member_list(user=county.east_secretary, filters=MemberFilters(q="周九九"))
    assert [m.name for m in found] == ["周九九"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("id_number", "fragment"),
    [(with_check("11990019900307767"), "119900"), ("1.10101199003E+17", "存成了数字")],
)
def test_the_api_answers_400_with_the_message(
    client: Any, county: Any, id_number: str, fragment: str
) -> None:
    """No 500: the API says what is wrong with the number, on the field."""
    token = tokens.api_token_create(actor=county.east_admin, name="东镇对接", days=30)[1]
    body = {
        "organization_code": "C0003",
        "id_number": id_number,
        "name": "周九",
        "ethnicity": "01",
        "education": "21",
        "occupation": "WORKER",
        "category": "FULL",
        "joined_on": "2015-07-01",
        "full_member_on": "2016-07-01",
    }
    response = client.post(
        "/api/v1/members/",
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 400, response.content
    assert fragment in response.json()["fields"]["id_number"][0]


@pytest.mark.django_db
def test_the_command_line_reports_an_unknown_region_as_a_row_error(
    tree: Any, tmp_path: Path
) -> None:
    """`dangjian import members`: the row is refused with the message, no traceback."""
    from dangjian.roster.tests.helpers import member_row, write_csv

    bad = with_check("11990019800506011")
    path = write_csv(tmp_path / "m.csv", [member_row(公民身份号码=bad)])
    out = io.StringIO()
    call_command(
        "import",
        "members",
        str(path),
        "--org",
        "C0003",
        "--dry-run",
        stdout=out,
        stderr=io.StringIO(),
    )
    assert "119900" in out.getvalue()
    assert "有误 1 行" in out.getvalue()
