"""A change to the tree (a new, renamed, moved or dissolved organization) changes every
subtree's figures and the names they show: drop them all, after commit."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from dangjian.core import figures

from .models import Organization


@receiver([post_save, post_delete], sender=Organization)
def _organization_changed(sender: Any, **kwargs: Any) -> None:
    transaction.on_commit(figures.invalidate_all)
