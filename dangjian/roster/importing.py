"""The member import engine: validate every row, then write all valid rows in one transaction.

Validation streams the file once. Look-ups (organizations in the actor's scope, code tables,
pinyin of names already seen) are loaded once; ID numbers already registered are found with
one query per batch of rows. Valid rows go to a spool file (pickled batches), rejected rows to
the error report (.xlsx, the original cells plus an error column), so memory stays flat as files
grow.

The commit reads the spool and writes members, their membership rows and their archive entries
with COPY (PostgreSQL) or executemany (SQLite) inside one transaction: a failure, a crash or a
kill leaves nothing. The rules are the ones `members.services` applies to a single member.
"""

from __future__ import annotations

import datetime as dt
import functools
import hmac
import json
import operator
import pickle
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.cn import ric
from stdnum.exceptions import InvalidComponent

from dangjian.accounts.models import User
from dangjian.accounts.scope import scope_for
from dangjian.audit.choices import AuditAction
from dangjian.audit.services import audit_record
from dangjian.core.dates import add_years
from dangjian.members import idnumbers
from dangjian.members.caching import invalidate_organizations
from dangjian.members.choices import (
    ArchiveKind,
    Ethnicity,
    HowAdded,
    MemberCategory,
    MemberStatus,
    Sex,
)
from dangjian.members.models import ArchiveEntry, Member, Membership
from dangjian.members.pinyin import pinyin_keys
from dangjian.organizations.choices import OrgKind
from dangjian.organizations.models import Organization
from dangjian.roster.error_codes import ErrorCode

from . import columns as cols
from .columns import BOOL, CODE, DATE, ID, MEMBER_COLUMNS, CellError, CodeTable, Column
from .fernet import BatchFernet

BATCH = 5000
MAX_KEPT_ERRORS = 1000  # shown on the page; the error report has them all
MIN_AGE_TO_JOIN = 18
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
    spool: Path | None = None
    report: Path | None = None
    organization_ids: set[int] = field(default_factory=set)

    def add_errors(self, errors: Iterable[RowError]) -> None:
        for error in errors:
            if len(self.errors) < MAX_KEPT_ERRORS:
                self.errors.append(error)


# --- ID numbers -------------------------------------------------------------------------------

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


@functools.lru_cache(maxsize=8192)
def _region_in_use(region: str, year: int) -> bool:
    try:
        ric.get_birth_place(f"{region}{year:04d}01010000")
    except InvalidComponent:
        return False
    return True


def check_id_number(raw: str) -> tuple[str, dt.date]:
    """The normalised number and its birth date; a CellError with the members app's message.

    The common case (a correct number) is checked here without python-stdnum's per-call
    overhead; anything wrong goes through `members.idnumbers.validate_id_number` for its message.
    """
    number = raw if len(raw) == 18 and raw.isascii() else idnumbers.normalize_id_number(raw)
    if number[-1:] == "x":
        number = number[:17] + "X"
    try:
        if len(number) != 18 or not number[:17].isdigit():
            raise ValueError
        total = sum(map(operator.mul, map(int, number[:17]), _WEIGHTS))
        if _CHECK[total % 11] != number[17]:
            raise ValueError
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        if not _region_in_use(number[:6], birth.year):
            raise ValueError
    except ValueError:
        try:
            idnumbers.validate_id_number(raw)
        except ValidationError as exc:
            raise CellError(exc.messages[0]) from None
        raise CellError(_("身份证号码无效，请核对。")) from None
    return number, birth


# --- validation ---------------------------------------------------------------------------------


