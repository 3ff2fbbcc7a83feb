"""The floor plan holds: apps import only downward, no two apps import each other in a cycle.

`make test` runs `lint-imports` with the contract in `.importlinter`; these tests read the same
contract, show that it catches an upward import, and look for cycles between apps that a layer
contract with ignored imports could hide.
"""

from __future__ import annotations

import configparser
import re
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

REPO = Path(__file__).resolve().parent.parent
CONTRACT = REPO / ".importlinter"


def _layers() -> list[set[str]]:
    """The floors of the contract, top first, each a set of app names."""
    parser = configparser.ConfigParser()
    parser.read(CONTRACT, encoding="utf-8")
    raw = parser["importlinter:contract:floor-plan"]["layers"]
    return [{part.strip() for part in line.split("|")} for line in raw.splitlines() if line.strip()]


def _graph_without_tests() -> grimp.ImportGraph:
    graph = grimp.build_graph("dangjian")
    for module in list(graph.modules):
        if ".tests" in module or ".migrations" in module:
            graph.remove_module(module)
    return graph


def _illegal(graph: grimp.ImportGraph) -> set[grimp.PackageDependency]:
    layers = [grimp.Layer(*sorted(floor), independent=True) for floor in _layers()]
    return graph.find_illegal_dependencies_for_layers(layers=layers, containers={"dangjian"})


def test_the_contract_names_every_app_once() -> None:
    """Every app under dangjian/ sits on exactly one floor; INSTALLED_APPS lists the same order."""
    from django.conf import settings

    floors = _layers()
    named = [app for floor in floors for app in floor]
    apps = sorted(p.name for p in (REPO / "dangjian").iterdir() if (p / "apps.py").exists())
    assert sorted(named) == apps
    installed = [a.removeprefix("dangjian.") for a in settings.INSTALLED_APPS if "dangjian." in a]
    rank = {app: i for i, floor in enumerate(reversed(floors)) for app in floor}
    assert [rank[a] for a in installed] == sorted(rank[a] for a in installed)


def test_the_code_keeps_the_floor_plan() -> None:
    """No module imports from a floor above its own, nor from an independent app beside it."""
    assert _illegal(_graph_without_tests()) == set()


@pytest.mark.parametrize(
    ("importer", "imported"),
    [
        ("dangjian.core.dates", "dangjian.members.models"),  # core reaching up
        ("dangjian.organizations.services", "dangjian.reports.selectors"),
        ("dangjian.dues.selectors", "dangjian.care.models"),  # sideways between domains
        ("dangjian.activities.selectors", "dangjian.recruitment.models"),  # a domain reaching up
    ],
)
def test_an_upward_or_sideways_import_breaks_the_floor_plan(importer: str, imported: str) -> None:
    """The check is not a formality: one added import is found and named."""
    graph = _graph_without_tests()
    graph.add_import(importer=importer, imported=imported)
    found = _illegal(graph)
    app = lambda module: ".".join(module.split(".")[:2])  # noqa: E731
    assert {(d.importer, d.imported) for d in found} == {(app(importer), app(imported))}
    heads = {head for d in found for route in d.routes for head in route.heads}
    assert importer in heads


def test_lint_imports_fails_on_an_upward_import(tmp_path: Path) -> None:
    """The command `make test` runs exits non-zero when a lower app imports a higher one."""
    lint = Path(sys.executable).parent / "lint-imports"
    kept = subprocess.run([str(lint)], cwd=REPO, capture_output=True, text=True, check=False)
    assert kept.returncode == 0, kept.stdout[-2000:]
    # The same contract over a copy of the package with one upward import added.
    copy = tmp_path / "dangjian"
    subprocess.run(["cp", "-r", str(REPO / "dangjian"), str(copy)], check=True)
    dates = copy / "core" / "dates.py"
    dates.write_text(
        dates.read_text(encoding="utf-8") + "\nfrom dangjian.members import models  # noqa\n",
        encoding="utf-8",
    )
    (tmp_path / ".importlinter").write_text(CONTRACT.read_text(encoding="utf-8"))
    broken = subprocess.run(
        [str(lint)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert broken.returncode == 1, broken.stdout[-2000:]
    assert "dangjian.core.dates -> dangjian.members.models" in broken.stdout


def test_no_two_apps_import_each_other() -> None:
    """grimp finds no cycle between apps (tests and migrations aside), type-only imports included."""
    graph = _graph_without_tests()
    edges: dict[str, set[str]] = {}
    for module in graph.modules:
        parts = module.split(".")
        if len(parts) < 2:
            continue
        for imported in graph.find_modules_directly_imported_by(module):
            other = imported.split(".")
            if len(other) >= 2 and other[1] != parts[1]:
                edges.setdefault(parts[1], set()).add(other[1])
    cycles = []
    for app in edges:
        # Is `app` reachable from any app it imports?
        seen: set[str] = set()
        todo = list(edges.get(app, ()))
        while todo:
            current = todo.pop()
            if current == app:
                cycles.append(app)
                break
            if current not in seen:
                seen.add(current)
                todo.extend(edges.get(current, ()))
    assert cycles == []


def test_makefile_runs_the_contract() -> None:
    """`make test` runs lint-imports, so the contract is not only a file."""
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^\t.*lint-imports", makefile, re.M)
