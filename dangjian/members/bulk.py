"""Writing many members at once, fast: members, membership rows and archive entries by the batch.

`services.member_bulk_create` takes model instances and runs every check itself, which suits the
demo and hundreds of rows. A roster import writes tens of thousands: its rows are checked while
the file is read (with `record_rules` and `idnumbers`, as the services check one record) and
spooled as `MemberRecord`s; `member_bulk_write` then writes them with COPY (PostgreSQL) or
executemany (SQLite) in one transaction (decision 0031).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangjian.accounts.models import User
from dangjian.accounts.scope import scope_for
from dangjian.audit.choices import AuditAction
from dangjian.audit.services import audit_record
from dangjian.core import crypto
from dangjian.organizations.models import Organization

from .caching import invalidate_organizations
from .choices import ArchiveKind, HowAdded
from .error_codes import ErrorCode
from .models import ArchiveEntry, Member, Membership

Progress = Callable[[int, int], None]


class MemberRecord(NamedTuple):
    """One checked member and where they belong, as database values (codes, not labels).

    A tuple, so that the import's spool of hundreds of thousands pickles small and fast.
    """

    name: str
    name_pinyin: str
    name_initials: str
    sex: str
    ethnicity: str
    id_number: str  # normalised; encrypted when written
    id_number_hash: str
    birth_date: dt.date
    native_place: str
    education: str
    degree: str
    occupation: str
    work_unit: str
    post: str
    phone: str
    address: str
    category: str
    joined_on: dt.date
    full_member_on: dt.date | None
    status: str
    in_hardship: bool
    is_retired: bool
    is_migrant_worker: bool
    organization_id: int
    started_on: dt.date
    how_added: str
    # The ID number's token when the checker already encrypted it (the roster import's worker
    # processes do, decision 0279); empty: encrypted when written.
    id_number_encrypted: str = ""


@dataclass(frozen=True)
class ImportLabel:
    """How the archive and the audit name the import (增加方式 + the import it came from)."""

    job: str
    file_name: str


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
    # What the membership triggers would set (decision 0290): written with the row, their
    # statement's UPDATE finds every member already right and writes nothing.
    "organization_path",
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
_CREATED = ArchiveKind.CREATED.value


class TableWriter:
    """Bulk rows into a table on the current connection: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self) -> None:
        connection.ensure_connection()
        self.postgres = connection.vendor == "postgresql"
        self._next_sqlite_id = 0
        self._copy_types: dict[tuple[str, tuple[str, ...]], list[int] | None] = {}

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
            rows = [tuple(sqlite_value(v) for v in row) for row in rows]
        with connection.wrap_database_errors:  # the driver's errors as Django's IntegrityError…
            self._write(model, fields, rows)

    def _write(self, model: Any, fields: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        table = model._meta.db_table
        columns = ", ".join(f'"{name}"' for name in fields)  # attnames are the column names
        if self.postgres:
            types = self._binary_types(table, fields)
            binary = " (FORMAT BINARY)" if types else ""
            raw = connection.connection
            with (
                raw.cursor() as cursor,
                cursor.copy(f'COPY "{table}" ({columns}) FROM STDIN{binary}') as copy,
            ):
                if types:
                    copy.set_types(types)
                for row in rows:
                    copy.write_row(row)
            return
        placeholders = ", ".join("?" for _f in fields)
        connection.connection.executemany(
            f'INSERT INTO "{table}" ({columns}) VALUES ({placeholders})',  # noqa: S608
            rows,
        )

    def _binary_types(self, table: str, fields: tuple[str, ...]) -> list[int] | None:
        """The columns' type oids when COPY may send them in binary, else None.

        Binary COPY spares the server parsing dates, times and UUIDs from text (decision 0270).
        Only for columns whose Python values psycopg dumps exactly as the text format would
        store them: a JSON column takes text ("{}") in the rows, which binary would store as a
        JSON string, so a table with one is copied as text.
        """
        key = (table, fields)
        if key not in self._copy_types:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT attname, atttypid, format_type(atttypid, NULL) FROM pg_attribute"
                    " WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
                    [f'"{table}"'],
                )
                found = {name: (oid, kind) for name, oid, kind in cursor.fetchall()}
            columns = [found[name] for name in fields]
            self._copy_types[key] = (
                [oid for oid, _kind in columns]
                if all(kind in _BINARY_SAFE for _oid, kind in columns)
                else None
            )
        return self._copy_types[key]


# format_type() names of the columns copied in binary (see TableWriter._binary_types).
_BINARY_SAFE = frozenset(
    {
        "bigint",
        "integer",
        "smallint",
        "character varying",
        "text",
        "date",
        "timestamp with time zone",
        "boolean",
        "uuid",
    }
)


