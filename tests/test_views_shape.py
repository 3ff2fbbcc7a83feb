"""Views are short adapters (STYLE.md, conventions 1, 4 and 5).

Two rules, read from the source of every `dangjian/<app>/views.py`:

- A view does not write audit events: an export or a reveal is audited by the service that
  produces it, so no view imports `dangjian.audit.services` or names `audit_record`.
- A view does not catch a service's refusal itself: no `except` names `ValidationError` or
  `PermissionDenied`, and none is bare or catches `Exception`/`BaseException` (which would
  swallow both). A service's ValidationError reaches the page through `dangjian.core.forms`:
  `run_form` (onto the form), `run_service` (as a message) or `call_service` (handed back, for a
  page that lays the errors out itself). PermissionDenied is left to Django (a 403).

The checker is tested on small sources first, so that a rule that can no longer fail shows up.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
VIEW_MODULES = sorted((REPO / "dangjian").glob("*/views.py"))

AUDIT_MODULE = "dangjian.audit.services"
REFUSALS = {"ValidationError", "PermissionDenied"}
SWALLOW_ALL = {"Exception", "BaseException"}


def _caught_names(handler: ast.ExceptHandler) -> set[str]:
    """The exception names an `except` clause lists (`exceptions.ValidationError` counts)."""
    if handler.type is None:
        return {"<bare except>"}
    nodes = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return {name for node in nodes if (name := _name_of(node)) is not None}


def _name_of(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def problems(source: str) -> list[str]:
    """What breaks the two rules in one module's source, as `line: what` strings."""
    found = []
    for node in ast.walk(ast.parse(source)):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == AUDIT_MODULE or alias.name.startswith(AUDIT_MODULE + "."):
                    found.append(f"{line}: imports {alias.name}")
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            names = {alias.name for alias in node.names}
            if module == AUDIT_MODULE or (module == "dangjian.audit" and "services" in names):
                found.append(f"{line}: imports from {AUDIT_MODULE}")
            if "audit_record" in names:
                found.append(f"{line}: imports audit_record")
        elif _name_of(node) == "audit_record":
            found.append(f"{line}: names audit_record")
        elif isinstance(node, ast.ExceptHandler):
            caught = _caught_names(node) & (REFUSALS | SWALLOW_ALL | {"<bare except>"})
            if caught:
                found.append(f"{line}: catches {', '.join(sorted(caught))}")
    return found


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from dangjian.audit.services import audit_record\n", 2),  # the module and the name
        ("from dangjian.activities.services import audit_record\n", 1),
        ("from dangjian.audit import services as audit\n", 1),
        ("import dangjian.audit.services\n", 1),
        ("def f():\n    from dangjian.audit.services import audit_record\n", 2),
        ("def f(a):\n    a.audit_record(actor=None)\n", 1),
        ("try:\n    f()\nexcept ValidationError as exc:\n    pass\n", 1),
        ("try:\n    f()\nexcept exceptions.ValidationError:\n    pass\n", 1),
        ("try:\n    f()\nexcept (ValueError, PermissionDenied):\n    pass\n", 1),
        ("try:\n    f()\nexcept Exception:\n    pass\n", 1),
        ("try:\n    f()\nexcept:\n    pass\n", 1),
        # What views may do: catch a parse error, use the helpers, look at what came back.
        ("try:\n    int(x)\nexcept ValueError:\n    pass\n", 0),
        ("from dangjian.audit.choices import AuditAction\n", 0),
        ("outcome = call_service(run)\nif isinstance(outcome, ValidationError):\n    pass\n", 0),
        ("def run():\n    raise ValidationError('x', code='x')\n", 0),
    ],
)
def test_the_checker_finds_what_it_should(source: str, expected: int) -> None:
    assert len(problems(source)) == expected, problems(source)


def test_every_app_views_module_is_read() -> None:
    """The glob finds the views (a moved or renamed module would otherwise go unchecked)."""
    apps = {p.parent.name for p in VIEW_MODULES}
    assert {"activities", "certificates", "dues", "members", "transfers"} <= apps
    assert len(VIEW_MODULES) >= 17


@pytest.mark.parametrize("path", VIEW_MODULES, ids=lambda p: p.parent.name)
def test_views_leave_audit_and_service_errors_to_services_and_core_forms(path: Path) -> None:
    assert problems(path.read_text(encoding="utf-8")) == []
