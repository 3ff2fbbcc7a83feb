"""The English catalogue is complete, valid and up to date, and the pages speak it.

The interface is Chinese first (DESIGN.md, "Stack"): source strings are Chinese and English comes
from locale/en/LC_MESSAGES/django.po. These tests fail when someone adds a string without
translating it (run `make messages`, then fill the new `msgstr`s).

The .mo file is gitignored and built by the Makefile, so the rendering test compiles the committed
.po into a temporary locale directory itself: it checks the catalogue, not a stale build.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import override_settings

REPO = Path(__file__).resolve().parent.parent
LOCALE = REPO / "locale"
PO_FILE = LOCALE / "en" / "LC_MESSAGES" / "django.po"
# The same exclusions as `make messages`, plus the tests (their strings are not shown to users).
IGNORE_PATTERNS = [".venv/*", "node_modules/*", "var/*", "tests/*", "*/tests/*"]
# What makemessages reads for the "django" domain; everything else stays out of the mirror.
SOURCE_SUFFIXES = {".py", ".html", ".txt"}
NOT_MIRRORED = {"locale", ".venv", "node_modules", "var", "tests"}

ZH_HEADING = "登录党员全员信息库"
EN_HEADING = "Log in to the Party Member Information System"


# --- a small .po reader (no new dependency) --------------------------------------------------


@dataclass
class Entry:
    msgid: str
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)

    @property
    def translated(self) -> bool:
        expected = 2 if self.msgid_plural is not None else 1
        values = [self.msgstr.get(i, "") for i in range(expected)]
        return all(values)

    def label(self) -> str:
        context = f"[{self.msgctxt}] " if self.msgctxt else ""
        return f"line {self.line}: {context}{self.msgid!r}"


_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}
_KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(\".*\")\s*$")


def _unquote(literal: str) -> str:
    body = literal.strip()
    assert body.startswith('"'), literal
    assert body.endswith('"'), literal
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), body[1:-1])


def read_po(path: Path) -> tuple[dict[str, str], list[Entry]]:
    """The header (as a dict) and the entries of a .po file; obsolete (#~) entries are skipped."""
    entries: list[Entry] = []
    text = path.read_text(encoding="utf-8")
    for block_start, block in _blocks(text):
        entry: Entry | None = None
        flags: set[str] = set()
        target: tuple[str, int] | None = None
        for offset, raw in enumerate(block):
            line = raw.strip()
            if line.startswith("#,"):
                flags |= {f.strip() for f in line[2:].split(",") if f.strip()}
                continue
            if not line or line.startswith("#"):
                continue
            match = _KEYWORD.match(line)
            if match:
                keyword, index, literal = match.groups()
                value = _unquote(literal)
                if keyword == "msgid":
                    entry = Entry(msgid=value, line=block_start + offset)
                    target = ("msgid", 0)
                    continue
                if entry is None:  # msgctxt comes before msgid
                    entry = Entry(msgid="", msgctxt=value, line=block_start + offset)
                    target = ("msgctxt", 0)
                    continue
                if keyword == "msgid_plural":
                    entry.msgid_plural = value
                    target = ("msgid_plural", 0)
                else:
                    n = int(index) if index is not None else 0
                    entry.msgstr[n] = value
                    target = ("msgstr", n)
                continue
            assert line.startswith('"'), f"{path}:{block_start + offset}: cannot read {raw!r}"
            assert entry is not None
            assert target is not None
            value = _unquote(line)
            name, n = target
            if name == "msgstr":
                entry.msgstr[n] += value
            elif name == "msgctxt":
                entry.msgctxt = (entry.msgctxt or "") + value
            else:
                setattr(entry, name, (getattr(entry, name) or "") + value)
        if entry is not None:
            entry.flags = flags
            entries.append(entry)
    header: dict[str, str] = {}
    if entries and entries[0].key == (None, ""):
        head = entries.pop(0)
        for row in head.msgstr.get(0, "").splitlines():
            name, _sep, value = row.partition(":")
            header[name.strip()] = value.strip()
        if "fuzzy" in head.flags:
            header["#fuzzy"] = "yes"
    return header, entries


def _blocks(text: str) -> Iterator[tuple[int, list[str]]]:
    lines = text.splitlines()
    start = 1
    block: list[str] = []
    for number, line in enumerate(lines, start=1):
        if line.strip() == "":
            if block:
                yield start, block
            start, block = number + 1, []
        elif not line.startswith("#~"):
            block.append(line)
    if block:
        yield start, block


# --- (a) the committed catalogue ----------------------------------------------------------------


@pytest.fixture(scope="module")
def catalogue() -> tuple[dict[str, str], list[Entry]]:
    return read_po(PO_FILE)


def test_header_declares_english_utf8_and_two_plural_forms(catalogue: Any) -> None:
    header, _entries = catalogue
    assert header.get("Language") == "en"
    assert header.get("Content-Type") == "text/plain; charset=UTF-8"
    assert header.get("Plural-Forms") == "nplurals=2; plural=(n != 1);"
    assert "#fuzzy" not in header, "the header is still marked fuzzy"


def test_every_entry_is_translated_and_none_is_fuzzy(catalogue: Any) -> None:
    _header, entries = catalogue
    assert len(entries) > 100, "the catalogue looks truncated"
    empty = [e.label() for e in entries if not e.translated]
    fuzzy = [e.label() for e in entries if "fuzzy" in e.flags]
    problems = []
    if empty:
        problems += [f"{len(empty)} entries without an English msgstr:", *empty]
    if fuzzy:
        problems += [f"{len(fuzzy)} fuzzy entries (check the guess, then unmark):", *fuzzy]
    assert not problems, "\n".join(problems)


_PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|%%")


def test_translations_keep_every_placeholder(catalogue: Any) -> None:
    _header, entries = catalogue
    wrong = []
    for e in entries:
        if "python-format" not in e.flags:
            continue
        for n, text in sorted(e.msgstr.items()):
            source = e.msgid if n == 0 or e.msgid_plural is None else e.msgid_plural
            expected, got = sorted(_PLACEHOLDER.findall(source)), sorted(_PLACEHOLDER.findall(text))
            # A singular form may leave out the count ("One member"), nothing else.
            singular = e.msgid_plural is not None and n == 0
            if got != expected and not (singular and set(got) <= set(expected)):
                wrong.append(f"{e.label()} msgstr[{n}]: {got} != {expected}")
    assert not wrong, "placeholders differ:\n" + "\n".join(wrong)


@pytest.fixture(scope="module")
def compiled_locale(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The committed .po compiled (and checked) by msgfmt into a temporary locale directory."""
    if shutil.which("msgfmt") is None:
        pytest.skip("GNU gettext (msgfmt) is not installed; `make setup` installs it")
    locale = tmp_path_factory.mktemp("compiled") / "locale"
    target = locale / "en" / "LC_MESSAGES"
    target.mkdir(parents=True)
    result = subprocess.run(
        ["msgfmt", "--check", "-o", str(target / "django.mo"), str(PO_FILE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"msgfmt --check failed:\n{result.stderr}"
    assert not result.stderr, f"msgfmt --check warned:\n{result.stderr}"
    return locale


def test_msgfmt_accepts_the_catalogue(compiled_locale: Path) -> None:
    assert (compiled_locale / "en" / "LC_MESSAGES" / "django.mo").stat().st_size > 0


# --- (b) the catalogue is up to date with the sources -------------------------------------------


def _mirror_sources(destination: Path) -> None:
    """Copy what makemessages reads into `destination`, with the same relative paths.

    makemessages cannot be pointed at a temporary locale directory while it runs in the
    repository: it adds every `locale` directory it finds (and `./locale`) to its list and
    writes the catalogue of each source file to the first one whose parent contains the file,
    which is always the repository's own locale/. Running it in a copy of the sources keeps the
    committed catalogue untouched, and keeps makemessages' temporary `*.html.py` files out of
    the working tree too.
    """

    def ignore(directory: str, names: list[str]) -> set[str]:
        top = Path(directory) == REPO
        skipped = set()
        for name in names:
            path = Path(directory) / name
            hidden = name.startswith(".") or name == "__pycache__"
            not_source = path.is_file() and path.suffix not in SOURCE_SUFFIXES
            if hidden or not_source or (top and name in NOT_MIRRORED):
                skipped.add(name)
        return skipped

    shutil.copytree(REPO, destination, ignore=ignore, symlinks=False, dirs_exist_ok=True)
    shutil.copytree(LOCALE, destination / "locale")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> list[Entry]:
    """Every msgid that `makemessages -l en` finds in the current sources (run once)."""
    if shutil.which("xgettext") is None or shutil.which("msgmerge") is None:
        pytest.skip("GNU gettext is not installed; `make setup` installs it")
    mirror = tmp_path_factory.mktemp("sources")
    _mirror_sources(mirror)
    locale = mirror / "locale"
    with pytest.MonkeyPatch.context() as mp, override_settings(LOCALE_PATHS=[str(locale)]):
        mp.chdir(mirror)
        call_command(
            "makemessages",
            locale=["en"],
            ignore_patterns=IGNORE_PATTERNS,
            no_obsolete=True,
            verbosity=0,
        )
    _header, entries = read_po(locale / "en" / "LC_MESSAGES" / "django.po")
    return entries


def test_every_string_in_the_sources_has_a_translation(
    extracted: list[Entry], catalogue: Any
) -> None:
    _header, committed = catalogue
    done = {e.key: e for e in committed if e.translated and "fuzzy" not in e.flags}
    missing = []
    for e in extracted:
        have = done.get(e.key)
        if have is None or (e.msgid_plural is not None and have.msgid_plural != e.msgid_plural):
            missing.append(repr(e.msgid) if e.msgctxt is None else f"[{e.msgctxt}] {e.msgid!r}")
    assert len(extracted) > 100, "makemessages found suspiciously few strings"
    assert not missing, (
        f"{len(missing)} source strings have no English translation in {PO_FILE.relative_to(REPO)}"
        " (run `make messages` and translate them):\n" + "\n".join(missing)
    )


# --- (c) the pages speak the language asked for --------------------------------------------------


@pytest.mark.django_db
def test_login_page_in_english(client: Any, settings: Any, compiled_locale: Path) -> None:
    settings.LOCALE_PATHS = [str(compiled_locale)]
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="en">' in page
    assert EN_HEADING in page
    assert "Username" in page
    assert "Password" in page
    assert ZH_HEADING not in page


@pytest.mark.django_db
def test_login_page_in_chinese(client: Any, settings: Any, compiled_locale: Path) -> None:
    settings.LOCALE_PATHS = [str(compiled_locale)]
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="zh-hans">' in page
    assert ZH_HEADING in page
    assert EN_HEADING not in page


def test_the_repository_locale_is_the_one_configured() -> None:
    assert [Path(p).resolve() for p in django_settings.LOCALE_PATHS] == [LOCALE.resolve()]