# Plain strings: enum attribute look-ups cost more than the rest of a cell's work.
_REQUIRED = [(c.key, c.header) for c in MEMBER_COLUMNS if c.required]
_HAN = Ethnicity.HAN.value
_NORMAL = MemberStatus.NORMAL.value
_OTHER_WAY = HowAdded.OTHER.value
_MALE, _FEMALE = Sex.MALE.value, Sex.FEMALE.value
_CREATED = ArchiveKind.CREATED.value


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
        self.tables = {c.key: CodeTable.build(c) for c in MEMBER_COLUMNS if c.kind == CODE}
        self.columns = {c.key: c for c in MEMBER_COLUMNS}
        self.lookup_key = settings.DANGJIAN_LOOKUP_KEY.encode()
        self.pinyin = NamePinyin()
        self.seen: dict[str, int] = {}  # ID number → first row
        self._plans: dict[int, list[tuple[str, int, str, Callable[[Any], Any]]]] = {}

    def organization(self, code: str) -> _Org:
        if not code:
            if self.default is None:
                raise CellError(_("请填写党组织代码，或在导入时选定党组织。"))
            code = self.default.code
        org = self.managed.get(code)
        if org is None:
            if code not in self._known_codes:
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
        self, cells: list[Any], positions: dict[str, int]
    ) -> tuple[tuple[Any, ...] | None, list[tuple[str, str]]]:
        """One row → (prepared values, []) or (None, [(column header, message), …])."""
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
        for column in MEMBER_COLUMNS:
            if (
                column.required
                and values.get(column.key) in (None, "")
                and not any(header == column.header for header, _m in errors)
            ):
                errors.append((column.header, _("必填，请填写。")))
        number = values.get("id_number")
        birth_date = values.get("birth_date")
        sex = values.get("sex")
        if number:
            number, id_birth = number
            if birth_date is None:
                birth_date = id_birth
            elif birth_date != id_birth:
                errors.append(
                    (
                        "出生日期",
                        _("出生日期 %(given)s 与身份证号码中的出生日期 %(id)s 不一致，请核对。")
                        % {"given": birth_date.isoformat(), "id": id_birth.isoformat()},
                    )
                )
            id_sex = _MALE if int(number[16]) % 2 == 1 else _FEMALE
            if not sex:
                sex = id_sex
            elif sex != id_sex:
                errors.append(
                    (
                        "性别",
                        _("性别“%(given)s”与身份证号码（第17位）不一致，请核对。")
                        % {"given": Sex(sex).label},
                    )
                )
        errors.extend(self._dates(values, birth_date))
        org: _Org | None = None
        try:
            org = self.organization(values.get("organization_code") or "")
        except CellError as exc:
            errors.append(("党组织代码", str(exc)))
        if number and not errors:
            first = self.seen.get(number)
            if first is not None:
                errors.append(
                    ("公民身份号码", _("与第 %(row)d 行的身份证号码重复。") % {"row": first})
                )
        if errors:
            return None, errors
        assert number
        assert org is not None
        assert birth_date is not None
        name = values["name"]
        pinyin, initials = self.pinyin(name)
        lookup = hmac.new(self.lookup_key, number.encode(), "sha256").hexdigest()
        joined_on = values["joined_on"]
        return (
            name,
            pinyin,
            initials,
            sex,
            values.get("ethnicity") or _HAN,
            number,
            lookup,
            birth_date,
            values.get("native_place") or "",
            values["education"],
            values.get("degree") or "",
            values["occupation"],
            values.get("work_unit") or "",
            values.get("post") or "",
            values.get("phone") or "",
            values.get("address") or "",
            values["category"],
            joined_on,
            values.get("full_member_on"),
            values.get("status") or _NORMAL,
            bool(values.get("in_hardship")),
            bool(values.get("is_retired")),
            bool(values.get("is_migrant_worker")),
            org.pk,
            values.get("started_on") or joined_on,
            values.get("how_added") or _OTHER_WAY,
        ), []

    def _parser(self, column: Column) -> Callable[[Any], Any]:
        """The function that reads one cell of `column` (chosen once per file, not per cell)."""
        kind = column.kind
        as_text = cols.as_text
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

    def _dates(self, values: dict[str, Any], birth_date: dt.date | None) -> list[tuple[str, str]]:
        """born → 18 years → joined → full membership (≥ 1 year later); none in the future."""
        errors: list[tuple[str, str]] = []
        on = self.on
        joined_on = values.get("joined_on")
        full_on = values.get("full_member_on")
        started_on = values.get("started_on")
        category = values.get("category")
        if birth_date and birth_date > on:
            errors.append(("出生日期", _("出生日期不能晚于今天。")))
        if joined_on:
            if joined_on > on:
                errors.append(("入党日期", _("入党日期不能晚于今天。")))
            elif birth_date and joined_on < add_years(birth_date, MIN_AGE_TO_JOIN):
                errors.append(("入党日期", _("入党时须年满18周岁，请核对入党日期和出生日期。")))
        if category == MemberCategory.FULL and not full_on:
            errors.append(("转正日期", _("正式党员须填写转正日期。")))
        if category == MemberCategory.PROBATIONARY and full_on:
            errors.append(
                (
                    "转正日期",
                    _("预备党员尚未转正，转正日期应留空；如已转正，请把人员类别改为正式党员。"),
                )
            )
        if full_on and joined_on:
            if full_on > on:
                errors.append(("转正日期", _("转正日期不能晚于今天。")))
            elif full_on < add_years(joined_on, 1):
                errors.append(
                    ("转正日期", _("转正日期须在入党日期满一年之后（预备期为一年），请核对。"))
                )
        if started_on and joined_on and started_on < joined_on:
            errors.append(("编入日期", _("编入党组织的日期不能早于入党日期。")))
        if started_on and started_on > on:
            errors.append(("编入日期", _("编入日期不能晚于今天。")))
        return errors


