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
        from dangjian.members.guards import register_move_guard

        from . import demo, panels, services, todo

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
