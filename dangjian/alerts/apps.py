from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "dangjian.alerts"
    verbose_name = _("预警")

    def ready(self) -> None:
        from . import tasks

        tasks.register()
        from dangjian.core.extensions import (
            DemoStep,
            NavItem,
            Panel,
            register_demo_step,
            register_nav,
            register_panel,
        )

        from . import domain_rules, panels, rules  # noqa: F401 - rules register themselves
        from .demo import build_demo_alerts

        register_nav(NavItem(_("预警"), "alerts:list", 20, lambda scope: scope.reads_anything))
        register_panel("home", Panel("alerts", 10, "alerts/panel_home.html", panels.home))
        register_panel(
            "organization",
            Panel("alerts", 1, "alerts/panel_organization.html", panels.organization),
        )
        register_panel("member", Panel("alerts", 1, "alerts/panel_member.html", panels.member))
        # Last: the alerts read what every other domain's demo step wrote.
        register_demo_step(DemoStep("预警", 1000, build_demo_alerts))
