"""Background tasks of operations: the nightly backup, keeping the last few (decision 0130)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from dangjian.core.tasks import Periodic, register_periodic, task

from . import backup

# Archives kept in var/backups by the nightly run (older ones are deleted); copy them off the
# machine as docs/backup.md says. A hand-made `dangjian backup PATH` elsewhere is never touched.
DEFAULT_KEEP = 14


def backup_directory() -> Path:
    return Path(settings.VAR_DIR) / "backups"


@task()
def backup_nightly() -> str:
    """What `dangjian backup` does, every night, then the oldest nightly archives go."""
    directory = backup_directory()
    result = backup.backup_create(
        output=directory / f"dangjian-{timezone.localtime():%Y%m%d-%H%M%S}.tar.gz"
    )
    keep = int(getattr(settings, "DANGJIAN_BACKUP_KEEP", DEFAULT_KEEP))
    for old in sorted(directory.glob("dangjian-*.tar.gz"), reverse=True)[keep:]:
        old.unlink(missing_ok=True)
    return result.path.name


def register() -> None:
    if getattr(settings, "DANGJIAN_BACKUP_NIGHTLY", True):
        register_periodic(Periodic(name="ops.backup", task=backup_nightly, at=dt.time(2, 30)))
