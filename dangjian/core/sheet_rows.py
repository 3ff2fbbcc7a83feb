"""A large sheet's rows written as XML by the exporter, spliced into a workbook XlsxWriter made.

XlsxWriter's per-cell calls cost about 5 µs a cell in Python; issue 20 asks exports of
50,000 rows a second. So XlsxWriter (through `workbooks.new_workbook`) still makes the
workbook, styles, header, widths, panes and filter, and the exporter writes the data rows'
XML as XlsxWriter writes cells: text as inline strings escaped as XlsxWriter escapes them,
dates as serial numbers with a date style, numbers as numbers. The rows go to a sealed file
(`exports.SealedWriter`: no personal data in clear in a working file) and the sheet part is
then rewritten as the workbook's head, the rows, and its tail (decisions 0267 and 0279).
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from . import exports

# What an inline string cannot hold as it is: XML's specials, control characters, Excel's own
# escapes, and leading or trailing white space (which needs xml:space="preserve").
XML_SPECIAL = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_|^\s|\s$")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f]")
_ESCAPED = re.compile("(_x[0-9a-fA-F]{4}_)")
_DIMENSION = re.compile(r'<dimension ref="([A-Z]+[0-9]+:)?([A-Z]+)[0-9]+"/>')

# Excel's longest string; XlsxWriter's write_string cuts a longer one to it.
MAX_STRING = 32767

# Excel's serial day number of 1899-12-30 (day 0 of the 1900 date system after its 29 Feb 1900).
_EXCEL_EPOCH = dt.date(1899, 12, 30).toordinal()
_MARCH_1900 = dt.date(1900, 3, 1)


def xml_text(text: str) -> str:
    """Text for an inline string, escaped as XlsxWriter escapes it (XML, then control
    characters as Excel's `_xHHHH_`, a literal `_xHHHH_` behind `_x005F`)."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _ESCAPED.sub(r"_x005F\1", text)
    text = _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", text)
    return text.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")


def string_cell(reference: str, style: str, text: str) -> str:
    """An inline string cell; `style` is `""` or ` s="N"`."""
    space = ""
    if XML_SPECIAL.search(text):
        if text[0].isspace() or text[-1].isspace():
            space = ' xml:space="preserve"'
        text = xml_text(text)
    return f'<c r="{reference}"{style} t="inlineStr"><is><t{space}>{text}</t></is></c>'


def excel_serial(day: dt.date) -> int:
    """The serial number of a day from 1900-01-01 on, as Excel counts (with its 1900-02-29)."""
    return day.toordinal() - _EXCEL_EPOCH - (day < _MARCH_1900)


def column_letter(index: int) -> str:
    """`A` for 0, `Z` for 25, `AA` for 26."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def plain_rows_xml(
    handle: Any, rows: Iterable[Sequence[Any]], *, first: int, date_style: str
) -> int:
    """Write each row's <row> element to `handle`, the first as sheet row `first` (1-based):
    cells as XlsxWriter's `write()` makes them without a format (text a string, an int or a
    float a number, empty text and None no cell), dates with `date_style` (` s="N"`) as
    `write_datetime` does. Returns the number of rows."""
    letters: list[str] = []
    write = handle.write
    count = 0
    for count, row in enumerate(rows, start=1):
        number = first + count - 1
        if len(letters) < len(row):
            letters = [column_letter(i) for i in range(len(row))]
        parts = [f'<row r="{number}">']
        append = parts.append
        for position, cell in enumerate(row):
            kind = type(cell)
            if kind is str:
                if cell:
                    append(string_cell(f"{letters[position]}{number}", "", cell[:MAX_STRING]))
            elif kind is int or kind is float:
                append(f'<c r="{letters[position]}{number}"><v>{cell:.16G}</v></c>')
            elif kind is dt.date and cell.year >= 1900:
                serial = excel_serial(cell)
                append(f'<c r="{letters[position]}{number}"{date_style}><v>{serial}</v></c>')
            elif cell is not None:
                raise TypeError(f"no sheet cell for {kind.__name__} {cell!r}")
        append("</row>")
        write("".join(parts))
    return count


def splice_rows(
    shell: Path | BinaryIO, target: Path | BinaryIO, part: str, rows_path: Path, last_row: int
) -> None:
    """Write `target`: the workbook `shell` with the rows of the sealed file `rows_path` at the
    end of its sheet `part`'s data, the sheet's dimension reaching row `last_row`."""
    with zipfile.ZipFile(shell) as source:
        sheet_xml = source.read(part).decode()
        head, _sep, tail = sheet_xml.partition("</sheetData>")
        head = _DIMENSION.sub(
            lambda m: f'<dimension ref="{m[1] or "A1:"}{m[2]}{last_row}"/>', head, count=1
        )
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as output:
            for info in source.infolist():
                if info.filename != part:
                    output.writestr(info, source.read(info.filename))
                    continue
                # By name, not by a ZipInfo: a ZipInfo would be deflated at zlib's default
                # level 6, not the archive's 1 (three times the CPU for a few % of size).
                with output.open(part, "w", force_zip64=True) as stream:
                    stream.write(head.encode())
                    for chunk in exports.unseal(rows_path):
                        stream.write(chunk)
                    stream.write(b"</sheetData>" + tail.encode())
