"""The demo county's alerts: computed from what the demo wrote, as the nightly job would."""

from __future__ import annotations

from dangjian.core.extensions import DemoContext

from .services import alerts_recompute


def build_demo_alerts(context: DemoContext) -> None:
    alerts_recompute(root=context.county, on=context.reference_day)
