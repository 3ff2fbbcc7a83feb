"""Loaded into a worker process by test_background before the worker starts: the commit says
how many rows it has written inside its open transaction (to the file named by
DANGJIAN_TEST_PROGRESS) and writes each chunk slowly, so that the test can kill the worker
while the transaction holds written rows."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from dangjian.roster import importing

_commit_members = importing.commit_members


def _slow_commit_members(validation: Any, *, progress: Any, **kwargs: Any) -> int:
    def report(done: int, total: int) -> None:
        progress(done, total)
        Path(os.environ["DANGJIAN_TEST_PROGRESS"]).write_text(str(done))
        time.sleep(2.0)

    return _commit_members(validation, progress=report, **kwargs)


importing.commit_members = _slow_commit_members  # type: ignore[assignment]
