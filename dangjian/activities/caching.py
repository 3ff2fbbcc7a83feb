"""Compliance figures on the dashboards count held activities: a change invalidates them."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from dangjian.members.caching import invalidate_organizations

from .models import Activity


@receiver([post_save, post_delete], sender=Activity)
def _activity_changed(sender: Any, instance: Activity, **kwargs: Any) -> None:
    invalidate_organizations([instance.organization_id])