def sqlite_value(value: Any) -> Any:
    """What Django stores in SQLite: text dates and times (UTC), hex UUIDs, 0/1."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, bool):
        return int(value)
    return value


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


def registered_readable(hashes: Iterable[str], scope: Any) -> set[str]:
    """Which of these (registered) lookup hashes belong to members `scope` may read: only those
    may be told "already registered"; for the others the answer must not say whether the
    person is a party member at all."""
    hashes = list(hashes)
    if not hashes:
        return set()
    return set(
        Member.objects.restrict(scope)
        .filter(id_number_hash__in=hashes)
        .values_list("id_number_hash", flat=True)
    )


def _no_progress(done: int, total: int) -> None:
    pass


def member_bulk_write(
    *,
    actor: User,
    chunks: Iterable[Sequence[MemberRecord]],
    count: int,
    organization_ids: Collection[int],
    label: ImportLabel,
    progress: Progress = _no_progress,
) -> int:
    """Write checked records, chunk by chunk, in one transaction; returns the number written.

    The caller has checked every record (`record_rules`, `idnumbers`, the ID number not yet
    registered) and names every organization the records belong to; this checks that the actor
    manages them. One audit event for the whole write, one archive entry per member. A record
    whose ID number someone registered meanwhile makes the database refuse the write: nothing is
    written and a ValidationError says so.
    """
    scope = scope_for(actor)
    organizations = {o.pk: o for o in Organization.objects.filter(pk__in=organization_ids)}
    for pk in organization_ids:
        organization = organizations.get(pk)
        if organization is None or not scope.can_manage_path(organization.path):
            raise PermissionDenied(_("您无权管理该党组织的党员。"))
    rows = _Rows(actor=actor, organizations=organizations, label=label)
    written = 0
    try:
        with transaction.atomic():
            audit_record(
                actor=actor,
                action=AuditAction.IMPORT,
                target_type=Member._meta.label_lower,
                summary=_("名册导入 %(n)d 名党员（%(file)s）")
                % {"n": count, "file": label.file_name},
                detail={"count": count, "job": label.job, "file": label.file_name},
            )
            # The dashboards' cached counts of these organizations are stale once this commits.
            invalidate_organizations(list(organizations))
            writer = TableWriter()
            for chunk in chunks:
                members, memberships, archive = rows.build(
                    chunk, writer.allocate_member_ids(len(chunk)), postgres=writer.postgres
                )
                writer.write(Member, MEMBER_FIELDS, members)
                writer.write(Membership, MEMBERSHIP_FIELDS, memberships)
                writer.write(ArchiveEntry, ARCHIVE_FIELDS, archive)
                written += len(chunk)
                progress(written, count)
    except IntegrityError as exc:
        raise ValidationError(
            _(
                "写入时发现冲突（例如有人同时登记了文件中的身份证号码），本次导入没有写入任何数据。"
                "请重新上传文件校验后再导入。"
            ),
            code=ErrorCode.IMPORT_CONFLICT,
        ) from exc
    return written


class _Rows:
    """The database rows of a chunk of records: members, membership rows, archive entries."""

    def __init__(
        self, *, actor: User, organizations: dict[int, Organization], label: ImportLabel
    ) -> None:
        self.organizations = organizations
        self.label = label
        self.actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
        self.reason = (_("名册导入：%(file)s") % {"file": label.file_name})[:300]
        self.how_labels = {value: str(label_) for value, label_ in HowAdded.choices}
        self._archive_text: dict[tuple[int, str], tuple[str, str]] = {}

    def archive_text(self, organization_id: int, how_added: str) -> tuple[str, str]:
        """The summary and `after` of a created entry, the same for every member of an
        organization added the same way."""
        key = (organization_id, how_added)
        text = self._archive_text.get(key)
        if text is None:
            name = self.organizations[organization_id].name
            text = self._archive_text[key] = (
                (
                    _("名册导入建档：在 %(org)s（%(how)s）")
                    % {"org": name, "how": self.how_labels[how_added]}
                )[:300],
                json.dumps(
                    {"organization": name, "how_added": how_added, "import": self.label.job},
                    ensure_ascii=False,
                ),
            )
        return text

    def build(
        self, chunk: Sequence[MemberRecord], ids: list[int], *, postgres: bool
    ) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        now = timezone.now()
        tokens = [r.id_number_encrypted for r in chunk]
        if not all(tokens):
            fresh = iter(
                crypto.encrypt_many(r.id_number for r in chunk if not r.id_number_encrypted)
            )
            tokens = [token or next(fresh) for token in tokens]
        # psycopg's COPY takes Python values; SQLite takes what Django stores (sqlite_value).
        if postgres:
            stamp: Any = now
            day: Callable[[dt.date], Any] = _same
            flag: Callable[[bool], Any] = _same
        else:
            stamp, day, flag = sqlite_value(now), dt.date.isoformat, int
        members = []
        memberships = []
        archive = []
        actor_id, reason = self.actor_id, self.reason
        for member_id, token, r in zip(ids, tokens, chunk, strict=True):
            started_on = day(r.started_on)
            members.append(
                (
                    member_id,
                    uuid.uuid4() if postgres else uuid.uuid4().hex,
                    r.name,
                    r.name_pinyin,
                    r.name_initials,
                    r.sex,
                    r.ethnicity,
                    token,
                    r.id_number_hash,
                    day(r.birth_date),
                    r.native_place,
                    r.education,
                    r.degree,
                    r.occupation,
                    r.work_unit,
                    r.post,
                    r.phone,
                    r.address,
                    r.category,
                    day(r.joined_on),
                    day(r.full_member_on) if r.full_member_on else None,
                    r.status,
                    flag(r.in_hardship),
                    flag(r.is_retired),
                    flag(r.is_migrant_worker),
                    stamp,
                    stamp,
                    self.organizations[r.organization_id].path,
                )
            )
            memberships.append(
                (member_id, r.organization_id, started_on, None, r.how_added, "", flag(True))
            )
            summary, after = self.archive_text(r.organization_id, r.how_added)
            archive.append(
                (member_id, stamp, started_on, actor_id, _CREATED, summary, "{}", after, reason)
            )
        return members, memberships, archive


def _same(value: Any) -> Any:
    return value
