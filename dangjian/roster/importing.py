"""The member import engine: validate every row, then write all valid rows in one transaction.

Validation streams the file once. Look-ups (organizations in the actor's scope, code tables,
pinyin of names already seen) are loaded once; ID numbers already registered are found with
one query per batch of rows. Valid rows go to a spool file (pickled batches, each encrypted:
the spool holds clear ID numbers until the commit), rejected rows to
the error report (.xlsx, the original cells plus an error column), so memory stays flat as files
grow.

The rules are the members app's (`members.record_rules`, `members.idnumbers`), the ones
`members.services` applies to a single member; this module maps their field names to column
headers. The commit hands the spooled records to `members.bulk.member_bulk_write`, which writes
members, their membership rows and their archive entries in one transaction: a failure, a crash
or a kill leaves nothing.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import os
import pickle
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangjian.accounts.models import User
from dangjian.accounts.scope import scope_for
from dangjian.core import crypto
from dangjian.core.workbooks import new_workbook
from dangjian.members import bulk, idnumbers, record_rules
from dangjian.members.bulk import ImportLabel, MemberRecord
from dangjian.members.choices import Ethnicity, HowAdded, MemberStatus
from dangjian.members.pinyin import pinyin_keys
from dangjian.organizations.choices import OrgKind
from dangjian.organizations.models import Organization

from . import columns as cols
from .columns import BOOL, CODE, DATE, ID, MEMBER_COLUMNS, CellError, CodeTable, Column

BATCH = 5000
# Files of at least this many rows are checked by worker processes, one per core (decision
# 0270): starting them costs about a second, which a smaller file does not win back. With two
# cores the importing process and the database need one of them, and the workers were no
# faster than the plain path (measured, decision 0270): they start from three cores.
PARALLEL_ROWS = 20_000
PARALLEL_MIN_CORES = 3
MAX_WORKERS = 4
# Rows handed to a worker at a time; the importing process keeps at most two per worker (and
# one more) in flight, so memory does not grow with the file.
CHUNK_ROWS = 1000
# The refusal for an ID number registered to a member the importer may not read.
NOT_HERE = gettext_lazy("无法导入：该身份证号码不能在此登记，请联系上级党组织。")
MAX_KEPT_ERRORS = 1000  # shown on the page; the error report has them all
MAX_KEPT_NOTES = 200
Progress = Callable[[int, int], None]


def _no_progress(done: int, total: int) -> None:
    pass


@dataclass(frozen=True)
class RowError:
    row: int  # the spreadsheet row number (the header is row 1)
    column: str
    message: str

    def __str__(self) -> str:
        where = f" {self.column}" if self.column else ""
        return _("第 %(row)d 行%(where)s：%(message)s") % {
            "row": self.row,
            "where": where,
            "message": self.message,
        }


@dataclass
class Validation:
    """What validation found: counts, the first errors, and where the valid rows are spooled."""

    total_rows: int = 0
    valid_rows: int = 0
    error_rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    # What was read other than as written (title rows, filled merged cells, a tidied name, a
    # converted 15-digit number, a total row): shown in the preview so nothing is silent.
    notes: list[RowError] = field(default_factory=list)
    spool: Path | None = None
    report: Path | None = None
    organization_ids: set[int] = field(default_factory=set)
    refused_elsewhere: int = 0  # rows whose number is registered outside the importer's scope

    def add_errors(self, errors: Iterable[RowError]) -> None:
        for error in errors:
            if len(self.errors) < MAX_KEPT_ERRORS:
                self.errors.append(error)

    def add_note(self, row: int, column: str, message: str) -> None:
        if len(self.notes) < MAX_KEPT_NOTES:
            self.notes.append(RowError(row, column, message))


# --- ID numbers -------------------------------------------------------------------------------


def as_text_id(raw: Any) -> str:
    """An ID cell as text (a float cell as the digits it holds)."""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return cols.as_text(raw)


def check_id_number(raw: Any) -> tuple[str, dt.date]:
    """The normalised number and its birth date; a CellError with the members app's message.

    A number cell (a float from .xlsx) has lost the digits after the 15th: refused as such,
    unless it is a whole 15-digit legacy number, which a float holds exactly.
    """
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        if not (float(raw).is_integer() and 10**14 <= raw < 10**15):
            raise CellError(idnumbers.stored_as_number_error().messages[0])
        raw = str(int(raw))
    try:
        return idnumbers.parse_id_number(raw)
    except ValidationError as exc:
        raise CellError(exc.messages[0]) from None


# --- validation ---------------------------------------------------------------------------------


# Plain strings: enum attribute look-ups cost more than the rest of a cell's work.
_REQUIRED = [(c.key, c.header) for c in MEMBER_COLUMNS if c.required]
_HAN = Ethnicity.HAN.value
_NORMAL = MemberStatus.NORMAL.value
_OTHER_WAY = HowAdded.OTHER.value
# The members app's field names → this file's column headers, for the rules' errors.
_HEADERS = {c.key: c.header for c in MEMBER_COLUMNS}


class NamePinyin:
    """`members.pinyin.pinyin_keys`, fast and with the same result.

    pypinyin reads a name phrase by phrase: a run of characters found in its phrase dictionary
    takes the phrase's reading, any other character its own first reading. So a name with no
    phrase inside it is the join of its characters' cached readings; only names containing a
    phrase (rare) go through pypinyin whole. A hypothesis test holds the equality.
    """

    def __init__(self) -> None:
        from pypinyin.constants import PHRASES_DICT

        self._phrases = PHRASES_DICT
        self._chars: dict[str, str | None] = {}
        self._names = functools.lru_cache(maxsize=100_000)(pinyin_keys)

    @staticmethod
    def _char(char: str) -> str | None:
        syllables = pinyin_keys(char)[0]
        return syllables if syllables and syllables.isalpha() else None

    def _has_phrase(self, name: str) -> bool:
        phrases = self._phrases
        n = len(name)
        return any(name[i:j] in phrases for i in range(n - 1) for j in range(i + 2, n + 1))

    def __call__(self, name: str) -> tuple[str, str]:
        if len(name) > 1 and self._has_phrase(name):
            return self._names(name)
        chars = self._chars
        syllables = []
        for char in name:
            if char not in chars:
                chars[char] = self._char(char)
            syllable = chars[char]
            if syllable is None:
                return self._names(name)
            syllables.append(syllable)
        return "".join(syllables), "".join(s[0] for s in syllables)


@dataclass(frozen=True)
class _Org:
    pk: int
    name: str
    path: str
    kind: str


class MemberRowValidator:
    """Validates member rows with everything it needs loaded once."""

    def __init__(self, *, actor: User, default_organization: Organization | None, on: dt.date):
        self.actor = actor
        self.on = on
        self.scope = scope_for(actor)
        self.default = default_organization
        if default_organization is not None and not self.scope.can_manage_path(
            default_organization.path
        ):
            raise PermissionDenied(_("您无权管理该党组织的党员。"))
        self.managed: dict[str, _Org] = {
            code: _Org(pk, name, path, kind)
            for code, pk, name, path, kind in Organization.objects.restrict(
                self.scope, "manage"
            ).values_list("code", "pk", "name", "path", "kind")
        }
        self._known_codes: dict[str, bool] = {}
        # Every organization code, when rows are checked where no query may run (workers).
        self.all_codes: frozenset[str] | None = None
        self._tools()
        self.seen: dict[str, int] = {}  # ID number → first row

    def _tools(self) -> None:
        self.tables = {c.key: CodeTable.build(c) for c in MEMBER_COLUMNS if c.kind == CODE}
        self.columns = {c.key: c for c in MEMBER_COLUMNS}
        self.pinyin = NamePinyin()
        self._plans: dict[int, list[tuple[str, int, str, Callable[[Any], Any]]]] = {}

    def worker_state(self, positions: dict[str, int]) -> dict[str, Any]:
        """What a worker process needs to check rows as this validator does, as plain values
        (the worker unpickles them before Django is set up)."""
        from django.conf import settings
        from django.utils import translation

        default = self.default
        return {
            "settings_module": os.environ.get("DJANGO_SETTINGS_MODULE", ""),
            "lookup_key": settings.DANGJIAN_LOOKUP_KEY,
            "encryption_keys": list(settings.DANGJIAN_FIELD_ENCRYPTION_KEYS),
            "language": translation.get_language(),
            "on": self.on,
            "positions": dict(positions),
            "managed": {
                code: (org.pk, org.name, org.path, org.kind) for code, org in self.managed.items()
            },
            "default": None if default is None else (default.code, default.path, default.name),
            "all_codes": list(Organization.objects.values_list("code", flat=True)),
        }

    @classmethod
    def for_worker(cls, state: dict[str, Any]) -> MemberRowValidator:
        """A validator in a worker process, from `worker_state`: it runs no query."""
        validator = cls.__new__(cls)
        validator.actor = None  # type: ignore[assignment]
        validator.scope = None  # type: ignore[assignment]
        validator.on = state["on"]
        default = state["default"]
        validator.default = (
            None
            if default is None
            else Organization(code=default[0], path=default[1], name=default[2])
        )
        validator.managed = {code: _Org(*org) for code, org in state["managed"].items()}
        validator._known_codes = {}
        validator.all_codes = frozenset(state["all_codes"])
        validator._tools()
        validator.seen = {}
        return validator

    def organization(self, code: str) -> _Org:
        if not code:
            if self.default is None:
                raise CellError(_("请填写党组织代码，或在导入时选定党组织。"))
            code = self.default.code
        org = self.managed.get(code)
        if org is None:
            if self.all_codes is not None:
                self._known_codes[code] = code in self.all_codes
            elif code not in self._known_codes:
                self._known_codes[code] = Organization.objects.filter(code=code).exists()
            if self._known_codes[code]:
                raise CellError(
                    _("党组织代码 %(code)s 不在您管理的范围内，不能导入到该组织。") % {"code": code}
                )
            raise CellError(
                _("党组织代码 %(code)s 不存在，请核对（可在组织页面查看代码）。") % {"code": code}
            )
        if org.kind == OrgKind.LOCAL_COMMITTEE:
            raise CellError(_("党员的组织关系应在基层党组织，不能直接在地方党委。"))
        if self.default is not None and not org.path.startswith(self.default.path):
            raise CellError(
                _("党组织代码 %(code)s 不在所选党组织 %(org)s 之下。")
                % {"code": code, "org": self.default.name}
            )
        return org

    def validate(
        self,
        cells: list[Any],
        positions: dict[str, int],
        notes: list[tuple[str, str]] | None = None,
    ) -> tuple[MemberRecord | None, list[tuple[str, str]]]:
        """One row → (the record to write, []) or (None, [(column header, message), …]).

        What was read other than as written is appended to `notes` as (column header, message).
        A number that repeats an earlier row's is found by the caller, which sees the rows in
        file order (`duplicate`).
        """
        errors: list[tuple[str, str]] = []
        values: dict[str, Any] = {}
        width = len(cells)
        plan = self._plans.get(id(positions))
        if plan is None:
            plan = self._plans[id(positions)] = [
                (key, position, self.columns[key].header, self._parser(self.columns[key]))
                for key, position in positions.items()
            ]
        for key, position, header, parse in plan:
            try:
                values[key] = parse(cells[position] if position < width else None)
            except CellError as exc:
                errors.append((header, str(exc)))
                values[key] = None
        for key, required_header in _REQUIRED:
            if values.get(key) in (None, "") and not any(
                header == required_header for header, _m in errors
            ):
                errors.append((required_header, _("必填，请填写。")))
        number = values.get("id_number")
        birth_date, birth_month_only, ambiguous = values.get("birth_date") or (None, False, None)
        sex = values.get("sex")
        joined_on = values.get("joined_on")
        rules: list[dict[str, str]] = []
        if number:
            number, id_birth = number
            # 2008.1 for 出生年月: the number says whether January or October was meant.
            if (
                ambiguous is not None
                and id_birth.year == ambiguous.year
                and id_birth.month in ambiguous.months
            ):
                birth_date, birth_month_only, ambiguous = id_birth, False, None
            rules.append(
                idnumbers.check_agreement(
                    number, birth_date, sex, birth_month_only=birth_month_only
                )
            )
            if birth_month_only or not birth_date:
                birth_date = id_birth  # 出生年月 agrees: the day comes from the number
            sex = sex or str(idnumbers.sex_of(number))  # the code, not the enum member
        if ambiguous is not None:
            errors.append((_HEADERS["birth_date"], str(ambiguous)))
        rules.append(
            record_rules.date_errors(
                birth_date=birth_date,
                joined_on=joined_on,
                full_member_on=values.get("full_member_on"),
                category=values.get("category"),
                on=self.on,
            )
        )
        rules.append(
            record_rules.started_on_errors(
                started_on=values.get("started_on"), joined_on=joined_on, on=self.on
            )
        )
        for found in rules:
            errors.extend((_HEADERS[name], message) for name, message in found.items())
        org: _Org | None = None
        try:
            org = self.organization(values.get("organization_code") or "")
        except CellError as exc:
            errors.append(("党组织代码", str(exc)))
        if errors:
            return None, errors
        assert number
        assert org is not None
        assert birth_date is not None
        assert sex
        assert joined_on is not None
        written = values["name"]
        name = record_rules.tidy_name(written)
        if notes is not None:
            if name != written:
                notes.append(
                    (
                        _HEADERS["name"],
                        _("姓名“%(written)s”中的空格已去掉，按“%(name)s”导入。")
                        % {"written": written, "name": name},
                    )
                )
            if idnumbers.is_legacy(as_text_id(cells[positions["id_number"]])):
                notes.append(
                    (
                        _HEADERS["id_number"],
                        _("15位的旧身份证号码已转换为18位（出生年份前补“19”，末位补校验码）。"),
                    )
                )
        pinyin, initials = self.pinyin(name)
        return MemberRecord(
            name=name,
            name_pinyin=pinyin,
            name_initials=initials,
            sex=sex,
            ethnicity=values.get("ethnicity") or _HAN,
            id_number=number,
            id_number_hash=crypto.lookup_hash(number),
            birth_date=birth_date,
            native_place=values.get("native_place") or "",
            education=values["education"],
            degree=values.get("degree") or "",
            occupation=values["occupation"],
            work_unit=values.get("work_unit") or "",
            post=values.get("post") or "",
            phone=values.get("phone") or "",
            address=values.get("address") or "",
            category=values["category"],
            joined_on=joined_on,
            full_member_on=values.get("full_member_on"),
            status=values.get("status") or _NORMAL,
            in_hardship=bool(values.get("in_hardship")),
            is_retired=bool(values.get("is_retired")),
            is_migrant_worker=bool(values.get("is_migrant_worker")),
            organization_id=org.pk,
            started_on=values.get("started_on") or joined_on,
            how_added=values.get("how_added") or _OTHER_WAY,
        ), []

    def duplicate(self, record: MemberRecord) -> list[tuple[str, str]]:
        """The error of a checked row whose ID number an earlier row of the file has."""
        first = self.seen.get(record.id_number)
        if first is None:
            return []
        return [("公民身份号码", _("与第 %(row)d 行的身份证号码重复。") % {"row": first})]

    def _parser(self, column: Column) -> Callable[[Any], Any]:
        """The function that reads one cell of `column` (chosen once per file, not per cell)."""
        kind = column.kind
        as_text = cols.as_text
        if column.key == "birth_date":

            def birth_date(raw: Any) -> tuple[dt.date | None, bool, cols.AmbiguousDate | None]:
                try:
                    return (*cols.parse_date_parts(raw), None)
                except cols.AmbiguousDate as ambiguous:  # the ID number may settle it
                    return None, True, ambiguous

            return birth_date
        if kind == DATE:
            return cols.parse_date
        if kind == BOOL:
            return cols.parse_bool
        if kind == CODE:
            table = self.tables[column.key]

            def code(raw: Any) -> str:
                text = as_text(raw)
                return table.parse(text) if text else ""

            return code
        if kind == ID:

            def id_number(raw: Any) -> tuple[str, dt.date] | None:
                if isinstance(raw, int | float) and not isinstance(raw, bool):
                    return check_id_number(raw)
                text = as_text(raw)
                return check_id_number(text) if text else None

            return id_number
        limit = column.max_length

        def text(raw: Any) -> str:
            value = as_text(raw)
            if limit and len(value) > limit:
                raise CellError(
                    _("最多 %(n)d 个字，当前 %(m)d 个字，请精简。") % {"n": limit, "m": len(value)}
                )
            return value

        return text


class ErrorReport:
    """The rejected rows as a spreadsheet: the original cells and an error column."""

    def __init__(self, path: Path, headers: list[Any], *, text_columns: Iterable[int] = ()):
        self.path = path
        self.workbook = new_workbook(path, constant_memory=True)
        self.sheet = self.workbook.add_worksheet(_("错误行"))
        bold = self.workbook.add_format({"bold": True, "bg_color": "#F8D7DA"})
        self.width = len(headers)
        # The ID column is text, so a number re-typed there keeps its 18 digits.
        self.text_columns = frozenset(text_columns)
        text = self.workbook.add_format({"num_format": "@"})
        for position in self.text_columns:
            self.sheet.set_column(position, position, 22, text)
        self.sheet.write_row(0, 0, [cols.as_text(h) for h in headers], bold)
        self.sheet.write(0, self.width, _("错误说明"), bold)
        self.sheet.write(0, self.width + 1, _("原行号"), bold)
        self.next_row = 1

    def add(self, row: int, cells: list[Any], errors: list[RowError]) -> None:
        for position, cell in enumerate(cells[: self.width]):
            if position in self.text_columns and cell not in (None, ""):
                self.sheet.write_string(self.next_row, position, _as_shown(cell))
            elif isinstance(cell, dt.date | dt.datetime):
                self.sheet.write_string(self.next_row, position, cell.isoformat()[:10])
            elif isinstance(cell, int | float) and not isinstance(cell, bool):
                self.sheet.write_number(self.next_row, position, cell)
            elif cell not in (None, ""):
                self.sheet.write_string(self.next_row, position, str(cell))
        message = "；".join(f"{e.column}：{e.message}" if e.column else e.message for e in errors)
        self.sheet.write_string(self.next_row, self.width, message)
        self.sheet.write_number(self.next_row, self.width + 1, row)
        self.next_row += 1

    def close(self) -> None:
        self.workbook.close()


def _as_shown(cell: Any) -> str:
    """A cell as text; a float as the 15 significant digits a spreadsheet keeps of it."""
    if isinstance(cell, float):
        return f"{int(float(f'{cell:.15g}')):d}" if abs(cell) >= 1e15 else f"{cell:.15g}"
    return cols.as_text(cell)


def validate_members(
    rows: Iterator[list[Any]],
    *,
    actor: User,
    default_organization: Organization | None,
    directory: Path,
    total: int = 0,
    progress: Progress = _no_progress,
    on: dt.date | None = None,
    fill_down: bool = False,
    workers: int | None = None,
) -> Validation:
    """Read and check every row; spool the valid ones and report the rejected ones.

    The header may sit below title rows; with `fill_down` (a file that cannot mark merged cells)
    an empty 党组织代码 under a filled one takes the value above (`_OrganizationFill`).

    Rows are checked in chunks, by `workers` processes (by default one per core for a file of
    PARALLEL_ROWS rows or more on PARALLEL_MIN_CORES cores or more; 0 checks them here);
    whatever needs the whole file or the
    database (duplicates inside the file, numbers already registered, the spool, the report,
    the notes) is done here in file order, so the outcome is the same either way.
    """
    from dangjian.core.dates import today

    directory.mkdir(parents=True, exist_ok=True)
    result = Validation(spool=directory / "valid.spool", report=directory / "errors.xlsx")
    header_row, headers, rows = _find_header(rows, result)
    try:
        positions = cols.map_headers(MEMBER_COLUMNS, list(headers), row=header_row)
    except CellError as exc:
        raise ValidationError(str(exc)) from None
    validator = MemberRowValidator(
        actor=actor, default_organization=default_organization, on=on or today()
    )
    report = ErrorReport(
        result.report,  # type: ignore[arg-type]
        list(headers),
        text_columns=[positions["id_number"]],
    )
    if workers is None:
        cores = os.cpu_count() or 1
        large = total >= PARALLEL_ROWS and cores >= PARALLEL_MIN_CORES
        workers = max(2, min(cores, MAX_WORKERS)) if large else 0
    chunks = _chunks(rows, header_row, positions, result, fill_down=fill_down)
    checked = (
        _checked_by_workers(chunks, validator, positions, workers)
        if workers
        else ((chunk, check_rows(validator, positions, _cells(chunk))) for chunk in chunks)
    )
    assert result.spool is not None
    processed = 0
    with result.spool.open("wb") as spool:
        batch: list[tuple[int, list[Any], MemberRecord]] = []
        for chunk, outcomes in checked:
            found = iter(outcomes)
            for row_number, cells, column, message in chunk:
                if cells is None:  # a note of the reading (a total row, filled codes)
                    result.add_note(row_number, column, message)
                    continue
                record, problems, notes = next(found)
                if record is not None:
                    problems = validator.duplicate(record)
                    if problems:
                        record, notes = None, []
                if record is None:
                    _reject(result, report, row_number, cells, problems)
                else:
                    validator.seen[record.id_number] = row_number
                    batch.append((row_number, cells, record))
                for column_, message_ in notes:
                    result.add_note(row_number, column_, message_)
                if len(batch) >= BATCH:
                    _flush(batch, result, report, spool, validator.scope)
                    batch = []
                processed += 1
                if processed % 1000 == 0:
                    progress(processed, total)
        _flush(batch, result, report, spool, validator.scope)
    report.close()
    progress(result.total_rows, total)
    if result.total_rows == 0:
        raise ValidationError(_("文件中没有党员：表头下面应是党员，每行一人。"))
    return result


# A chunk: (row number, cells, "", "") for a row to check, (row number, None, column, message)
# for a note the reading made there, in file order.
Chunk = list[tuple[int, list[Any] | None, str, str]]
Outcome = tuple[MemberRecord | None, list[tuple[str, str]], list[tuple[str, str]]]


class _ChunkNotes:
    """Takes `_OrganizationFill`'s notes into the chunk being read, in their place."""

    def __init__(self) -> None:
        self.items: Chunk = []

    def add_note(self, row: int, column: str, message: str) -> None:
        self.items.append((row, None, column, message))


