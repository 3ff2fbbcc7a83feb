"""Error codes come from the enums, and docs/api.md lists exactly the enums' codes."""

from __future__ import annotations

import ast
import enum
import importlib
import re
from pathlib import Path

import dangjian

PACKAGE = Path(dangjian.__file__).parent
DOCS = PACKAGE.parent / "docs" / "api.md"


def _enums() -> dict[str, type[enum.StrEnum]]:
    """Each app's ErrorCode, by app name ("core" holds the shared codes)."""
    found = {}
    for path in sorted(PACKAGE.glob("*/error_codes.py")):
        app = path.parent.name
        found[app] = importlib.import_module(f"dangjian.{app}.error_codes").ErrorCode
    return found


def _documented() -> dict[str, set[str]]:
    """The codes in each table of the section "Error codes", by app name."""
    text = DOCS.read_text(encoding="utf-8")
    section = text.split("\n## Error codes\n", 1)[1].split("\n## ", 1)[0]
    tables: dict[str, set[str]] = {}
    app = None
    for line in section.splitlines():
        heading = re.match(r"### `(\w+)`", line)
        if heading:
            app = heading.group(1)
            tables[app] = set()
        row = re.match(r"\| `([a-z0-9_]+)` \|", line)
        if row:
            assert app is not None, f"a code before the first table: {line}"
            tables[app].add(row.group(1))
    return tables


def _is_text(node: ast.expr | None, text: str | None = None) -> bool:
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and (text is None or node.value == text)
    )


def _bare_codes(path: Path) -> list[str]:
    """Calls in the file that pass an error code as a string literal."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        values: list[ast.expr | None] = []
        if isinstance(node, ast.Call):
            values += [k.value for k in node.keywords if k.arg == "code"]
            if isinstance(node.func, ast.Name) and node.func.id == "error_body" and node.args:
                values.append(node.args[0])
        elif isinstance(node, ast.Dict):  # an error body built by hand
            values += [
                v for k, v in zip(node.keys, node.values, strict=True) if _is_text(k, "code")
            ]
        found += [
            f"{path.relative_to(PACKAGE.parent)}:{value.lineno}"
            for value in values
            if value is not None and _is_text(value)
        ]
    return found


def test_no_code_is_a_bare_string() -> None:
    """Every `code=` outside tests and migrations names an enum member, never a string."""
    sources = [
        path
        for path in PACKAGE.rglob("*.py")
        if "tests" not in path.parts and "migrations" not in path.parts
    ]
    bare = [site for path in sources for site in _bare_codes(path)]
    assert bare == []


def test_the_docs_list_exactly_the_codes_of_each_app() -> None:
    """A code added, removed or moved in an enum must be added, removed or moved in the docs."""
    documented = _documented()
    enums = {app: {code.value for code in codes} for app, codes in _enums().items()}
    assert documented == enums


def test_a_shared_code_lives_only_in_core() -> None:
    """An app does not redefine a code the core already holds."""
    enums = _enums()
    shared = {code.value for code in enums.pop("core")}
    redefined = {app: shared & {c.value for c in codes} for app, codes in enums.items()}
    assert {app: codes for app, codes in redefined.items() if codes} == {}