class ErrorReport:
    """The rejected rows as a spreadsheet: the original cells and an error column."""

    def __init__(self, path: Path, headers: list[Any]):
        import xlsxwriter

        self.path = path
        self.workbook = xlsxwriter.Workbook(
            str(path), {"constant_memory": True, "strings_to_formulas": False}
        )
        self.sheet = self.workbook.add_worksheet(_("错误行"))
        bold = self.workbook.add_format({"bold": True, "bg_color": "#F8D7DA"})
        self.width = len(headers)
        self.sheet.write_row(0, 0, [cols.as_text(h) for h in headers], bold)
        self.sheet.write(0, self.width, _("错误说明"), bold)
        self.sheet.write(0, self.width + 1, _("原行号"), bold)
        self.next_row = 1

    def add(self, row: int, cells: list[Any], errors: list[RowError]) -> None:
        for position, cell in enumerate(cells[: self.width]):
            if isinstance(cell, dt.date | dt.datetime):
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


def validate_members(
    rows: Iterator[list[Any]],
    *,
    actor: User,
    default_organization: Organization | None,
    directory: Path,
    total: int = 0,
    progress: Progress = _no_progress,
    on: dt.date | None = None,
) -> Validation:
    """Read and check every row; spool the valid ones and report the rejected ones."""
    from dangjian.core.dates import today

    directory.mkdir(parents=True, exist_ok=True)
    result = Validation(spool=directory / "valid.spool", report=directory / "errors.xlsx")
    try:
        headers = next(rows)
    except StopIteration:
        raise ValidationError(_("文件是空的：第一行应是表头，第二行起是党员。")) from None
    try:
        positions = cols.map_headers(MEMBER_COLUMNS, list(headers))
    except CellError as exc:
        raise ValidationError(str(exc)) from None
    validator = MemberRowValidator(
        actor=actor, default_organization=default_organization, on=on or today()
    )
    report = ErrorReport(result.report, list(headers))  # type: ignore[arg-type]
    assert result.spool is not None
    with result.spool.open("wb") as spool:
        batch: list[tuple[int, list[Any], tuple[Any, ...]]] = []
        row_number = 1
        for cells in rows:
            row_number += 1
            if not any(c not in (None, "") for c in cells):
                continue  # blank lines at the end of a sheet
            result.total_rows += 1
            prepared, problems = validator.validate(cells, positions)
            if prepared is None:
                _reject(result, report, row_number, cells, problems)
            else:
                validator.seen[prepared[5]] = row_number
                batch.append((row_number, cells, prepared))
            if len(batch) >= BATCH:
                _flush(batch, result, report, spool)
                batch = []
            if result.total_rows % 1000 == 0:
                progress(result.total_rows, total)
        _flush(batch, result, report, spool)
    report.close()
    progress(result.total_rows, total)
    if result.total_rows == 0:
        raise ValidationError(_("文件中没有党员：第一行是表头，请从第二行起填写。"))
    return result


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
    batch: list[tuple[int, list[Any], tuple[Any, ...]]],
    result: Validation,
    report: ErrorReport,
    spool: Any,
) -> None:
    """Drop rows whose ID number is already registered; spool the rest."""
    if not batch:
        return
    registered = registered_hashes([p[6] for _r, _c, p in batch])
    kept = []
    for row, cells, prepared in batch:
        if prepared[6] in registered:
            _reject(
                result,
                report,
                row,
                cells,
                [
                    (
                        "公民身份号码",
                        _("该身份证号码已登记为党员，不能重复建档；如是转入，请办理组织关系转接。"),
                    )
                ],
            )
        else:
            kept.append((row, prepared))
            result.organization_ids.add(prepared[23])
    result.valid_rows += len(kept)
    if kept:
        pickle.dump(kept, spool, protocol=pickle.HIGHEST_PROTOCOL)


