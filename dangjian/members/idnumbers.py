"""Citizen ID numbers (GB 11643): normalising, validating and agreeing with birth date and sex.

What a number must be (rules and their sources, docs/roster-format.md):

- 18 characters, the last the ISO 7064 MOD 11-2 check character (GB 11643-1999);
  a 15-digit number of the 1989 standard (two-digit birth year, no check character, issued
  before 1999 and still on old records) is converted as the 1999 standard did: the century `19`
  inserted before the birth year and the check character computed;
- digits 7–14 a real date, not after today and not before 1900;
- digits 1–6 a GB/T 2260 region code that has existed **at any time**: the code is the one in
  force where and when the number was issued, not in the birth year (a member born in 1965 whose
  number was issued after the county's code changed carries the new code). python-stdnum's table
  dates each code; any period counts.

Spreadsheets store a long number typed into a General cell as a floating-point number: 15
significant digits survive and the rest become zeros (or the cell shows `1.10101E+17`). Such a
number cannot be recovered; it is recognised and the message says how to fix the column instead
of suggesting a check character that would make a valid *wrong* number.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
import re
import time
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.cn import ric

from dangjian.core.dates import today

from .choices import Sex
from .error_codes import ErrorCode

EARLIEST_BIRTH_YEAR = 1900
_FULL_WIDTH = str.maketrans("０１２３４５６７８９ＸｘＸ", "0123456789XXX")
# A number a spreadsheet turned into a float, as it comes out as text: exponent form
# (1.10101199003E+17) or with a decimal tail (110101199003070000.0).
_EXPONENT = re.compile(r"^\d+(?:\.\d*)?E\+?\d+$")
_DECIMAL_TAIL = re.compile(r"^(\d{15,18})\.0*$")


def normalize_id_number(raw: str) -> str:
    """Spaces and invisible characters out; any Unicode digit (full-width, Arabic-Indic,
    mathematical …) to ASCII; a lower-case or full-width x to X.

    The lookup hash is computed on this form, so one person typed two ways is one number.
    """
    if raw.isascii():
        return "".join(raw.split()).upper()
    text = unicodedata.normalize("NFKC", raw).translate(_FULL_WIDTH)
    chars = []
    for char in text:
        if char.isspace() or unicodedata.category(char) == "Cf":  # zero-width spaces, marks
            continue
        digit = unicodedata.decimal(char, None)
        chars.append(str(digit) if digit is not None else char)
    return "".join(chars).upper()


@functools.cache
def _region_exists(region: str) -> bool:
    """Whether the GB/T 2260 code is in python-stdnum's table for any period.

    Cached: a county's members share a handful of codes, and the table look-up dominates the
    cost of validating a large import.
    """
    from stdnum import numdb

    found = numdb.get("cn/loc").info(region)
    return (
        len(found) == 2
        and sum(len(part) for part, _props in found) == 6
        and bool(found[-1][1].get("county"))
    )


def stored_as_number_error() -> ValidationError:
    """The number was kept as a spreadsheet number; the message says how to fix the column.

    It quotes no digits: the error list of an import is stored, and the number is personal.
    """
    return ValidationError(
        _(
            "身份证号码被表格存成了数字，第15位以后的数字已经丢失，无法还原，也不要按校验码去改。"
            "请把这一列的单元格格式设为“文本”后重新输入完整号码（或在号码前加英文单引号 ' ），"
            "再导入。"
        ),
        code=ErrorCode.ID_STORED_AS_NUMBER,
    )


def legacy_to_18(number: str) -> str:
    """A 15-digit number (issued before 1999) as its 18-character form."""
    body = number[:6] + "19" + number[6:]
    return body + ric.calc_check_digit(body + "0")


def _check_digit(number: str) -> str:
    return _CHECK[sum(map(operator.mul, map(int, number[:17]), _WEIGHTS)) % 11]


def validate_id_number(raw: str) -> str:
    """Return the normalised 18-character number or raise a ValidationError saying what is wrong."""
    number = normalize_id_number(raw)
    if _EXPONENT.match(number):
        raise stored_as_number_error()
    tail = _DECIMAL_TAIL.match(number)
    if tail:
        if len(tail.group(1)) != 15:
            raise stored_as_number_error()
        number = tail.group(1)  # a 15-digit number survives a float whole
    if len(number) == 15 and number.isdigit():
        number = legacy_to_18(number)
    if len(number) != 18:
        raise ValidationError(
            _("身份证号码应为18位，当前为%(n)d位，请核对。") % {"n": len(number)},
            code=ErrorCode.ID_LENGTH,
        )
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ValidationError(
            _("身份证号码前17位只能是数字，最后一位是数字或X，请核对。"), code=ErrorCode.ID_FORMAT
        )
    expected = _check_digit(number)
    if number[-1] != expected:
        if number.endswith("000"):  # 15 significant digits kept, the rest zeros
            raise stored_as_number_error()
        raise ValidationError(
            _("身份证号码最后一位校验码不正确（应为%(c)s），请核对是否输错。") % {"c": expected},
            code=ErrorCode.ID_CHECKSUM,
        )
    try:
        birth_date = birth_date_of(number)
    except ValueError:
        raise ValidationError(
            _("身份证号码第7至14位的出生日期 %(d)s 不是有效日期，请核对。") % {"d": number[6:14]},
            code=ErrorCode.ID_BIRTH_DATE,
        ) from None
    if birth_date.year < EARLIEST_BIRTH_YEAR or birth_date > today():
        raise ValidationError(
            _("身份证号码第7至14位的出生日期 %(d)s 不可能（早于1900年或晚于今天），请核对。")
            % {"d": number[6:14]},
            code=ErrorCode.ID_BIRTH_DATE,
        )
    if not _region_exists(number[:6]):
        raise ValidationError(
            _("身份证号码前6位的地区代码 %(r)s 不存在，请核对。") % {"r": number[:6]},
            code=ErrorCode.ID_REGION,
        )
    return number


_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def parse_id_number(raw: str) -> tuple[str, dt.date]:
    """The normalised number and its birth date, or validate_id_number's ValidationError.

    A roster import checks thousands of numbers a second, so the common case (a correct number)
    is checked here without the general path's overhead; anything else (a 15-digit number
    included) goes through `validate_id_number`.
    """
    number = raw if len(raw) == 18 and raw.isascii() else normalize_id_number(raw)
    if number[-1:] == "x":
        number = number[:17] + "X"
    try:
        if len(number) != 18 or not number[:17].isdigit():
            raise ValueError
        if _check_digit(number) != number[17]:
            raise ValueError
        birth = birth_date_of(number)
        if (
            birth.year < EARLIEST_BIRTH_YEAR
            or _may_be_future(birth)
            or not _region_exists(number[:6])
        ):
            raise ValueError
    except ValueError:
        number = validate_id_number(raw)
        return number, birth_date_of(number)
    return number, birth


def _may_be_future(birth: dt.date) -> bool:
    """`birth > today()`, asked of the local date only for the recent births it could be true of
    (the local date costs more than the rest of the fast path)."""
    return birth.year >= time.gmtime().tm_year - 1 and birth > today()


def is_legacy(raw: str) -> bool:
    """Whether `raw` was a 15-digit number (the caller may say it was converted)."""
    number = normalize_id_number(raw)
    tail = _DECIMAL_TAIL.match(number)
    return len(tail.group(1) if tail else number) == 15


def birth_date_of(number: str) -> dt.date:
    """The birth date in digits 7–14 of a valid number (cheaper than python-stdnum's parse)."""
    return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def sex_of(number: str) -> str:
    return Sex.MALE if int(number[16]) % 2 == 1 else Sex.FEMALE


def check_agreement(
    number: str, birth_date: dt.date | None, sex: str | None, *, birth_month_only: bool = False
) -> dict[str, str]:
    """Field errors where the ID number disagrees with the recorded birth date or sex.

    With `birth_month_only` (a roster's 出生年月 column: year and month, no day) the birth date
    agrees when its year and month do.
    """
    errors: dict[str, str] = {}
    in_number = birth_date_of(number)
    if birth_date is not None:
        if birth_month_only:
            if (birth_date.year, birth_date.month) != (in_number.year, in_number.month):
                errors["birth_date"] = _(
                    "出生年月 %(given)s 与身份证号码中的出生日期 %(id)s 不一致，请核对。"
                ) % {"given": f"{birth_date:%Y-%m}", "id": in_number.isoformat()}
        elif birth_date != in_number:
            errors["birth_date"] = _(
                "出生日期 %(given)s 与身份证号码中的出生日期 %(id)s 不一致，请核对。"
            ) % {"given": birth_date.isoformat(), "id": in_number.isoformat()}
    if sex and sex != sex_of(number):
        errors["sex"] = _("性别“%(given)s”与身份证号码（第17位）不一致，请核对。") % {
            "given": Sex(sex).label
        }
    return errors


def make_id_number(region: str, birth_date: dt.date, serial: int, sex: str) -> str:
    """Build a valid synthetic number (for the demo and tests): serial 0–499 per sex."""
    sequence = (serial % 500) * 2 + (1 if sex == Sex.MALE else 0)  # digit 17: odd is male
    body = f"{region}{birth_date:%Y%m%d}{sequence:03d}"
    return body + ric.calc_check_digit(body + "0")  # the function ignores the last character
