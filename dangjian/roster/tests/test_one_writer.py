"""The roster import checks members with the members app's rules and writes them through it."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from dangjian.core.dates import add_years, today
from dangjian.members import services
from dangjian.members.choices import MemberCategory, Sex
from dangjian.members.idnumbers import make_id_number
from dangjian.roster import importing
from dangjian.roster.columns import MEMBER_COLUMNS
from dangjian.site.testing import member_record

DANGJIAN = Path(__file__).resolve().parents[2]
ROSTER_MODULES = sorted((DANGJIAN / "roster").glob("*.py"))
# Writing a member, a membership row or an archive entry, or the bulk writer itself.
MEMBER_WRITES = re.compile(
    r"\b(Member|Membership|ArchiveEntry)\(|\.bulk_create\(|\bTableWriter\b"
    r"|\bCOPY\b|executemany|INSERT INTO"
)


def test_the_roster_app_writes_no_member_rows_itself() -> None:
    """Members, membership rows and archive entries are written by `members` (its services and
    `members.bulk`); the roster parses, checks and reports."""
    assert ROSTER_MODULES
    found = [
        f"{path.name}:{number}: {line.strip()}"
        for path in ROSTER_MODULES
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if MEMBER_WRITES.search(line)
    ]
    assert found == []
    importing_source = (DANGJIAN / "roster" / "importing.py").read_text(encoding="utf-8")
    assert "members.models" not in importing_source


def test_only_core_crypto_uses_the_cryptography_library() -> None:
    """Fernet tokens come from the library through `core.crypto`, never from a cipher mode
    assembled elsewhere (decision 0031)."""
    users = sorted(
        str(path.relative_to(DANGJIAN))
        for path in DANGJIAN.rglob("*.py")
        if "tests" not in path.parts
        and re.search(r"^\s*(from|import) cryptography", path.read_text(encoding="utf-8"), re.M)
    )
    assert users == ["core/crypto.py"]


BIRTH = dt.date(1990, 3, 7)
NUMBER = make_id_number("110101", BIRTH, 321, Sex.MALE)
HEADERS = {c.key: c for c in MEMBER_COLUMNS}
SAME_RECORD_CASES: dict[str, tuple[dict[str, Any], str, dt.date | None]] = {
    "bad check digit": ({}, NUMBER[:17] + ("0" if NUMBER[17] != "0" else "1"), None),
    "under 18 at joining": (
        {"joined_on": dt.date(2008, 3, 6), "full_member_on": dt.date(2009, 3, 6)},
        NUMBER,
        None,
    ),
    "full membership within a year": ({"full_member_on": dt.date(2016, 6, 30)}, NUMBER, None),
    "joining in the future": (
        {
            "joined_on": add_years(today(), 1),
            "category": MemberCategory.PROBATIONARY,
            "full_member_on": None,
        },
        NUMBER,
        None,
    ),
    "full membership in the future": (
        {"joined_on": add_years(today(), -1), "full_member_on": today() + dt.timedelta(days=1)},
        NUMBER,
        None,
    ),
    "birth date disagreeing with the ID number": (
        {"birth_date": dt.date(1990, 3, 8)},
        NUMBER,
        None,
    ),
    "sex disagreeing with the ID number": ({"sex": Sex.FEMALE}, NUMBER, None),
    "placed before joining": ({}, NUMBER, dt.date(2015, 6, 30)),
}


def _cell(key: str, value: Any) -> Any:
    """How a person would type the value in the roster: dates as text, labels for codes."""
    column = HEADERS[key]
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if column.choices is not None:
        return column.choices(value).label
    return value


def _roster_errors(
    tree: Any, tmp_path: Path, data: dict[str, Any], number: str, started_on: dt.date | None
) -> dict[str, str]:
    """The import's refusals of the record: column header → message."""
    row = {HEADERS[key].header: _cell(key, value) for key, value in data.items()}
    row[HEADERS["id_number"].header] = number
    row[HEADERS["organization_code"].header] = tree.east_village.code
    if started_on is not None:
        row[HEADERS["started_on"].header] = started_on.isoformat()
    result = importing.validate_members(
        iter([list(row), list(row.values())]),
        actor=tree.east_secretary,
        default_organization=tree.east_village,
        directory=tmp_path / "job",
    )
    assert result.error_rows == 1
    return {error.column: error.message for error in result.errors}


def _service_errors(
    tree: Any, data: dict[str, Any], number: str, started_on: dt.date | None
) -> dict[str, str]:
    """member_create's refusals of the record: field → message."""
    with pytest.raises(ValidationError) as caught:
        services.member_create(
            actor=tree.east_secretary,
            organization=tree.east_village,
            data=data,
            id_number=number,
            started_on=started_on or data["joined_on"],
        )
    return {field: messages[0] for field, messages in caught.value.message_dict.items()}


@pytest.mark.django_db
@pytest.mark.parametrize("case", list(SAME_RECORD_CASES))
def test_the_roster_and_member_create_refuse_a_record_with_the_same_message(
    tree: Any, tmp_path: Path, case: str
) -> None:
    """A bad record gets the same message whether typed in the form or imported from a file."""
    overrides, number, started_on = SAME_RECORD_CASES[case]
    data = member_record(**overrides)
    by_field = _service_errors(tree, data, number, started_on)
    by_column = _roster_errors(tree, tmp_path, data, number, started_on)
    assert by_field
    assert by_column == {HEADERS[field].header: message for field, message in by_field.items()}