def registered_hashes(hashes: list[str]) -> set[str]:
    """Which of these lookup hashes belong to members already (plain SQL: the ORM's `__in`
    spends longer preparing thousands of parameters than the database spends answering)."""
    table = Member._meta.db_table
    found: set[str] = set()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f'SELECT id_number_hash FROM "{table}" WHERE id_number_hash = ANY(%s)',  # noqa: S608
                [hashes],
            )
            found.update(r[0] for r in cursor.fetchall())
            return found
        for start in range(0, len(hashes), 900):
            part = hashes[start : start + 900]
            marks = ", ".join(["%s"] * len(part))
            cursor.execute(
                f'SELECT id_number_hash FROM "{table}" WHERE id_number_hash IN ({marks})',  # noqa: S608
                part,
            )
            found.update(r[0] for r in cursor.fetchall())
    return found


def _read_spool(path: Path) -> Iterator[list[tuple[int, tuple[Any, ...]]]]:
    # The spool is written by validate_members on this server, never uploaded.
    with path.open("rb") as handle:
        while True:
            try:
                yield pickle.load(handle)  # noqa: S301
            except EOFError:
                return


# --- commit -------------------------------------------------------------------------------------

MEMBER_FIELDS = (
    "id",
    "public_id",
    "name",
    "name_pinyin",
    "name_initials",
    "sex",
    "ethnicity",
    "id_number_encrypted",
    "id_number_hash",
    "birth_date",
    "native_place",
    "education",
    "degree",
    "occupation",
    "work_unit",
    "post",
    "phone",
    "address",
    "category",
    "joined_on",
    "full_member_on",
    "status",
    "in_hardship",
    "is_retired",
    "is_migrant_worker",
    "created_at",
    "updated_at",
)
MEMBERSHIP_FIELDS = (
    "member_id",
    "organization_id",
    "started_on",
    "ended_on",
    "how_added",
    "how_removed",
    "is_latest",
)
ARCHIVE_FIELDS = (
    "member_id",
    "at",
    "effective_on",
    "actor_id",
    "kind",
    "summary",
    "before",
    "after",
    "reason",
)