def _chunks(
    rows: Iterator[list[Any]],
    header_row: int,
    positions: dict[str, int],
    result: Validation,
    *,
    fill_down: bool,
) -> Iterator[Chunk]:
    """The rows under the header, CHUNK_ROWS at a time; blank rows skipped, total rows noted,
    merged organization codes filled (`fill_down`); counts `result.total_rows`."""
    sink = _ChunkNotes()
    fill = _OrganizationFill(positions.get("organization_code"), sink) if fill_down else None
    id_position = positions["id_number"]
    row_number = header_row
    in_chunk = 0
    for cells in rows:
        row_number += 1
        # Blank lines at the end of a sheet; the first cell (姓名) settles most rows at once.
        if not (cells and cells[0] not in (None, "")) and all(c in (None, "") for c in cells):
            continue
        if cols.is_total_row(cells, id_position):
            sink.add_note(row_number, "", _("合计行，不导入。"))
            continue
        if fill is not None:
            cells = fill(row_number, cells)
        result.total_rows += 1
        sink.items.append((row_number, cells, "", ""))
        in_chunk += 1
        if in_chunk >= CHUNK_ROWS:
            yield sink.items
            sink.items, in_chunk = [], 0
    if fill is not None:
        fill.close()
    if sink.items:
        yield sink.items


