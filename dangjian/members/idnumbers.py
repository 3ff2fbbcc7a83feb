"""Citizen ID numbers (GB 11643): normalising, validating and agreeing with birth date and sex."""

from __future__ import annotations

import datetime as dt
import functools
import operator

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.cn import ric
from stdnum.exceptions import InvalidComponent

from dangjian.members.error_codes import ErrorCode

from .choices import Sex

_FULL_WIDTH = str.maketrans("０１２３４５６７８９ＸｘＸ", "0123456789XXX")


def normalize_id_number(raw: str) -> str:
    """Strip spaces, turn full-width digits into ASCII and a lower-case x into X."""
    return "".join(raw.split()).translate(_FULL_WIDTH).upper()


@functools.lru_cache(maxsize=4096)
def _region_exists(region: str, year: int) -> bool:
    """Whether the GB/T 2260 region code was in use in that birth year (python-stdnum's table).

    Cached: a county's members share a handful of codes, and the table look-up dominates the
    cost of validating a large import.
    """
    try:
        ric.get_birth_place(f"{region}{year:04d}01010000")
    except InvalidComponent:
        return False
    return True


def validate_id_number(raw: str) -> str:
    """Return the normalised number or raise a ValidationError that says what is wrong."""
    number = normalize_id_number(raw)
    if len(number) != 18:
        raise ValidationError(
            _("身份证号码应为18位，当前为%(n)d位，请核对。") % {"n": len(number)},
            code=ErrorCode.ID_LENGTH,
        )
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ValidationError(
            _("身份证号码前17位只能是数字，最后一位是数字或X，请核对。"), code=ErrorCode.ID_FORMAT
        )
    if number[-1] != ric.calc_check_digit(number):
        raise ValidationError(
            _("身份证号码最后一位校验码不正确（应为%(c)s），请核对是否输错。")
            % {"c": ric.calc_check_digit(number)},
            code=ErrorCode.ID_CHECKSUM,
        )
    try:
        birth_date = ric.get_birth_date(number)
    except InvalidComponent as exc:
        raise ValidationError(
            _("身份证号码第7至14位的出生日期 %(d)s 不是有效日期，请核对。") % {"d": number[6:14]},
            code=ErrorCode.ID_BIRTH_DATE,
        ) from exc
    if not _region_exists(number[:6], birth_date.year):
        raise ValidationError(
            _("身份证号码前6位的地区代码 %(r)s 不存在（或在出生年份未启用），请核对。")
            % {"r": number[:6]},
            code=ErrorCode.ID_REGION,
        )
    return number


_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def parse_id_number(raw: str) -> tuple[str, dt.date]:
    """The normalised number and its birth date, or validate_id_number's ValidationError.

    A roster import checks thousands of numbers a second, so the common case (a correct number)
    is checked here without python-stdnum's per-call overhead; anything wrong goes through
    `validate_id_number` for its message.
    """
    number = raw if len(raw) == 18 and raw.isascii() else normalize_id_number(raw)
    if number[-1:] == "x":
        number = number[:17] + "X"
    try:
        if len(number) != 18 or not number[:17].isdigit():
            raise ValueError
        total = sum(map(operator.mul, map(int, number[:17]), _WEIGHTS))
        if _CHECK[total % 11] != number[17]:
            raise ValueError
        birth = birth_date_of(number)
        if not _region_exists(number[:6], birth.year):
            raise ValueError
    except ValueError:
        validate_id_number(raw)
        raise ValidationError(_("身份证号码无效，请核对。"), code=ErrorCode.ID_INVALID) from None
    return number, birth


def birth_date_of(number: str) -> dt.date:
    """The birth date in digits 7–14 of a valid number (cheaper than python-stdnum's parse)."""
    return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def sex_of(number: str) -> str:
    return Sex.MALE if int(number[16]) % 2 == 1 else Sex.FEMALE


def check_agreement(number: str, birth_date: dt.date | None, sex: str | None) -> dict[str, str]:
    """Field errors where the ID number disagrees with the recorded birth date or sex."""
    errors: dict[str, str] = {}
    if birth_date is not None and birth_date != birth_date_of(number):
        errors["birth_date"] = _(
            "出生日期 %(given)s 与身份证号码中的出生日期 %(id)s 不一致，请核对。"
        ) % {"given": birth_date.isoformat(), "id": birth_date_of(number).isoformat()}
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
