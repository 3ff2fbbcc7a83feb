"""The front-end files we serve from npm packages, named one by one (settings.VENDOR_FILES).

Serving a package's whole `dist/` directory put 81 MB of ECharts and Bootstrap builds nobody
loads into every deployment's static files, and compressing them made `collectstatic` take
20–70 s. Only the files the templates use are collected (with the source map a file names, which
the manifest storage follows).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal, overload

from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core.checks import CheckMessage, Error
from django.core.files.storage import FileSystemStorage


class VendorFinder(BaseFinder):
    """A staticfiles finder for `VENDOR_FILES`: {static path: file under node_modules}."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.files: dict[str, Path] = {
            name: Path(settings.NODE_MODULES) / source
            for name, source in settings.VENDOR_FILES.items()
        }

    def check(self, **kwargs: Any) -> list[CheckMessage]:
        return [
            Error(
                f"{path} is missing: run `make setup` (npm ci) to fetch the front-end packages.",
                id="dangjian.E001",
            )
            for path in self.files.values()
            if not path.is_file()
        ]

    @overload
    def find(self, path: str, find_all: Literal[False] = False) -> str | None: ...
    @overload
    def find(self, path: str, find_all: Literal[True]) -> list[str]: ...
    def find(self, path: str, find_all: bool = False, **kwargs: Any) -> str | list[str] | None:
        source = self.files.get(path)
        if source is None or not source.is_file():
            return []  # as Django's own finders answer "not here" (None would count as found)
        return [str(source)] if find_all else str(source)

    def list(self, ignore_patterns: Any) -> Iterator[tuple[str, FileSystemStorage]]:
        for name, source in self.files.items():
            if source.is_file():
                yield name, _SingleFileStorage(name, source)


class _SingleFileStorage(FileSystemStorage):
    """One file under its static name (collectstatic opens it through the storage)."""

    def __init__(self, name: str, source: Path) -> None:
        super().__init__(location=source.parent)
        self._name = name
        self._source = source

    def path(self, name: str) -> str:
        return str(self._source) if name == self._name else super().path(name)
