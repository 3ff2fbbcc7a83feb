"""Reading a county's enterprise list (企业名录) as the market regulator hands it over: CSV or
xlsx, columns in Chinese, a title (often merged) above the header, full-width characters, credit
codes with spaces or in lower case (docs/coverage.md, “Importing units”).

`read_units` only reads and checks; `services.units_import` writes, all or nothing.
"""

from __future__ import annotations

import itertools
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from stdnum.cn import uscc
from stdnum.exceptions import ValidationError as NumberError

from dangjian.core import spreadsheets
from dangjian.core.sheet_text import HEADER_SCAN_ROWS, as_text, find_header, header_key, normalize
from dangjian.core.spreadsheets import SheetError
from dangjian.organizations.choices import UnitKind

MAX_UNITS = 20_000
MAX_UPLOAD_BYTES = 20 * 1024 * 1024

# Header spellings → column key. The first of each is what the export writes.
HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("单位名称", "企业名称", "名称", "市场主体名称", "单位全称", "企业(机构)名称"),
    "credit_code": (
        "统一社会信用代码",
        "社会信用代码",
        "信用代码",
        "统一代码",
        "注册号/统一社会信用代码",
    ),
    "kind": ("单位类别", "单位类型", "企业类型", "市场主体类型", "类型", "类别"),
    "employees": ("从业人员", "从业人数", "职工人数", "员工人数", "从业人员数"),
    "address": ("地址", "住所", "经营场所", "注册地址", "住所(经营场所)", "单位地址"),
}
SPELLINGS = {normalize(h): key for key, headers in HEADERS.items() for h in headers}

# Enterprise types as the regulator writes them, tried in order (the first word found decides).
KIND_WORDS: tuple[tuple[str, str], ...] = (
    ("国有", UnitKind.STATE_ENTERPRISE),
    ("国企", UnitKind.STATE_ENTERPRISE),
    ("全民所有制", UnitKind.STATE_ENTERPRISE),
    ("民办非企业", UnitKind.SOCIAL_ORGANIZATION),
    ("社会服务机构", UnitKind.SOCIAL_ORGANIZATION),
    ("社会团体", UnitKind.SOCIAL_ORGANIZATION),
    ("基金会", UnitKind.SOCIAL_ORGANIZATION),
    ("社会组织", UnitKind.SOCIAL_ORGANIZATION),
    ("非公", UnitKind.PRIVATE_ENTERPRISE),
    ("私营", UnitKind.PRIVATE_ENTERPRISE),
    ("民营", UnitKind.PRIVATE_ENTERPRISE),
    ("外商", UnitKind.PRIVATE_ENTERPRISE),
    ("港澳台", UnitKind.PRIVATE_ENTERPRISE),
    ("合作社", UnitKind.PRIVATE_ENTERPRISE),
    ("个体", UnitKind.PRIVATE_ENTERPRISE),
    ("公司", UnitKind.PRIVATE_ENTERPRISE),
    ("企业", UnitKind.PRIVATE_ENTERPRISE),
)


@dataclass
class UnitRecord:
    row: int
    name: str
    credit_code: str
    kind: str
    employees: int | None
    address: str

    @property
    def kind_label(self) -> str:
        return str(UnitKind(self.kind).label)


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class UnitFile:
    """What a file holds: the rows that can be imported and the errors of the others."""

    records: list[UnitRecord] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rows: int = 0

    @property
    def error_rows(self) -> int:
        return len({e.row for e in self.errors})


class UnitFileError(ValueError):
    """The file as a whole cannot be read; the message says why in Chinese."""


def parse_kind(text: str, default: str) -> str:
    """A unit kind from its label (非公有制企业 …), its code, or an enterprise type
    (有限责任公司(自然人投资或控股) → 非公有制企业); empty: the default. Raises ValueError."""
    value = normalize(text)
    if not value:
        return default
    for code, label in UnitKind.choices:
        if value in (normalize(str(label)), code):
            return code
    for word, code in KIND_WORDS:
        if word in value:
            return code
    raise ValueError(text)


def parse_code(text: str) -> str:
    """A credit code, compact and upper case (full-width characters, spaces and hyphens
    allowed), checked (GB 32100). Raises ValueError."""
    value = normalize(text).upper().replace("-", "")
    try:
        return str(uscc.validate(value))
    except NumberError:
        raise ValueError(text) from None


def parse_employees(raw: Any) -> int | None:
    value = normalize(as_text(raw)).removesuffix("人")
    if not value:
        return None
    if not value.isdigit():
        raise ValueError(value)
    return int(value)


def _rows(path: Path) -> Iterator[list[Any]]:
    limits = spreadsheets.SheetLimits.from_settings(max_bytes=MAX_UPLOAD_BYTES)
    try:
        yield from spreadsheets.sheet_rows(path, limits=limits)
    except SheetError as exc:
        raise UnitFileError(str(exc)) from None


