"""The demo county's alerts: computed from what the demo wrote, as the nightly job would."""

from __future__ import annotations

from django.db import connection

from dangjian.core.extensions import DemoContext

from .services import alerts_recompute


def build_demo_alerts(context: DemoContext) -> None:
    # The rules read every table the other steps just filled; PostgreSQL plans them as nested
    # loops over "empty" tables until it has statistics (minutes instead of seconds).
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    alerts_recompute(root=context.county, on=context.reference_day)
