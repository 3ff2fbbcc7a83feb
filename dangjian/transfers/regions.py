"""GB/T 2260 region names at province and prefecture level, from python-stdnum's table.

The members app validates ID numbers against the same table (stdnum.cn.loc). A mobile
member's destination is a province (`440000`) or a prefecture (`440300`); only names still in
use are offered (entries closed by a year range such as `[1983-2005]` are left out).
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import stdnum.cn

_TABLE = Path(stdnum.cn.__file__).with_name("loc.dat")
_RANGE = re.compile(r"^\[(\d{4})?-(\d{4})?\](.*)$")


def _current_name(raw: str) -> str | None:
    """The name in use now from `[1983-1986]郊区,[1987-]白云区`, or None if none is."""
    for part in raw.split(","):
        match = _RANGE.match(part)
        if match is None:
            return part
        if match.group(2) is None:
            return match.group(3)
    return None


@functools.cache
def _table() -> dict[str, str]:
    """Code → full name ("广东省", "广东省深圳市") of provinces and prefectures."""
    names: dict[str, str] = {}
    province_code = ""
    province = ""
    for line in _TABLE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if not line.startswith(" "):
            province_code, _sep, rest = line.partition(" ")
            province = rest.split('"')[1]
            names[f"{province_code}0000"] = province
            continue
        code, _sep, rest = line.strip().partition(" ")
        if len(code) != 4 or not code.endswith("00") or code == "0000":
            continue
        name = _current_name(rest.split('"')[1])
        if name and name not in ("市辖区", "县", "省直辖县级行政区划"):
            names[f"{province_code}{code}"] = f"{province}{name}"
    return names


def region_name(code: str) -> str:
    """The name of a province or prefecture code; the province for an unknown prefecture."""
    table = _table()
    if code in table:
        return table[code]
    return table.get(f"{code[:2]}0000", code)


def province_of(code: str) -> str:
    return f"{code[:2]}0000"


def region_choices() -> list[tuple[str, str]]:
    """Provinces and their prefectures, in code order, for a select."""
    return sorted(_table().items())
