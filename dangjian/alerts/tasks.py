"""Background tasks of the alerts: the nightly run of every rule (decision 0130)."""

from __future__ import annotations

import datetime as dt

from dangjian.core.tasks import Periodic, register_periodic, task

from . import services


@task()
def alerts_nightly() -> dict[str, int]:
    """What `dangjian alerts` does, every night: recompute the alerts of the whole tree."""
    result = services.alerts_recompute()
    return {
        "opened": result.opened,
        "kept": result.kept,
        "resolved": result.resolved,
        "reopened": result.reopened,
    }


def register() -> None:
    register_periodic(Periodic(name="alerts.nightly", task=alerts_nightly, at=dt.time(2, 0)))