class TableWriter:
    """Bulk rows into a table on the current connection: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self) -> None:
        connection.ensure_connection()
        self.postgres = connection.vendor == "postgresql"
        self._next_sqlite_id = 0

    def allocate_member_ids(self, n: int) -> list[int]:
        table = Member._meta.db_table
        with connection.cursor() as cursor:
            if self.postgres:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [table, n],
                )
                return [r[0] for r in cursor.fetchall()]
            if not self._next_sqlite_id:
                # The transaction holds SQLite's write lock (IMMEDIATE), so nobody else allocates.
                cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')  # noqa: S608
                highest = cursor.fetchone()[0]
                cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
                row = cursor.fetchone()
                self._next_sqlite_id = max(highest, row[0] if row else 0) + 1
        first = self._next_sqlite_id
        self._next_sqlite_id += n
        return list(range(first, first + n))

    def write(
        self,
        model: Any,
        fields: tuple[str, ...],
        rows: list[tuple[Any, ...]],
        *,
        converted: bool = True,
    ) -> None:
        """Rows of database values; with `converted=False` SQLite values are converted here."""
        if not rows:
            return
        if not self.postgres and not converted:
            rows = [tuple(_sqlite_value(v) for v in row) for row in rows]
        with connection.wrap_database_errors:  # the driver's errors as Django's IntegrityError…
            self._write(model, fields, rows)

    def _write(self, model: Any, fields: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        table = model._meta.db_table
        columns = ", ".join(f'"{name}"' for name in fields)  # attnames are the column names
        if self.postgres:
            raw = connection.connection
            with (
                raw.cursor() as cursor,
                cursor.copy(f'COPY "{table}" ({columns}) FROM STDIN') as copy,
            ):
                for row in rows:
                    copy.write_row(row)
            return
        placeholders = ", ".join("?" for _f in fields)
        connection.connection.executemany(
            f'INSERT INTO "{table}" ({columns}) VALUES ({placeholders})',  # noqa: S608
            rows,
        )


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, bool):
        return int(value)
    return value


@dataclass(frozen=True)
class ImportLabel:
    """How the archive names the import (增加方式 + the import it came from)."""

    job: str
    file_name: str


def commit_members(
    validation: Validation,
    *,
    actor: User,
    label: ImportLabel,
    progress: Progress = _no_progress,
) -> int:
    """Write every spooled row in one transaction; returns the number of members created."""
    assert validation.spool is not None
    scope = scope_for(actor)
    organizations = {
        o.pk: o for o in Organization.objects.filter(pk__in=validation.organization_ids)
    }
    for pk in validation.organization_ids:
        org = organizations.get(pk)
        if org is None or not scope.can_manage_path(org.path):
            raise PermissionDenied(_("您无权管理该党组织的党员。"))
    how_labels = {value: str(label_) for value, label_ in HowAdded.choices}
    archive_text: dict[tuple[int, str], tuple[str, str]] = {}
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    reason = (_("名册导入：%(file)s") % {"file": label.file_name})[:300]
    written = 0
    try:
        with transaction.atomic():
            audit_record(
                actor=actor,
                action=AuditAction.IMPORT,
                target_type=Member._meta.label_lower,
                summary=_("名册导入 %(n)d 名党员（%(file)s）")
                % {"n": validation.valid_rows, "file": label.file_name},
                detail={"count": validation.valid_rows, "job": label.job, "file": label.file_name},
            )
            # The dashboards' cached counts of these organizations are stale once this commits.
            invalidate_organizations(list(organizations))
            writer = TableWriter()
            encryptor = BatchFernet()
            for chunk in _read_spool(validation.spool):
                now = timezone.now()
                ids = writer.allocate_member_ids(len(chunk))
                tokens = encryptor.encrypt_many([p[5] for _r, p in chunk])
                members = []
                memberships = []
                archive = []
                postgres = writer.postgres
                stamp: Any = now if postgres else _sqlite_value(now)
                for member_id, token, (_row, p) in zip(ids, tokens, chunk, strict=True):
                    org_id, started_on, how_added = p[23], p[24], p[25]
                    if postgres:
                        members.append(
                            (member_id, uuid.uuid4(), *p[0:5], token, *p[6:23], now, now)
                        )
                    else:  # SQLite takes text dates, hex UUIDs and 0/1 (what Django stores)
                        members.append(
                            (
                                member_id,
                                uuid.uuid4().hex,
                                *p[0:5],
                                token,
                                p[6],
                                p[7].isoformat(),
                                *p[8:17],
                                p[17].isoformat(),
                                p[18].isoformat() if p[18] else None,
                                p[19],
                                int(p[20]),
                                int(p[21]),
                                int(p[22]),
                                stamp,
                                stamp,
                            )
                        )
                        started_on = started_on.isoformat()
                    memberships.append(
                        (
                            member_id,
                            org_id,
                            started_on,
                            None,
                            how_added,
                            "",
                            True if postgres else 1,
                        )
                    )
                    key = (org_id, how_added)
                    if key not in archive_text:
                        org_name = organizations[org_id].name
                        archive_text[key] = (
                            (
                                _("名册导入建档：在 %(org)s（%(how)s）")
                                % {"org": org_name, "how": how_labels[how_added]}
                            )[:300],
                            json.dumps(
                                {
                                    "organization": org_name,
                                    "how_added": how_added,
                                    "import": label.job,
                                },
                                ensure_ascii=False,
                            ),
                        )
                    summary, after = archive_text[key]
                    archive.append(
                        (
                            member_id,
                            stamp,
                            started_on,
                            actor_id,
                            _CREATED,
                            summary,
                            "{}",
                            after,
                            reason,
                        )
                    )
                writer.write(Member, MEMBER_FIELDS, members)
                writer.write(Membership, MEMBERSHIP_FIELDS, memberships)
                writer.write(ArchiveEntry, ARCHIVE_FIELDS, archive)
                written += len(chunk)
                progress(written, validation.valid_rows)
    except IntegrityError as exc:
        raise ValidationError(
            _(
                "写入时发现冲突（例如有人同时登记了文件中的身份证号码），本次导入没有写入任何数据。"
                "请重新上传文件校验后再导入。"
            ),
            code=ErrorCode.IMPORT_CONFLICT,
        ) from exc
    return written
