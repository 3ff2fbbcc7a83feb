from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _job_files_in_tmp(settings: Any, tmp_path: Path) -> None:
    """Import jobs keep their files under VAR_DIR/roster: a temporary directory per test."""
    settings.VAR_DIR = tmp_path / "var"
