"""Background tasks of the roster: the steps of a large import job (decision 0130)."""

from __future__ import annotations

import datetime as dt

from dangjian.core.tasks import Periodic, register_periodic, task

from . import services
from .choices import JobStep


@task()
def job_step(job_id: int, step: str) -> None:
    """Validate or commit an import job in a worker (the page follows its progress)."""
    services.job_step_run(job_id, JobStep(step))


@task()
def jobs_fail_stale() -> int:
    """Fail the background jobs whose worker died (checked every minute by the scheduler)."""
    return services.jobs_fail_stale()


def register() -> None:
    register_periodic(
        Periodic(
            name="roster.jobs_fail_stale",
            task=jobs_fail_stale,
            every=dt.timedelta(minutes=1),
            inline=True,
        )
    )