def _cells(chunk: Chunk) -> list[list[Any]]:
    return [cells for _row, cells, _column, _message in chunk if cells is not None]


def check_rows(
    validator: MemberRowValidator, positions: dict[str, int], rows: list[list[Any]]
) -> list[Outcome]:
    """(record or None, errors, notes) of each row: the work of a chunk, here or in a worker."""
    outcomes: list[Outcome] = []
    for cells in rows:
        notes: list[tuple[str, str]] = []
        record, problems = validator.validate(cells, positions, notes)
        outcomes.append((record, problems, notes))
    return outcomes


def encrypt_id_numbers(outcomes: list[Outcome]) -> list[Outcome]:
    """The outcomes with each record's ID number encrypted (`MemberRecord.id_number_encrypted`),
    one library Fernet token per number as the writer would make it."""
    tokens = iter(crypto.encrypt_many(o[0].id_number for o in outcomes if o[0] is not None))
    return [
        (record._replace(id_number_encrypted=next(tokens)), problems, notes)
        if record is not None
        else (record, problems, notes)
        for record, problems, notes in outcomes
    ]


def _checked_by_workers(
    chunks: Iterator[Chunk],
    validator: MemberRowValidator,
    positions: dict[str, int],
    workers: int,
) -> Iterator[tuple[Chunk, list[Outcome]]]:
    """Each chunk with its outcomes, in file order, checked by `workers` processes; at most
    2 × workers + 1 chunks are in flight."""
    import multiprocessing
    from concurrent.futures import Future, ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    from . import parallel

    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=parallel.start,
        initargs=(validator.worker_state(positions),),
    )
    window: deque[tuple[Chunk, Future[list[Outcome]]]] = deque()
    try:
        for chunk in chunks:
            window.append((chunk, pool.submit(parallel.check, _cells(chunk))))
            if len(window) > 2 * workers:
                done, future = window.popleft()
                yield done, future.result()
        while window:
            done, future = window.popleft()
            yield done, future.result()
    except BrokenProcessPool:
        raise ValidationError(
            _("校验进程意外中断（可能是服务器内存不足），没有写入任何数据，请稍后重试。")
        ) from None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _find_header(
    rows: Iterator[list[Any]], result: Validation
) -> tuple[int, list[Any], Iterator[list[Any]]]:
    """(the header's row number, its cells, the rows under it): title rows above are skipped."""
    first: list[list[Any]] = []
    for cells in rows:
        first.append(cells)
        if len(first) == cols.HEADER_SCAN_ROWS:
            break
    if not any(any(c not in (None, "") for c in cells) for cells in first):
        raise ValidationError(_("文件是空的：第一行应是表头，第二行起是党员。"))
    position = cols.find_header_row(MEMBER_COLUMNS, first)
    if position:
        result.add_note(
            position + 1,
            "",
            _("表头在第 %(row)d 行，上面的 %(n)d 行（标题等）不导入。")
            % {"row": position + 1, "n": position},
        )
    return position + 1, first[position], itertools.chain(first[position + 1 :], rows)