def read_units(path: Path, *, default_kind: str = UnitKind.PRIVATE_ENTERPRISE) -> UnitFile:
    """Every unit of the file with its row number, and a Chinese error for each row that cannot
    be imported: a credit code missing or failing its check, the same code twice, no name, a kind
    or a number of employees that cannot be read."""
    rows = _rows(path)
    first = list(itertools.islice(rows, HEADER_SCAN_ROWS))
    if not any(as_text(c) for cells in first for c in cells):
        raise UnitFileError(
            _("文件是空的：应有一行表头（单位名称、统一社会信用代码……），下面每行一个单位。")
        )
    header_at = find_header(SPELLINGS, first)
    positions: dict[str, int] = {}
    for position, cell in enumerate(first[header_at]):
        key = SPELLINGS.get(header_key(cell))
        if key is not None and key not in positions:
            positions[key] = position
    missing = [HEADERS[k][0] for k in ("name", "credit_code") if k not in positions]
    if missing:
        raise UnitFileError(
            _("在前 %(n)d 行中找不到表头的“%(cols)s”列。请确认文件是单位名录。")
            % {"n": HEADER_SCAN_ROWS, "cols": "、".join(missing)}
        )
    found = UnitFile()
    if header_at:
        found.notes.append(
            _("表头在第 %(row)d 行，上面的 %(n)d 行（标题等）不导入。")
            % {"row": header_at + 1, "n": header_at}
        )
    seen: dict[str, int] = {}
    for index, cells in enumerate(itertools.chain(first[header_at + 1 :], rows)):
        number = header_at + 2 + index

        def cell(key: str, cells: list[Any] = cells) -> Any:
            position = positions.get(key)
            return cells[position] if position is not None and position < len(cells) else None

        if not any(as_text(c) for c in cells):
            continue
        name = " ".join(as_text(cell("name")).split())
        if normalize(name).startswith(("合计", "总计", "小计")) and not as_text(
            cell("credit_code")
        ):
            continue
        found.rows += 1
        if found.rows > MAX_UNITS:
            raise UnitFileError(_("一次最多导入 %(n)d 个单位，请分成几个文件。") % {"n": MAX_UNITS})
        errors: list[RowError] = []
        if not name:
            errors.append(RowError(number, HEADERS["name"][0], _("缺少单位名称。")))
        raw_code = as_text(cell("credit_code"))
        code = ""
        if not raw_code:
            errors.append(RowError(number, HEADERS["credit_code"][0], _("缺少统一社会信用代码。")))
        else:
            try:
                code = parse_code(raw_code)
            except ValueError:
                errors.append(
                    RowError(
                        number,
                        HEADERS["credit_code"][0],
                        _("统一社会信用代码“%(v)s”有误（应为18位，末位为校验码）。")
                        % {"v": raw_code[:30]},
                    )
                )
        if code and code in seen:
            errors.append(
                RowError(
                    number,
                    HEADERS["credit_code"][0],
                    _("统一社会信用代码与第 %(row)d 行重复。") % {"row": seen[code]},
                )
            )
        elif code:
            seen[code] = number
        raw_kind = as_text(cell("kind"))
        kind = default_kind
        try:
            kind = parse_kind(raw_kind, default_kind)
        except ValueError:
            errors.append(
                RowError(
                    number,
                    HEADERS["kind"][0],
                    _("单位类别“%(v)s”无法识别，请填写：%(labels)s。")
                    % {
                        "v": raw_kind[:30],
                        "labels": "、".join(str(lb) for _c, lb in UnitKind.choices),
                    },
                )
            )
        employees = None
        try:
            employees = parse_employees(cell("employees"))
        except ValueError:
            errors.append(
                RowError(number, HEADERS["employees"][0], _("从业人员应填人数（整数）。"))
            )
        if errors:
            found.errors.extend(errors)
            continue
        found.records.append(
            UnitRecord(
                number,
                name[:200],
                code,
                kind,
                employees,
                " ".join(as_text(cell("address")).split())[:300],
            )
        )
    if not found.rows:
        raise UnitFileError(_("文件中没有单位：表头下面应每行一个单位。"))
    return found


_STORED = re.compile(r"^[0-9a-f]{32}\.(?:xlsx|xlsm|xls|ods|csv|txt)$")


def _directory() -> Path:
    return Path(settings.MEDIA_ROOT) / "imports" / "units"


def store_upload(file: Any) -> str:
    """Keep an uploaded list between preview and import under a generated name (nothing of the
    client's name but a known suffix reaches the file system); the reader checks the content
    (core.spreadsheets: kind, size, extent, UTF-8 or GB18030 for CSV)."""
    suffix = Path(str(getattr(file, "name", "") or "")).suffix.lower()
    if suffix not in (*spreadsheets.SHEET_SUFFIXES, *spreadsheets.CSV_SUFFIXES):
        raise UnitFileError(_("请上传 Excel（.xlsx）或 CSV 文件。"))
    if getattr(file, "size", 0) > MAX_UPLOAD_BYTES:
        raise UnitFileError(
            _("文件太大，最大 %(n)d MB。") % {"n": MAX_UPLOAD_BYTES // (1024 * 1024)}
        )
    name = secrets.token_hex(16) + suffix
    directory = _directory()
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / name).open("wb") as handle:
        for chunk in file.chunks():
            handle.write(chunk)
    return name


def stored_path(name: str) -> Path:
    if not _STORED.fullmatch(name):
        raise ValueError(f"not a stored unit list: {name!r}")
    return _directory() / name


def stored_delete(name: str) -> None:
    stored_path(name).unlink(missing_ok=True)
