from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "dangjian.activities"
    verbose_name = _("组织生活")

    def ready(self) -> None:
        from dangjian.core import exports
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
        from dangjian.members.caching import invalidate_everything_on_change, invalidate_on_change

        from . import demo, panels, services
        from .models import Activity, FrequencyRule

        exports.register_producer(
            exports.Producer(kind=services.LEDGER_EXPORT, write=services.ledger_export_write)
        )
        invalidate_on_change(Activity)  # the dashboards' compliance figures count activities
        invalidate_everything_on_change(FrequencyRule)  # what is due, in every branch

        register_nav(
            NavItem(
                _("组织生活"), "activities:list", 30, visible=lambda scope: scope.reads_anything
            )
        )
        register_panel(
            "member",
            Panel("activities-life", 30, "activities/panel_member.html", panels.member_panel),
        )
        register_panel(
            "organization",
            Panel(
                "activities-compliance",
                30,
                "activities/panel_organization.html",
                panels.organization_panel,
            ),
        )
        register_panel(
            "home",
            Panel("activities-compliance", 20, "activities/panel_home.html", panels.home_panel),
        )
        register_todo(TodoSource("activities", 10, panels.todo))
        register_demo_step(DemoStep("组织生活", 35, demo.run))  # after transfers: rolls see moves
        register_demo_step(DemoStep("培训", 36, demo.build_training))
