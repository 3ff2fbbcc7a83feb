"""Dashboard figures count members: a change to the roster invalidates them (after commit, so
a figure computed meanwhile from the old rows cannot outlive the change). The same signals keep
the home page's to-do list (core.extensions.kept_todo_items): every row a to-do source reads
invalidates its organizations when saved or deleted."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from dangjian.core import figures
from dangjian.organizations.models import Organization

from .models import Member, Membership, Position


def invalidate_organizations(organization_ids: list[int]) -> None:
    """After commit, drop the figures of these organizations and their ancestors."""

    def run() -> None:
        figures.invalidate(
            Organization.objects.filter(pk__in=organization_ids).values_list("path", flat=True)
        )

    transaction.on_commit(run)


def invalidate_on_change(
    model: type[Model], organizations: Callable[[Any], Iterable[int | None]] | None = None
) -> None:
    """A saved or deleted row of `model` invalidates the figures of its organizations and their
    ancestors: `organizations(row)` gives their ids (None where there is none), by default the
    row's `organization`. Apps call this from their AppConfig.ready()."""

    def changed(sender: Any, instance: Any, **kwargs: Any) -> None:
        ids = [instance.organization_id] if organizations is None else organizations(instance)
        wanted = sorted({pk for pk in ids if pk is not None})
        if wanted:
            invalidate_organizations(wanted)

    label = model._meta.label_lower
    post_save.connect(changed, sender=model, weak=False, dispatch_uid=f"figures-{label}-save")
    post_delete.connect(changed, sender=model, weak=False, dispatch_uid=f"figures-{label}-delete")


invalidate_on_change(Membership)
# A branch's committee (the positions) decides whether committee meetings are due (the to-do
# list and the compliance figures).
invalidate_on_change(Position)


def invalidate_everything_on_change(model: type[Model]) -> None:
    """A saved or deleted row of `model` (a rule table: the frequency of organizational life,
    the recruitment time limits) changes what is due everywhere: every figure is marked stale."""

    def changed(sender: Any, **kwargs: Any) -> None:
        transaction.on_commit(figures.invalidate_all)

    label = model._meta.label_lower
    post_save.connect(changed, sender=model, weak=False, dispatch_uid=f"figures-all-{label}-save")
    post_delete.connect(
        changed, sender=model, weak=False, dispatch_uid=f"figures-all-{label}-delete"
    )


def invalidate_members(member_ids: list[int]) -> None:
    """After commit, mark stale the figures of these members' current organizations and their
    ancestors: a change that a figure counts without touching the roster (the member record;
    the portal's invitations and activations, which the accounts panel counts)."""

    def run() -> None:
        figures.invalidate(
            Membership.objects.filter(member_id__in=member_ids, ended_on__isnull=True).values_list(
                "organization__path", flat=True
            )
        )

    transaction.on_commit(run)


@receiver(post_save, sender=Member)
def _member_changed(sender: Any, instance: Member, created: bool, **kwargs: Any) -> None:
    if created:
        return  # not counted until a membership places them
    invalidate_members([instance.pk])
