from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransfersConfig(AppConfig):
    name = "dangjian.transfers"
    verbose_name = _("组织关系转接")

    def ready(self) -> None:
        from . import tasks

        tasks.register()
        from dangjian.core.extensions import (
            DemoStep,
            NavItem,
            Panel,
            TodoSource,
            register_demo_step,
            register_nav,
            register_panel,
            register_todo,
        )
        from dangjian.members.caching import invalidate_on_change
        from dangjian.members.guards import register_move_guard

        from . import demo, panels, services, todo
        from .models import Outflow, OutflowReport, Transfer

        # The to-do list (core.extensions.kept_todo_items) counts letters to receive, transfers
        # to approve (by the sender's parent: an ancestor, invalidated with the sender) and
        # mobile members' reports not yet read.
        invalidate_on_change(Transfer, lambda t: [t.from_organization_id, t.to_organization_id])
        invalidate_on_change(Outflow, lambda o: [o.home_organization_id, o.host_organization_id])
        invalidate_on_change(OutflowReport, _report_organizations)

        register_move_guard(services.refuse_move_during_transfer)
        register_nav(
            NavItem(
                label=_("转接与流动"),
                url_name="transfers:list",
                order=30,
                visible=lambda scope: scope.reads_anything,
            )
        )
        register_todo(TodoSource("transfers", 40, todo.todo))
        register_panel(
            "member",
            Panel(
                key="transfers",
                order=30,
                template_name="transfers/member_panel.html",
                context=panels.member_context,
            ),
        )
        register_panel(
            "organization",
            Panel(
                key="transfers",
                order=30,
                template_name="transfers/organization_panel.html",
                context=panels.organization_context,
            ),
        )
        register_demo_step(DemoStep(name="transfers", order=30, run=demo.run))


def _report_organizations(report: Any) -> list[int]:
    """The home organization of a mobile member's report (none once the outflow is deleted:
    its own deletion invalidated it)."""
    from .models import Outflow

    return list(
        Outflow.objects.filter(pk=report.outflow_id).values_list("home_organization_id", flat=True)
    )
