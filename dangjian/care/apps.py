from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    name = "dangjian.care"
    verbose_name = _("关怀与奖惩")

    def ready(self) -> None:
        from dangjian.core.extensions import (
            DemoStep,
            Panel,
            TodoSource,
            register_demo_step,
            register_panel,
            register_todo,
        )
        from dangjian.members.caching import invalidate_on_change

        from . import panels, todo
        from .demo import build_demo_care
        from .models import HelpRequest

        invalidate_on_change(HelpRequest)  # the to-do list's help requests still to take up

        register_demo_step(DemoStep("关怀与奖惩", 900, build_demo_care))
        register_todo(TodoSource("care-help", 45, todo.todo))
        register_panel("member", Panel("care", 60, "care/panel_member.html", panels.member))
        register_panel(
            "organization",
            Panel("care-fund", 95, "care/panel_organization.html", panels.organization),
        )