class _OrganizationFill:
    """党组织代码 left empty under a filled cell takes the value above (a merged cell).

    For files that cannot say which cells were merged (CSV: a merged cell is saved as its value
    in the first row and empty cells under it). .xlsx files say it, and the reader fills the
    merged cells themselves. A code above empty cells is taken on until the next filled cell;
    each such run is named in the preview, so a secretary who meant 所选党组织 writes its code.
    """

    def __init__(self, position: int | None, result: Validation | _ChunkNotes) -> None:
        self.position = position
        self.result = result
        self.value = ""
        self.run: list[int] = []

    def __call__(self, row: int, cells: list[Any]) -> list[Any]:
        position = self.position
        if position is None:
            return cells
        cell = cols.as_text(cells[position]) if position < len(cells) else ""
        if cell:
            self.close()
            self.value = cell
            return cells
        if not self.value:
            return cells
        self.run.append(row)
        cells = list(cells) + [""] * max(0, position + 1 - len(cells))
        cells[position] = self.value
        return cells

    def close(self) -> None:
        if self.run:
            self.result.add_note(
                self.run[0],
                "党组织代码",
                _(
                    "第 %(first)d–%(last)d 行的党组织代码为空，按合并单元格沿用上方的 %(code)s；"
                    "如应导入到所选党组织，请填写其代码。"
                )
                % {"first": self.run[0], "last": self.run[-1], "code": self.value},
            )
            self.run = []


