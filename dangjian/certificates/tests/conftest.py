from __future__ import annotations

from collections.abc import Iterator

import pytest

from dangjian.certificates import services


@pytest.fixture(autouse=True)
def _fresh_revocation_index() -> Iterator[None]:
    """Each test has its own database: the in-memory revocation index must not outlive it."""
    services.revocation_index_clear()
    yield
    services.revocation_index_clear()
