"""Background tasks of the portal: large invitations of member accounts (decision 0130), and the
recount of the organization page's kept account counts (decision 0283)."""

from __future__ import annotations

import datetime as dt

from dangjian.core.tasks import Periodic, register_periodic, task
from dangjian.organizations.models import Organization

from . import activation, selectors


@task()
def invitation_batch(batch_id: int) -> None:
    """Make a large batch's activation codes in a worker (the page follows its progress)."""
    activation.invitation_task_run(batch_id)


@task()
def invitations_fail_abandoned() -> int:
    """Fail the background batches whose worker died (checked by the scheduler)."""
    return activation.invitations_fail_abandoned()


@task()
def account_counts_recount(organization_id: int) -> None:
    """Count again the account counts a visitor found stale (`selectors.account_counts_kept`
    queued it)."""
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is not None:
        selectors.account_counts_recount(organization)


def register() -> None:
    register_periodic(
        Periodic(
            name="portal.invitations_fail_abandoned",
            task=invitations_fail_abandoned,
            every=dt.timedelta(minutes=5),
            inline=True,
        )
    )