def _reject(
    result: Validation,
    report: ErrorReport,
    row: int,
    cells: list[Any],
    problems: list[tuple[str, str]],
) -> None:
    errors = [RowError(row, column, message) for column, message in problems]
    result.error_rows += 1
    result.add_errors(errors)
    report.add(row, cells, errors)


def _flush(
    batch: list[tuple[int, list[Any], MemberRecord]],
    result: Validation,
    report: ErrorReport,
    spool: Any,
    scope: Any,
) -> None:
    """Drop rows whose ID number is already registered; spool the rest.

    Only a member the importer may read is called "already registered". For anyone else the
    row gets a refusal that does not say whether the person is a party member: the preview is
    never committed, so it must not be a way to test ID numbers against the whole system."""
    if not batch:
        return
    registered = bulk.registered_hashes([record.id_number_hash for _r, _c, record in batch])
    readable = bulk.registered_readable(registered, scope)
    kept = []
    for row, cells, record in batch:
        if record.id_number_hash in readable:
            message = _("该身份证号码已登记为党员，不能重复建档；如是转入，请办理组织关系转接。")
        elif record.id_number_hash in registered:
            message = str(NOT_HERE)
            result.refused_elsewhere += 1
        else:
            kept.append(record)
            result.organization_ids.add(record.organization_id)
            continue
        _reject(result, report, row, cells, [("公民身份号码", message)])
    result.valid_rows += len(kept)
    if kept:
        token = crypto.encrypt_bytes(pickle.dumps(kept, protocol=pickle.HIGHEST_PROTOCOL))
        spool.write(token + b"\n")


def _read_spool(path: Path) -> Iterator[list[MemberRecord]]:
    # Written by validate_members on this server, never uploaded; each line is a Fernet token,
    # so a changed spool fails to decrypt before anything is unpickled.
    with path.open("rb") as handle:
        for line in handle:
            if line.strip():
                yield pickle.loads(crypto.decrypt_bytes(line.strip()))  # noqa: S301


def commit_members(
    validation: Validation,
    *,
    actor: User,
    label: ImportLabel,
    progress: Progress = _no_progress,
) -> int:
    """Write every spooled record in one transaction; returns the number of members created."""
    assert validation.spool is not None
    return bulk.member_bulk_write(
        actor=actor,
        chunks=_read_spool(validation.spool),
        count=validation.valid_rows,
        organization_ids=validation.organization_ids,
        label=label,
        progress=progress,
    )
