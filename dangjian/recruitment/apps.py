from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecruitmentConfig(AppConfig):
    name = "dangjian.recruitment"
    verbose_name = _("发展党员")

    def ready(self) -> None:
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

        from . import demo, panels

        register_nav(NavItem(_("发展党员"), "recruitment:index", 40, visible=_reads_organizations))
        register_panel(
            "organization",
            Panel("recruitment", 40, "recruitment/panel_organization.html", panels.organization),
        )
        register_panel(
            "member", Panel("recruitment", 40, "recruitment/panel_member.html", panels.member)
        )
        register_todo(TodoSource("recruitment", 30, panels.todo))
        register_demo_step(DemoStep("recruitment", 40, demo.run))
        register_demo_step(DemoStep("recruitment plans", 45, demo.build_plans))


def _reads_organizations(scope: Any) -> bool:
    return scope.reads_anything
