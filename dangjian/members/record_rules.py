"""The rules of a member record, as pure functions returning errors by field name.

One place for them: `members.services` applies them to one record or a batch of model instances,
and the roster import to thousands of parsed rows a second (it maps the field names to its
column headers). The ID number's own rules and its agreement with birth date and sex are in
`idnumbers`.
"""

from __future__ import annotations

import datetime as dt
import re

from django.utils.translation import gettext as _

from dangjian.core.dates import add_years, age_on

from .choices import MemberCategory

MIN_AGE_TO_JOIN = 18

# Han characters (the basic block, extension A, the compatibility block, extensions B on) and the
# middle dot of transcribed minority names (买买提·艾力).
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f\u00b7\u30fb"
_SPACE_IN_HAN = re.compile(f"(?<=[{_HAN}])\\s+(?=[{_HAN}])")
_SPACES = re.compile(r"\s+")


def tidy_name(name: str) -> str:
    """A name as it is searched: trimmed, no spaces between Chinese characters, others single.

    Secretaries pad two-character names to line up with three (`王  明`, `王 德 明`); the person
    is 王明 or 王德明, and a search for that must find them. A name in Latin letters keeps one
    space between its words.
    """
    name = _SPACE_IN_HAN.sub("", name.strip())
    return _SPACES.sub(" ", name)


# Plain strings: comparing with an enum member costs more than the rest of a rule.
_FULL = MemberCategory.FULL.value
_PROBATIONARY = MemberCategory.PROBATIONARY.value


def date_errors(
    *,
    birth_date: dt.date | None,
    joined_on: dt.date | None,
    full_member_on: dt.date | None,
    category: str | None,
    on: dt.date,
) -> dict[str, str]:
    """Date order: born → 18 years → joined → full membership (≥ 1 year later); none in the future."""
    errors: dict[str, str] = {}
    if birth_date and birth_date > on:
        errors["birth_date"] = _("出生日期不能晚于今天。")
    if joined_on:
        if joined_on > on:
            errors["joined_on"] = _("入党日期不能晚于今天。")
        elif birth_date and age_on(birth_date, joined_on) < MIN_AGE_TO_JOIN:
            errors["joined_on"] = _("入党时须年满18周岁，请核对入党日期和出生日期。")
    if category == _FULL and not full_member_on:
        errors["full_member_on"] = _("正式党员须填写转正日期。")
    if category == _PROBATIONARY and full_member_on:
        errors["full_member_on"] = _(
            "预备党员尚未转正，转正日期应留空；如已转正，请把人员类别改为正式党员。"
        )
    if full_member_on and joined_on:
        if full_member_on > on:
            errors["full_member_on"] = _("转正日期不能晚于今天。")
        elif full_member_on < add_years(joined_on, 1):
            errors["full_member_on"] = _("转正日期须在入党日期满一年之后（预备期为一年），请核对。")
    return errors


def started_on_errors(
    *, started_on: dt.date | None, joined_on: dt.date | None, on: dt.date | None = None
) -> dict[str, str]:
    """The membership row starts on or after joining; given `on`, not after it either.

    `member_create` passes no `on` (its form defaults the date to today and has never refused a
    later one); the roster import refuses a date after today.
    """
    if not started_on:
        return {}
    if joined_on and started_on < joined_on:
        return {"started_on": _("编入党组织的日期不能早于入党日期。")}
    if on is not None and started_on > on:
        return {"started_on": _("编入日期不能晚于今天。")}
    return {}
