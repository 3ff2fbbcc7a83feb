"""Background tasks of the transfers: the nightly expiry of letters (decision 0130)."""

from __future__ import annotations

import datetime as dt

from dangjian.core.tasks import Periodic, register_periodic, task

from . import services


@task()
def transfers_expire() -> int:
    """What `dangjian transfers_expire` does, every night: expire letters past their validity."""
    return services.transfers_expire_overdue()


def register() -> None:
    # Before the alerts' run (02:00), so an expired transfer is not also alerted as overdue.
    register_periodic(Periodic(name="transfers.expire", task=transfers_expire, at=dt.time(1, 30)))
