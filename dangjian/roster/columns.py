"""The roster file format (docs/roster-format.md): columns, coded values and accepted spellings.

One definition serves the template, the importer and the exporter, so an export is a valid
import file. Cell parsers accept what real spreadsheets contain (Excel serial dates, full-width
digits, labels instead of codes, stray spaces) and raise `CellError` with a Chinese message that
says what to write instead.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import override

from dangjian.core.sheet_text import HEADER_SCAN_ROWS, as_text
from dangjian.core.sheet_text import normalize as _normalize
from dangjian.core.sheet_text import safe_cell as safe_cell
from dangjian.members.choices import (
    REMOVING_STATUSES,
    Degree,
    Education,
    Ethnicity,
    HowAdded,
    MemberCategory,
    MemberStatus,
    Occupation,
    Sex,
)
from dangjian.organizations.choices import OrgKind, UnitKind, UnitRelation


class CellError(ValueError):
    """A cell that cannot be read; the message says what to fix."""


TEXT = "text"
DATE = "date"
CODE = "code"
BOOL = "bool"
ID = "id"


@dataclass(frozen=True)
class Column:
    header: str  # the Chinese header written in templates and exports
    key: str
    kind: str = TEXT
    required: bool = False
    max_length: int = 0
    choices: type[models.TextChoices] | None = None
    # Extra spellings accepted on import, mapped to a code.
    spellings: Mapping[str, str] = field(default_factory=dict)
    excluded_codes: frozenset[str] = frozenset()
    header_aliases: tuple[str, ...] = ()
    note: str = ""  # for the 填写说明 sheet
    informational: bool = False  # written on export, ignored on import

    def labels(self) -> list[str]:
        """The drop-down list: the Chinese labels of the allowed codes."""
        if self.choices is None:
            return ["是", "否"] if self.kind == BOOL else []
        with override("zh-hans"):
            return [
                str(label)
                for value, label in self.choices.choices
                if value not in self.excluded_codes and value != ""
            ]


# --- coded values -------------------------------------------------------------------------

EDUCATION_SPELLINGS = {
    "博士": Education.DOCTORATE,
    "研究生": Education.MASTER,
    "硕士": Education.MASTER,
    "本科": Education.BACHELOR,
    "大学": Education.BACHELOR,
    "大专": Education.JUNIOR_COLLEGE,
    "专科": Education.JUNIOR_COLLEGE,
    "中专": Education.SECONDARY_SPECIALIZED,
    "中技": Education.SECONDARY_SPECIALIZED,
    "高中": Education.HIGH_SCHOOL,
    "职高": Education.HIGH_SCHOOL,
    "技校": Education.HIGH_SCHOOL,
    "初中及以下": Education.JUNIOR_HIGH,
}
OCCUPATION_SPELLINGS = {
    "工人": Occupation.WORKER,
    "工勤技能人员": Occupation.WORKER,
    "农民": Occupation.FARMER,
    "农牧渔民": Occupation.FARMER,
    "专业技术人员": Occupation.PROFESSIONAL,
    "管理人员": Occupation.MANAGER,
    "企事业单位管理人员": Occupation.MANAGER,
    "机关工作人员": Occupation.OFFICIAL,
    "公务员": Occupation.OFFICIAL,
    "学生": Occupation.STUDENT,
    "其他": Occupation.OTHER,
    "离退休": Occupation.RETIRED,
    "离退休人员": Occupation.RETIRED,
}
SEX_SPELLINGS = {"男性": Sex.MALE, "女性": Sex.FEMALE, "M": Sex.MALE, "F": Sex.FEMALE}
CATEGORY_SPELLINGS = {"正式": MemberCategory.FULL, "预备": MemberCategory.PROBATIONARY}
DEGREE_SPELLINGS = {"无": Degree.NONE}
BOOL_SPELLINGS = {
    "是": True,
    "否": False,
    "Y": True,
    "N": False,
    "YES": True,
    "NO": False,
    "TRUE": True,
    "FALSE": False,
    "1": True,
    "0": False,
    "√": True,
    "×": False,
    "有": True,
    "无": False,
}


@dataclass
class CodeTable:
    """Every accepted spelling of one coded column, normalised, mapped to its code."""

    column: Column
    lookup: dict[str, str]
    exact: dict[str, str] = field(default_factory=dict)  # spellings as written, no tidying

    @classmethod
    def build(cls, column: Column) -> CodeTable:
        assert column.choices is not None
        lookup: dict[str, str] = {}
        for language in ("en", "zh-hans"):
            with override(language):
                for value, label in column.choices.choices:
                    if value in column.excluded_codes:
                        continue
                    lookup[_normalize(str(label)).upper()] = value
                    if value:
                        lookup[_normalize(value).upper()] = value
        for spelling, value in column.spellings.items():
            lookup[_normalize(spelling).upper()] = value
        if column.choices is Ethnicity:  # 汉 for 汉族, 蒙古 for 蒙古族 …
            with override("zh-hans"):
                for code, name in Ethnicity.choices:
                    label_text = str(name)
                    if label_text.endswith("族"):
                        lookup.setdefault(label_text[:-1], code)
        exact = dict(lookup)
        with override("zh-hans"):
            for value, label in column.choices.choices:
                if value not in column.excluded_codes:
                    exact.setdefault(str(label), value)
        return cls(column, lookup, exact)

    def parse(self, raw: str) -> str:
        code = self.exact.get(raw)
        if code is not None:
            return code
        code = self.lookup.get(_normalize(raw).upper())
        if code is None:
            if self.column.excluded_codes and raw.strip():
                with override("zh-hans"):
                    for value, label in self.column.choices.choices:  # type: ignore[union-attr]
                        if value in self.column.excluded_codes and _normalize(raw) in (
                            value,
                            _normalize(str(label)),
                        ):
                            raise CellError(
                                _("导入时%(col)s不能是“%(v)s”，请填写：%(allowed)s。")
                                % {
                                    "col": self.column.header,
                                    "v": raw.strip(),
                                    "allowed": "、".join(self.column.labels()),
                                }
                            )
            raise CellError(
                _("“%(v)s”不是有效的%(col)s，请从下拉列表中选择：%(allowed)s。")
                % {
                    "v": raw.strip(),
                    "col": self.column.header,
                    "allowed": "、".join(self.column.labels()[:12])
                    + ("……" if len(self.column.labels()) > 12 else ""),
                }
            )
        return code


# --- dates ------------------------------------------------------------------------------------

_EXCEL_EPOCH = dt.date(1899, 12, 30)  # the 1900 date system, after Excel's 1900-02-29 bug
_DATE_PATTERN = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*(?:(?:[-/.月]\s*(\d{1,2})\s*日?)|月?)$"
)


def _date_error(raw: Any) -> CellError:
    return CellError(
        _("日期“%(v)s”无法识别，请写成 2008-10-01、2008/10/1 或 2008年10月1日 这样的格式。")
        % {"v": str(raw).strip()}
    )


class AmbiguousDate(CellError):
    """`2008.1`: January, or October stored by a spreadsheet as the number 2008.1."""

    def __init__(self, year: int, raw: Any) -> None:
        self.year = year
        self.months = (1, 10)
        super().__init__(
            _(
                "日期“%(v)s”不明确：可能是%(y)d年1月，也可能是%(y)d年10月（表格会把 %(y)d.10 "
                "存成数字 %(y)d.1）。请改写成 %(y)d-01 或 %(y)d-10，或把这一列设为“文本”后重新输入。"
            )
            % {"v": str(raw).strip(), "y": year}
        )


def parse_date(raw: Any) -> dt.date | None:
    """A date cell: a spreadsheet date, an Excel serial number, or one of the text spellings.

    `2008.10` (year and month only, as rosters often record 入党日期) means the first of the month.
    """
    return parse_date_parts(raw)[0]


def parse_date_parts(raw: Any) -> tuple[dt.date | None, bool]:
    """The date and whether the cell gave only a year and a month (`1985.3`, `1985年3月`).

    A number cell between 1900 and 2100 is a year and month typed as `1985.3`, never an Excel
    serial (which would be a day in 1905); `2008.1` is ambiguous (see `AmbiguousDate`).
    """
    if raw is None or raw == "":
        return None, False
    if isinstance(raw, dt.datetime):
        return raw.date(), False
    if isinstance(raw, dt.date):
        return raw, False
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        if _YEARS_AS_NUMBERS[0] <= raw < _YEARS_AS_NUMBERS[1]:
            year, _dot, month = repr(float(raw)).partition(".")
            return _year_month(int(year), month.rstrip("0") if month != "0" else "", raw)
        return _from_serial(raw), False
    text = str(raw).strip()
    if not text:
        return None, False
    if len(text) == 10 and text[4] == "-":
        try:
            return dt.date.fromisoformat(text), False
        except ValueError:
            raise _date_error(raw) from None
    text = _normalize(text)
    match = _DATE_PATTERN.match(text)
    if match:
        year, month, day = match.group(1), match.group(2), match.group(3)
        if day is None and text[4] == "." and month == "1":
            raise AmbiguousDate(int(year), raw)
        try:
            return dt.date(int(year), int(month), int(day) if day else 1), day is None
        except ValueError:
            raise _date_error(raw) from None
    if text.isdigit() and len(text) in (6, 8):  # 20081001, 200810
        try:
            day = int(text[6:]) if len(text) == 8 else 1
            return dt.date(int(text[:4]), int(text[4:6]), day), len(text) == 6
        except ValueError:
            raise _date_error(raw) from None
    if text.isdigit() and len(text) == 5:  # an Excel serial that arrived as text
        return _from_serial(int(text)), False
    if len(text) >= 10 and text[4] == "-":  # 2008-10-01 00:00:00 from some exports
        try:
            return dt.datetime.fromisoformat(text.replace("T", " ")).date(), False
        except ValueError:
            pass
    raise _date_error(raw)


_YEARS_AS_NUMBERS = (1900, 2101)


def _year_month(year: int, month: str, raw: Any) -> tuple[dt.date, bool]:
    """A number cell `year.month`; `2008` alone has no month, and `2008.1` is ambiguous."""
    if not month:
        raise CellError(
            _("日期“%(v)s”只有年份，请写出月份，如 %(y)d-10 或 %(y)d-10-01。")
            % {"v": as_text(raw), "y": year}
        )
    if month == "1":
        raise AmbiguousDate(year, raw)
    if len(month) > 2 or not 1 <= int(month) <= 12:
        raise _date_error(raw)
    return dt.date(year, int(month), 1), True


def _from_serial(value: float) -> dt.date:
    if not 1 <= value < 2958466 or int(value) < 60:
        raise CellError(
            _("日期“%(v)s”不是有效的Excel日期，请写成 2008-10-01 这样的格式。") % {"v": value}
        )
    return _EXCEL_EPOCH + dt.timedelta(days=int(value))


def parse_bool(raw: Any) -> bool:
    if raw is None or raw == "":
        return False
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int | float):
        raw = str(int(raw))
    value = BOOL_SPELLINGS.get(_normalize(str(raw)).upper())
    if value is None:
        raise CellError(_("“%(v)s”应填“是”或“否”（不填视为“否”）。") % {"v": str(raw).strip()})
    return value


# --- the members file -----------------------------------------------------------------------


MEMBER_COLUMNS: tuple[Column, ...] = (
    Column("姓名", "name", required=True, max_length=60, note="必填。"),
    Column(
        "公民身份号码",
        "id_number",
        ID,
        required=True,
        header_aliases=("身份证号码", "身份证号"),
        note="必填，18位；末位X可小写，全角数字可以。",
    ),
    Column(
        "性别",
        "sex",
        CODE,
        choices=Sex,
        spellings=SEX_SPELLINGS,
        note="可不填，按身份证号码第17位确定；填了须与号码一致。",
    ),
    Column("民族", "ethnicity", CODE, choices=Ethnicity, note="不填视为汉族；可填“汉”或“汉族”。"),
    Column("出生日期", "birth_date", DATE, note="可不填，按身份证号码确定；填了须与号码一致。"),
    Column("籍贯", "native_place", max_length=60),
    Column(
        "学历",
        "education",
        CODE,
        required=True,
        choices=Education,
        spellings=EDUCATION_SPELLINGS,
        note="必填；可写“本科”“大专”等常用简称。",
    ),
    Column("学位", "degree", CODE, choices=Degree, spellings=DEGREE_SPELLINGS),
    Column(
        "工作岗位",
        "occupation",
        CODE,
        required=True,
        choices=Occupation,
        spellings=OCCUPATION_SPELLINGS,
        header_aliases=("工作岗位(职业)", "职业"),
        note="必填。",
    ),
    Column("工作单位", "work_unit", max_length=200),
    Column("职务", "post", max_length=100),
    Column("联系电话", "phone", max_length=20, header_aliases=("手机号码", "电话")),
    Column("家庭住址", "address", max_length=200),
    Column(
        "人员类别",
        "category",
        CODE,
        required=True,
        choices=MemberCategory,
        spellings=CATEGORY_SPELLINGS,
        header_aliases=("党员类别",),
        note="必填：正式党员或预备党员。",
    ),
    Column("入党日期", "joined_on", DATE, required=True, note="必填，须年满18周岁。"),
    Column(
        "转正日期",
        "full_member_on",
        DATE,
        note="正式党员必填，预备党员留空；须在入党日期满一年之后。",
    ),
    Column(
        "党籍状态",
        "status",
        CODE,
        choices=MemberStatus,
        excluded_codes=frozenset(REMOVING_STATUSES),
        note="不填视为正常。",
    ),
    Column("困难党员", "in_hardship", BOOL),
    Column("离退休", "is_retired", BOOL),
    Column("农民工", "is_migrant_worker", BOOL),
    Column(
        "党组织代码",
        "organization_code",
        header_aliases=("组织代码",),
        note="党员所在党组织的代码；不填则导入到页面上（或命令 --org）选定的党组织。",
    ),
    Column("所在党组织", "organization_name", informational=True, note="仅供查看，导入时不读。"),
    Column("编入日期", "started_on", DATE, note="编入本组织的日期；不填则取入党日期。"),
    Column(
        "增加方式",
        "how_added",
        CODE,
        choices=HowAdded,
        note="新发展、转入、恢复党籍或其他；不填视为其他。",
    ),
)

ORGANIZATION_COLUMNS: tuple[Column, ...] = (
    Column("组织代码", "code", required=True, max_length=32, note="必填，全县唯一。"),
    Column("名称", "name", required=True, max_length=200, header_aliases=("组织名称",)),
    Column("简称", "short_name", max_length=60),
    Column("组织类别", "kind", CODE, required=True, choices=OrgKind),
    Column(
        "上级组织代码",
        "parent_code",
        required=True,
        note="必填：系统中已有的组织，或本文件中排在前面的组织。",
    ),
    Column("所在单位类别", "unit_kind", CODE, choices=UnitKind),
    Column("单位关系", "unit_relation", CODE, choices=UnitRelation),
    Column("所在单位名称", "unit_name", max_length=200),
    Column("成立日期", "founded_on", DATE),
    Column("本届任期开始", "term_started_on", DATE),
    Column("本届任期届满", "term_ends_on", DATE, note="可不填，按任期年限推算。"),
)


def header_index(columns: tuple[Column, ...]) -> dict[str, Column]:
    """Every accepted header spelling (normalised) → its column."""
    index: dict[str, Column] = {}
    for column in columns:
        for header in (column.header, *column.header_aliases):
            index[_normalize(header).replace("*", "")] = column
    return index


def header_score(index: dict[str, Column], cells: list[Any]) -> int:
    """How many distinct known columns a row names."""
    found = set()
    for cell in cells:
        column = index.get(_normalize(as_text(cell)).replace("*", ""))
        if column is not None:
            found.add(column.key)
    return len(found)


def find_header_row(columns: tuple[Column, ...], first_rows: list[list[Any]]) -> int:
    """The index of the header among a file's first rows: the row naming most known columns.

    Secretaries put a title (“东村党支部党员名册”), a date or a blank line above the header;
    those rows name no column. Ties go to the upper row.
    """
    index = header_index(columns)
    best, best_score = 0, 0
    for position, cells in enumerate(first_rows[:HEADER_SCAN_ROWS]):
        score = header_score(index, cells)
        if score > best_score:
            best, best_score = position, score
    return best


def map_headers(columns: tuple[Column, ...], headers: list[Any], *, row: int = 1) -> dict[str, int]:
    """Column key → position in the file. Raises CellError naming missing required headers."""
    index = header_index(columns)
    positions: dict[str, int] = {}
    for position, header in enumerate(headers):
        column = index.get(_normalize(as_text(header)).replace("*", ""))
        if column is not None and not column.informational and column.key not in positions:
            positions[column.key] = position
    missing = [c.header for c in columns if c.required and c.key not in positions]
    if missing:
        raise CellError(
            _("表头（第 %(row)d 行）缺少必填列：%(cols)s。请使用导入模板，不要改动表头。")
            % {"row": row, "cols": "、".join(missing)}
        )
    return positions


TOTAL_LABELS = ("合计", "总计", "小计")


def is_total_row(cells: list[Any], id_position: int) -> bool:
    """A 合计 / 总计 / 小计 row under the data: its first filled cell starts with the word and it
    has no ID number (a member named 合计划 has one)."""
    if id_position < len(cells) and cells[id_position] not in (None, ""):
        return False
    for cell in cells:
        text = _normalize(as_text(cell))
        if text:
            return text.startswith(TOTAL_LABELS)
    return False


def column_by_key(columns: tuple[Column, ...]) -> dict[str, Column]:
    return {c.key: c for c in columns}


Parser = Callable[[Any], Any]
