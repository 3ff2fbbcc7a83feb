from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "dangjian.members"
    verbose_name = _("党员")

    def ready(self) -> None:
        from dangjian.core.extensions import Panel, register_demo_step, register_panel

        from . import (
            caching,  # noqa: F401 - connects the figure invalidation receivers
            panels,
        )
        from .demo import DEMO_STEP

        register_panel(
            "organization",
            Panel(
                "mass-organizations",
                97,
                "members/panel_mass_organizations.html",
                panels.mass_organizations,
            ),
        )
        register_demo_step(DEMO_STEP)
