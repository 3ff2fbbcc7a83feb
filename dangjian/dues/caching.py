"""The committee dashboard's dues figure counts payments: a payment invalidates it."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from dangjian.members.caching import invalidate_organizations

from .models import Payment


@receiver([post_save, post_delete], sender=Payment)
def _payment_changed(sender: Any, instance: Payment, **kwargs: Any) -> None:
    invalidate_organizations([instance.organization_id])
